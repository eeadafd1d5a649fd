// Keyset-pagination cursors: the (start, rowid) of the last row of a page, base64url-encoded so
// callers treat it as opaque. Pages continue strictly after that key, so no row is skipped or
// repeated however deep the page (OFFSET would rescan and shift under concurrent inserts).

export interface CursorKey {
  order: 'asc' | 'desc';
  start: number;
  id: number;
}

export function encodeCursor(k: CursorKey): string {
  return Buffer.from(`${k.order === 'asc' ? 'a' : 'd'}:${k.start}:${k.id}`, 'utf8').toString('base64url');
}

/** Returns undefined for anything that is not a cursor this module produced. */
export function decodeCursor(s: string): CursorKey | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
  const m = /^([ad]):(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) return undefined;
  const start = Number(m[2]);
  const id = Number(m[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(id)) return undefined;
  return { order: m[1] === 'a' ? 'asc' : 'desc', start, id };
}
