// A validator for the subset of OpenAPI 3.0 schema objects runtime/http/openapi.ts uses: $ref
// (#/components/schemas/…), type, properties, required, additionalProperties, items, enum,
// nullable, pattern, minimum/maximum, format date-time/date. (ajv is only a transitive eslint
// dependency here, so it is not used.) Any keyword outside the subset fails loudly, so the
// document cannot quietly use something this validator would ignore.

export type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'nullable',
  'pattern',
  'minimum',
  'maximum',
  'format',
  'description',
]);

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Returns the list of violations ("$.items[0].start: expected integer, got string"); empty = valid. */
export function validate(doc: { components?: { schemas?: Record<string, Schema> } }, schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const walk = (s: Schema, v: unknown, where: string, depth: number): void => {
    if (depth > 50) throw new Error(`schema recursion too deep at ${where}`);
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword "${k}" at ${where} is outside the validator's subset`);
    if (typeof s.$ref === 'string') {
      const m = /^#\/components\/schemas\/(.+)$/.exec(s.$ref);
      const target = m ? doc.components?.schemas?.[m[1]] : undefined;
      if (!target) throw new Error(`unresolvable $ref ${s.$ref} at ${where}`);
      // OpenAPI 3.0: siblings of $ref are ignored, except that we honour `nullable` next to it.
      if (v === null && s.nullable === true) return;
      walk(target, v, where, depth + 1);
      return;
    }
    if (v === null && s.nullable === true) return;
    if (s.enum !== undefined) {
      if (!(s.enum as unknown[]).some((e) => e === v)) errors.push(`${where}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    }
    const t = s.type as string | undefined;
    const actual = typeOf(v);
    if (t !== undefined) {
      const ok = t === actual || (t === 'number' && actual === 'integer');
      if (!ok) {
        errors.push(`${where}: expected ${t}${s.nullable ? ' or null' : ''}, got ${actual}`);
        return;
      }
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${where}: ${v} < minimum ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${where}: ${v} > maximum ${s.maximum}`);
    }
    if (typeof v === 'string') {
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(v)) errors.push(`${where}: "${v}" does not match ${s.pattern}`);
      if (s.format === 'date' && !DATE.test(v)) errors.push(`${where}: "${v}" is not a date`);
      if (s.format === 'date-time' && (!DATE_TIME.test(v) || Number.isNaN(Date.parse(v)))) errors.push(`${where}: "${v}" is not a date-time`);
    }
    if (actual === 'array' && s.items) (v as unknown[]).forEach((x, i) => walk(s.items as Schema, x, `${where}[${i}]`, depth + 1));
    if (actual === 'object') {
      const o = v as Record<string, unknown>;
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in o)) errors.push(`${where}: missing required "${r}"`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) walk(props[k], x, `${where}.${k}`, depth + 1);
        else if (s.additionalProperties === false) errors.push(`${where}: unexpected property "${k}"`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties as Schema, x, `${where}.${k}`, depth + 1);
      }
    }
  };
  walk(schema, value, at, 0);
  return errors;
}
