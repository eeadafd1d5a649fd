// Where the real data lives (models, photos, videos). It sits beside the repo as ../shared and is
// never copied in. In CI its absence is a failure; on a user's machine the tests that need it skip
// with a printed reason.
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function sharedDir(): string | undefined {
  const candidates = [process.env.FERRETWATCH_SHARED, path.resolve(repoRoot, '..', 'shared')].filter(Boolean) as string[];
  return candidates.find((d) => fs.existsSync(path.join(d, 'models')) || fs.existsSync(path.join(d, 'media')));
}

/**
 * Resolve a path under ../shared. Returns undefined (and the caller should skip with the reason)
 * when it is missing on a user's machine; throws under CI, where the data must be present.
 */
export function sharedPath(rel: string): { path?: string; skip?: string } {
  const dir = sharedDir();
  const full = dir ? path.join(dir, rel) : undefined;
  if (full && fs.existsSync(full)) return { path: full };
  const reason = `../shared/${rel} is not present (real test data lives beside the repo; see README "Tests")`;
  if (process.env.CI) throw new Error(`CI requires ${reason}`);
  console.log(`# skip: ${reason}`);
  return { skip: reason };
}

export { repoRoot };
