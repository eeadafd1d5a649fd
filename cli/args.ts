// A tiny argv parser for the CLI: `--key value`, `--flag`, and positionals. Unknown options are errors.
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean>;
}

export function parseArgs(argv: string[], spec: { values?: string[]; flags?: string[] }): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const flags = new Set(spec.flags ?? []);
  const out: ParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      if (flags.has(k)) out.options[k] = true;
      else if (values.has(k)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new Error(`--${k} needs a value`);
        out.options[k] = v;
      } else throw new Error(`unknown option --${k}`);
    } else out.positionals.push(a);
  }
  return out;
}

export function numberOption(opts: ParsedArgs['options'], key: string, fallback: number, min: number, max: number): number {
  const v = opts[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${key} must be a number between ${min} and ${max}`);
  return n;
}
