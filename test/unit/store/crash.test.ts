import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { BehaviorStore } from '../../../runtime/store/store';
import { tempDir } from './helpers';

const dir = tempDir(after);
const PER_BATCH = 200;

/** Starts the writer, SIGKILLs it after `killAfter` acknowledged batches; resolves with the last ack it printed. */
function runAndKill(file: string, firstBatch: number, killAfter: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'crash-writer.js'), file, String(PER_BATCH), String(firstBatch)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAck = 0;
    let buf = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+)$/.exec(line);
        // Lines after the kill was sent may still arrive; they are acks too.
        if (m) lastAck = Number(m[1]);
        if (!killed && lastAck >= killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code})`));
      else resolve(lastAck);
    });
  });
}

describe('crash safety (kill -9)', () => {
  test('after SIGKILL mid-loop the file is intact and every acknowledged batch is complete', async () => {
    const file = path.join(dir, 'crash.db');
    const acked: Array<[number, number]> = [];
    // Two rounds with distinct batch numbers: the second reopens (and recovers) the WAL left by the first kill.
    for (const [first, killAfter] of [[0, 15], [1000, 1030]]) {
      const last = await runAndKill(file, first, killAfter);
      assert.ok(last >= killAfter, `writer acknowledged up to batch ${last}`);
      acked.push([first + 1, last]);

      const db = new Database(file);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const rows = db.prepare("SELECT substr(episode_id, 2, instr(episode_id, '-') - 2) AS batch, count(*) AS n FROM episodes GROUP BY batch").all() as Array<{ batch: string; n: number }>;
      db.close();
      const counts = new Map(rows.map((r) => [Number(r.batch), r.n]));
      for (const [from, to] of acked) {
        for (let b = from; b <= to; b++) assert.equal(counts.get(b), PER_BATCH, `acknowledged batch ${b} is complete`);
      }
      for (const [b, n] of counts) assert.equal(n, PER_BATCH, `batch ${b} is all-or-nothing`);
    }
    // The store opens normally afterwards.
    const store = BehaviorStore.open(file);
    assert.ok(store.stats().rows.episodes >= (15 + 30) * PER_BATCH);
    store.close();
  });
});
