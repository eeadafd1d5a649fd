import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { linearAssignment, matchWithThreshold } from '../../../runtime/track/assignment';
import { rng } from './synth';

/** Lexicographic optimum over all assignments of min(r, c) pairs: (forbidden pairs needed, finite total). */
function bruteForce(cost: number[][]): { forbidden: number; total: number } {
  const R = cost.length;
  const C = cost[0].length;
  const transpose = R > C;
  const n = transpose ? C : R;
  const m = transpose ? R : C;
  const at = (i: number, j: number) => (transpose ? cost[j][i] : cost[i][j]);
  let best = { forbidden: Infinity, total: Infinity };
  const used = new Array<boolean>(m).fill(false);
  const rec = (i: number, forb: number, tot: number) => {
    if (i === n) {
      if (forb < best.forbidden || (forb === best.forbidden && tot < best.total - 1e-12)) best = { forbidden: forb, total: tot };
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      const x = at(i, j);
      if (Number.isFinite(x)) rec(i + 1, forb, tot + x);
      else rec(i + 1, forb + 1, tot);
      used[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

function check(cost: number[][], label: string): void {
  const R = cost.length;
  const C = cost[0].length;
  const res = linearAssignment(cost);
  const rows = new Set(res.map((p) => p[0]));
  const cols = new Set(res.map((p) => p[1]));
  assert.equal(rows.size, res.length, `${label}: rows distinct`);
  assert.equal(cols.size, res.length, `${label}: cols distinct`);
  for (const [r, c] of res) {
    assert.ok(r >= 0 && r < R && c >= 0 && c < C, `${label}: in range`);
    assert.ok(Number.isFinite(cost[r][c]), `${label}: no forbidden pair returned`);
  }
  const bf = bruteForce(cost);
  const total = res.reduce((s, [r, c]) => s + cost[r][c], 0);
  assert.equal(Math.min(R, C) - res.length, bf.forbidden, `${label}: forbidden count`);
  assert.ok(Math.abs(total - bf.total) < 1e-9, `${label}: total ${total} vs brute force ${bf.total}\n${JSON.stringify(cost)}`);
  // The flat form gives the same optimum.
  const flat = new Float64Array(cost.flat());
  const resFlat = linearAssignment(flat, R, C);
  assert.ok(Math.abs(resFlat.reduce((s, [r, c]) => s + cost[r][c], 0) - total) < 1e-9, `${label}: flat`);
}

describe('linear assignment', () => {
  test('hand cases', () => {
    assert.deepEqual(linearAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]), [[0, 1], [1, 0], [2, 2]]);
    // Greedy would take (0,0)=1 then pay 10; the optimum pays 2 + 2.
    assert.deepEqual(linearAssignment([[1, 2], [2, 10]]), [[0, 1], [1, 0]]);
    assert.deepEqual(linearAssignment([[5], [1], [3]]), [[1, 0]]);
    assert.deepEqual(linearAssignment([[Infinity, Infinity], [Infinity, Infinity]]), []);
    assert.deepEqual(linearAssignment([]), []);
    assert.deepEqual(linearAssignment(new Float64Array(0), 0, 5), []);
    // A forbidden pair is avoided even at a higher finite total.
    assert.deepEqual(linearAssignment([[0, 100], [Infinity, 0]]), [[0, 0], [1, 1]]);
    assert.deepEqual(linearAssignment([[0, 1], [Infinity, 1e6]]), [[0, 0], [1, 1]]);
  });

  test('matches brute force on random small matrices (square, rectangular, ties, Infinity, negatives)', () => {
    const r = rng(42);
    let n = 0;
    for (let trial = 0; trial < 1500; trial++) {
      const R = 1 + Math.floor(r() * 6);
      const C = 1 + Math.floor(r() * 6);
      const mode = trial % 4;
      const cost = Array.from({ length: R }, () =>
        Array.from({ length: C }, () => {
          if (mode >= 2 && r() < 0.3) return Infinity;
          if (mode === 1 || mode === 3) return Math.floor(r() * 4); // many ties
          return (r() - 0.3) * 100;
        }),
      );
      check(cost, `trial ${trial} ${R}x${C}`);
      n++;
    }
    assert.equal(n, 1500);
  });

  test('bigger random matrices: transposition gives the same optimum', () => {
    const r = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const R = 20 + Math.floor(r() * 30);
      const C = 20 + Math.floor(r() * 30);
      const cost = Array.from({ length: R }, () => Array.from({ length: C }, () => (r() < 0.1 ? Infinity : r())));
      const t = Array.from({ length: C }, (_, j) => Array.from({ length: R }, (_, i) => cost[i][j]));
      const a = linearAssignment(cost);
      const b = linearAssignment(t);
      assert.equal(a.length, b.length);
      const sa = a.reduce((s, [i, j]) => s + cost[i][j], 0);
      const sb = b.reduce((s, [i, j]) => s + t[i][j], 0);
      assert.ok(Math.abs(sa - sb) < 1e-9, `${sa} vs ${sb}`);
    }
  });

  test('matchWithThreshold gates pairs above maxCost and reports the leftovers', () => {
    const cost = [
      [0.1, 0.9, 0.5],
      [0.2, 0.95, Infinity],
    ];
    const m = matchWithThreshold(cost, 0.6);
    // Unclipped optimum would pair (1,0)=0.2 and (0,2)=0.5; same here, both under 0.6.
    assert.deepEqual(m.matches, [[0, 2], [1, 0]]);
    assert.deepEqual(m.unmatchedRows, []);
    assert.deepEqual(m.unmatchedCols, [1]);
    const m2 = matchWithThreshold(cost, 0.15);
    assert.deepEqual(m2.matches, [[0, 0]]);
    assert.deepEqual(m2.unmatchedRows, [1]);
    assert.deepEqual(m2.unmatchedCols, [1, 2]);
    const m3 = matchWithThreshold(new Float64Array(0), 1, 0, 3);
    assert.deepEqual(m3, { matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
  });
});
