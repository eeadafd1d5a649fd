// Ferret names as people type them, checked the same way by the CLI and the HTTP API.

export const MAX_NAME_LENGTH = 40;

/** An input error that names the offending field (HTTP: a 400 unless `status` says otherwise). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N} _.'-]*$/u;

/** A ferret's name: letters, digits, spaces and _ . ' - (starting with a letter or digit), at most 40. */
export function validateName(v: unknown): string {
  if (typeof v !== 'string') throw new FieldError('name', 'name must be a string');
  const name = v.trim().replace(/\s+/g, ' ');
  if (!name) throw new FieldError('name', 'name must not be empty');
  if (name.length > MAX_NAME_LENGTH) throw new FieldError('name', `name must be at most ${MAX_NAME_LENGTH} characters`);
  if (!NAME_RE.test(name)) throw new FieldError('name', "name may only contain letters, digits, spaces and _ . ' -");
  return name;
}

