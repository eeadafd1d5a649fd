// JSON over fetch, relative to the page (which lives at <httpNodeRoot>ferretwatch/), so the
// dashboard works under any Node-RED httpNodeRoot and never names another origin.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Shown wherever history is needed but no behavior-store node is deployed (503) or the routes are absent (404). */
export const NO_STORE_TEXT = 'History needs a behavior-store node.';

export function isHistoryUnavailable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 503 || e.status === 404);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { Accept: 'application/json' }, cache: 'no-store' });
  return answer<T>(res);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const msg = data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string' ? (data as { error: string }).error : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return data as T;
}

/** An array answer, or the array inside a paged/wrapped one ({items}, {ferrets}, …). */
export function listOf<T>(v: unknown, ...keys: string[]): T[] {
  if (Array.isArray(v)) return v as T[];
  if (v && typeof v === 'object') {
    for (const k of [...keys, 'items', 'data', 'results']) {
      const inner = (v as Record<string, unknown>)[k];
      if (Array.isArray(inner)) return inner as T[];
    }
  }
  return [];
}

/** The API gives absolute /ferretwatch/… paths; the page resolves them against its own location. */
export function pageRelative(url: string): string {
  return url.startsWith('/ferretwatch/') ? url.slice('/ferretwatch/'.length) : url;
}

export const enc = encodeURIComponent;
