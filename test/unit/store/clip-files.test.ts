// Retention's clip deletion: the file, then its day folder once empty, never today's folder.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeClipFile } from '../../../runtime/clips/files';
import { localDate } from '../../../runtime/store/schema';
import { tempDir } from './helpers';

const dir = tempDir(after);

test('removes the file and an emptied day folder, keeps a non-empty or current one', async () => {
  const now = () => new Date(2025, 0, 10, 12).getTime();
  const old = path.join(dir, 'cam', '2025-01-06');
  fs.mkdirSync(old, { recursive: true });
  fs.writeFileSync(path.join(old, 'a.mp4'), 'a');
  fs.writeFileSync(path.join(old, 'b.mp4'), 'b');
  await removeClipFile(path.join(old, 'a.mp4'), now);
  assert.deepEqual(fs.readdirSync(old), ['b.mp4'], 'not empty yet: kept');
  await removeClipFile(path.join(old, 'b.mp4'), now);
  assert.equal(fs.existsSync(old), false, 'emptied: removed');
  assert.equal(fs.existsSync(path.join(dir, 'cam')), true, 'the camera folder stays');

  const today = path.join(dir, 'cam', localDate(now()));
  fs.mkdirSync(today, { recursive: true });
  fs.writeFileSync(path.join(today, 'c.mp4'), 'c');
  await removeClipFile(path.join(today, 'c.mp4'), now);
  assert.equal(fs.existsSync(today), true, "today's folder is kept for the recorder");
  await assert.rejects(removeClipFile(path.join(today, 'gone.mp4'), now), { code: 'ENOENT' });
});
