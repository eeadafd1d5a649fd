// Deleting clip files for retention: the file, then its day folder once empty, so years of clips
// do not leave thousands of empty <camera>/<YYYY-MM-DD> directories behind. Today's folder is kept
// (the recorder may be about to write into it).
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { localDate } from '../store/schema';

export async function removeClipFile(file: string, now: () => number = Date.now): Promise<void> {
  await fsp.unlink(file);
  const dir = path.dirname(file);
  const day = path.basename(dir);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || day === localDate(now())) return;
  try {
    await fsp.rmdir(dir);
  } catch {
    // not empty (or already gone): fine
  }
}
