// Shared fixtures for the store tests: throwaway directories and well-formed rows.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { after as afterHook } from 'node:test';
import type { BehaviorChangePayload, Episode } from '../../../runtime/contracts';

/** A fresh directory removed when the calling test file finishes. */
export function tempDir(after: typeof afterHook): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-store-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const T0 = Date.UTC(2025, 0, 6, 0, 0, 0); // a Monday, midnight UTC

export function episode(over: Partial<Episode> & { episodeId: string }): Episode {
  return {
    ferretId: 'ferret-1',
    name: 'Loki',
    camera: 'cam-1',
    behavior: 'sleeping',
    start: T0,
    end: T0 + 60_000,
    durationS: 60,
    confidence: 0.9,
    zone: 'bed',
    ...over,
  };
}

export function change(over: Partial<BehaviorChangePayload> = {}): BehaviorChangePayload {
  return { ferretId: 'ferret-1', name: 'Loki', camera: 'cam-1', behavior: 'exploring', previous: 'sleeping', confidence: 0.8, since: T0, zone: null, ...over };
}
