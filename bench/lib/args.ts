// Command-line flags for benchmarks: `--name value`, `--flag` (true), numbers checked.

export function flag(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

export function numFlag(name: string, def: number): number {
  const v = flag(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} wants a number, got ${v}`);
  return n;
}

export function boolFlag(name: string): boolean {
  const v = flag(name);
  return v !== undefined && v !== 'false' && v !== '0';
}
