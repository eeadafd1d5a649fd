// RED._() looks a key up in the node's own catalog (locales/<lang>/<type>.json). Under the test
// helper, catalogs may not be registered and RED._ answers the key itself: fall back to English.
import type { NodeAPI } from 'node-red';

export type Translate = (key: string, subs?: Record<string, string | number | undefined>) => string;

export function translator(RED: NodeAPI, fallback: Record<string, string>): Translate {
  return (key, subs = {}) => {
    let s: string | undefined;
    try {
      s = (RED as unknown as { _: (k: string, s?: object) => string })._(key, subs);
    } catch {
      s = undefined;
    }
    if (!s || s === key || s.endsWith(`:${key}`)) s = (fallback[key] ?? key).replace(/__(\w+)__/g, (_m, k: string) => String(subs[k] ?? ''));
    return s;
  };
}

/** Flatten a nested catalog ({status: {live: "…"}}) into "status.live" keys, prefixed by the node type. */
export function flatCatalog(prefix: string, catalog: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (obj: Record<string, unknown>, path: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const p = path ? `${path}.${k}` : k;
      if (typeof v === 'string') out[p] = v;
      else if (v && typeof v === 'object') walk(v as Record<string, unknown>, p);
    }
  };
  walk(catalog, '');
  const res: Record<string, string> = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith(`${prefix}.`)) res[k] = v;
  return res;
}

export function nodeLogger(node: { debug(m: string): void; log(m: string): void; warn(m: string): void; error(m: string): void }) {
  return {
    debug: (m: string) => node.debug(m),
    info: (m: string) => node.log(m),
    warn: (m: string) => node.warn(m),
    error: (m: string) => node.error(m),
  };
}
