// Which model classes count as what. A COCO model has no ferret class, so by default the animals it
// confuses ferrets with (cat, dog, bear, teddy bear) become "ferret" and everything else is dropped.
import * as fs from 'node:fs';

/**
 * User class map: model class name (or numeric id as a string) → label. The value "ignore" drops
 * the class. The key "*" sets what unmapped classes do: "ignore" (the default), "keep" (keep the
 * model's own name) or any other string (use it as the label).
 */
export type ClassMapSpec = Record<string, string>;

export const IGNORE = 'ignore';
export const KEEP = 'keep';

export const COCO_FERRET_MAP: Readonly<ClassMapSpec> = Object.freeze({
  cat: 'ferret',
  dog: 'ferret',
  bear: 'ferret',
  'teddy bear': 'ferret',
  '*': IGNORE,
});

export interface ClassMapOptions {
  /** Keep classes the map does not mention, labelled with their own name (same as "*": "keep"). */
  keepUnmapped?: boolean;
}

/** Heuristic for "this is a COCO-80 model": it has the COCO animals we map. */
export function looksLikeCoco(names: readonly string[]): boolean {
  return names.length >= 80 && names.includes('cat') && names.includes('dog') && names.includes('teddy bear');
}

/**
 * The default spec for a model: single-class → that class is the ferret; COCO → COCO_FERRET_MAP;
 * any other (fine-tuned, multi-class) model → every class keeps its own name.
 */
export function defaultClassMap(names: readonly string[]): ClassMapSpec {
  if (names.length === 1) return { [names[0]]: 'ferret', '*': IGNORE };
  if (looksLikeCoco(names)) return { ...COCO_FERRET_MAP };
  return { '*': KEEP };
}

/**
 * Resolve a spec against the model's class names: labels[classId] is the label or null (dropped).
 * Throws when the spec is not a flat object of strings.
 */
export function buildLabelTable(
  names: readonly string[],
  spec?: ClassMapSpec | null,
  opts: ClassMapOptions = {},
): Array<string | null> {
  const map = spec ?? defaultClassMap(names);
  if (typeof map !== 'object' || Array.isArray(map)) throw new Error('class map must be a JSON object like {"cat": "ferret"}');
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') throw new Error(`class map value for "${k}" must be a string, got ${JSON.stringify(v)}`);
  }
  const star = opts.keepUnmapped ? KEEP : (map['*'] ?? IGNORE);
  return names.map((name, id) => {
    const v = Object.prototype.hasOwnProperty.call(map, name)
      ? map[name]
      : Object.prototype.hasOwnProperty.call(map, String(id))
        ? map[String(id)]
        : star;
    if (v === IGNORE || v === '') return null;
    if (v === KEEP) return name;
    return v;
  });
}

/** Read a class map JSON file (an object of strings). */
export function loadClassMap(file: string): ClassMapSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`class map ${file} is not readable JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`class map ${file} must be a JSON object like {"cat": "ferret"}`);
  }
  return parsed as ClassMapSpec;
}
