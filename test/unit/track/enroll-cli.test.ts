import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../../cli/commands/enroll';
import { readIdentitiesFile } from '../../../runtime/track/identity-store';
import { runFfmpeg } from '../../support/media';

let dir: string;
let imgs: string[];

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-enroll-'));
  imgs = [];
  for (const c of ['white', 'orange']) {
    const f = path.join(dir, `${c}.png`);
    await runFfmpeg(['-f', 'lavfi', '-i', `color=c=${c}:s=160x120`, '-frames:v', '1', '-y', f]);
    imgs.push(f);
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ferretwatch enroll', () => {
  test('writes a named ferret to <user-dir>/ferretwatch-identities.json and prints its id; more pictures add to it', async () => {
    const userDir = path.join(dir, 'ud');
    const a = await capture(['--name', 'Luna', '--user-dir', userDir, '--no-model', ...imgs]);
    assert.equal(a.code, 0);
    assert.match(a.out, /^ferret-1 {2}Luna: 2 pictures \(whole pictures/);
    const file = path.join(userDir, 'ferretwatch-identities.json');
    const j = readIdentitiesFile(file)!;
    assert.deepEqual(j.identities.map((i) => [i.ferretId, i.name, i.enrolled, i.embeddings.length, i.embeddings[0].length]), [['ferret-1', 'Luna', true, 2, 128]]);
    const b = await capture(['--name', 'Luna', '--user-dir', userDir, '--no-model', '--json', imgs[0]]);
    assert.equal(JSON.parse(b.out).ferretId, 'ferret-1');
    assert.equal(readIdentitiesFile(file)!.identities[0].embeddings.length, 3);
    const c = await capture(['--name', 'Max', '--user-dir', userDir, '--no-model', imgs[1]]);
    assert.match(c.out, /^ferret-2 {2}Max/);
  });

  test('clear errors: no name, bad name, no pictures, missing file, bad embedder, broken identities file', async () => {
    await assert.rejects(run([imgs[0]]), /name must not be empty/);
    await assert.rejects(run(['--name', 'a/b', imgs[0]]), /may only contain/);
    await assert.rejects(run(['--name', 'Luna']), /at least one picture/);
    await assert.rejects(run(['--name', 'Luna', path.join(dir, 'nope.jpg')]), /nope\.jpg does not exist/);
    await assert.rejects(run(['--name', 'Luna', '--embedder', 'sift', imgs[0]]), /--embedder must be hsv or reid/);
    const ud = path.join(dir, 'broken');
    fs.mkdirSync(ud);
    fs.writeFileSync(path.join(ud, 'ferretwatch-identities.json'), '{oops');
    await assert.rejects(run(['--name', 'Luna', '--user-dir', ud, '--no-model', imgs[0]]), /not valid JSON/);
    assert.equal(fs.readFileSync(path.join(ud, 'ferretwatch-identities.json'), 'utf8'), '{oops', 'never overwritten');
  });
});
