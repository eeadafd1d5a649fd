// Parses the identities file the tracker node kept before the store existed:
// {identities: [{ferretId, name, embeddings: number[][]}]}. Pure, so a malformed file is reported
// precisely (which entry, which field) before anything is written.
import type { Identity } from './types';

/** Identity fields with columns of their own; every other field of an entry is kept as its `state`. */
const OWN_FIELDS = new Set(['ferretId', 'name', 'embeddings', 'gallery']);
/** Top-level fields that describe the file, not the registry. */
const FILE_FIELDS = new Set(['identities', 'version', 'savedAt']);

export interface IdentitiesFile {
  identities: Identity[];
  /** The registry-wide fields (e.g. nextId), or null when the file has none. */
  registry: Record<string, unknown> | null;
}

function rest(o: Record<string, unknown>, skip: Set<string>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!skip.has(k) && v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}

/** The identities and the registry-wide state of the tracker's file. */
export function parseIdentitiesFile(text: string): IdentitiesFile {
  const identities = parseIdentitiesJson(text);
  const doc = JSON.parse(text) as Record<string, unknown>;
  return { identities, registry: rest(doc, FILE_FIELDS) };
}

export function parseIdentitiesJson(text: string): Identity[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`identities file is not valid JSON: ${(err as Error).message}`);
  }
  const list = (doc as { identities?: unknown } | null)?.identities;
  if (!Array.isArray(list)) throw new Error('identities file: "identities" must be an array');
  return list.map((raw, i) => {
    const e = raw as { ferretId?: unknown; name?: unknown; embeddings?: unknown } | null;
    const where = `identities[${i}]`;
    if (!e || typeof e.ferretId !== 'string' || e.ferretId.length === 0) throw new Error(`${where}.ferretId must be a non-empty string`);
    if (e.name !== undefined && e.name !== null && typeof e.name !== 'string') throw new Error(`${where}.name must be a string or null`);
    const embs = e.embeddings ?? [];
    if (!Array.isArray(embs)) throw new Error(`${where}.embeddings must be an array of number arrays`);
    const embeddings = embs.map((v, j) => {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new Error(`${where}.embeddings[${j}] must be an array of finite numbers`);
      }
      return Float32Array.from(v as number[]);
    });
    return { ferretId: e.ferretId, name: (e.name as string | null | undefined) ?? null, embeddings, state: rest(e as Record<string, unknown>, OWN_FIELDS) };
  });
}
