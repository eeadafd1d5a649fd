import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CHI2INV95, GATING_THRESHOLD, KalmanFilter, boxToXyah, xyahToBox } from '../../../runtime/track/kalman';

const close = (a: number, b: number, tol: number, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

/** Plain Gaussian elimination, to check the Cholesky path against. */
function solveNaive(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

describe('kalman', () => {
  test('box conversions round-trip', () => {
    const z = boxToXyah([10, 20, 70, 50]);
    assert.deepEqual(Array.from(z), [40, 35, 2, 30]);
    assert.deepEqual(xyahToBox(z), [10, 20, 70, 50]);
    assert.equal(GATING_THRESHOLD, 9.4877);
    assert.equal(CHI2INV95[2], 5.9915);
  });

  test('at the nominal interval one predict equals DeepSORT per-frame step', () => {
    const T0 = 1 / 30;
    const kf = new KalmanFilter({ nominalDt: T0 });
    const h = 100;
    const s = kf.initiate([50, 60, 0.5, h]);
    assert.deepEqual(Array.from(s.mean), [50, 60, 0.5, h, 0, 0, 0, 0]);
    kf.predict(s, T0);
    // DeepSORT in px/frame: P00 = (2·h/20)² + (10·h/160)² (velocity spread carried one frame) + (h/20)².
    const deepsort = (2 * h / 20) ** 2 + (10 * h / 160) ** 2 + (h / 20) ** 2;
    // The exact discretisation adds the velocity noise integrated over the frame: (h/160)²/3.
    close(s.covariance[0], deepsort + (h / 160) ** 2 / 3, 1e-9);
    close(s.covariance[0] / deepsort, 1, 0.001, 'within 0.1 % of DeepSORT');
    // Velocity variance in (px/s)²: DeepSORT's (10h/160)² + (h/160)² per frame², divided by T0².
    close(s.covariance[36], ((10 * h / 160) ** 2 + (h / 160) ** 2) / T0 ** 2, 1e-6);
    // Position-velocity covariance in px²/s: (10h/160)²/T0 carried, plus (h/160)²/(2·T0) injected.
    close(s.covariance[4], (10 * h / 160) ** 2 / T0 + (h / 160) ** 2 / (2 * T0), 1e-9);
    close(s.covariance[32], s.covariance[4], 1e-12, 'symmetric');
  });

  test('predict(0.4) equals two predict(0.2) in mean; covariance grows with dt', () => {
    const kf = new KalmanFilter();
    const a = kf.initiate([100, 100, 1.5, 40]);
    for (let k = 1; k <= 10; k++) {
      kf.predict(a, 0.1);
      kf.update(a, [100 + 8 * k, 100 - 3 * k, 1.5, 40 + 0.5 * k]);
    }
    assert.ok(a.mean[4] > 20, `velocity learned: ${a.mean[4]} px/s`);
    const b = { mean: a.mean.slice(), covariance: a.covariance.slice() };
    kf.predict(a, 0.4);
    kf.predict(b, 0.2);
    kf.predict(b, 0.2);
    for (let i = 0; i < 8; i++) close(a.mean[i], b.mean[i], 1e-9, `mean[${i}]`);
    // The discretisation is exact, so the covariances agree too, up to Q following h's drift.
    for (let i = 0; i < 64; i++) close(a.covariance[i], b.covariance[i], 0.03 * Math.abs(b.covariance[i]) + 1e-12, `cov[${i}]`);
    // With a constant height the two agree to round-off.
    const e = kf.initiate([0, 0, 1, 50]);
    e.mean[4] = 30;
    const f = { mean: e.mean.slice(), covariance: e.covariance.slice() };
    kf.predict(e, 0.4);
    kf.predict(f, 0.2);
    kf.predict(f, 0.2);
    for (let i = 0; i < 64; i++) close(e.covariance[i], f.covariance[i], 1e-9 * Math.abs(f.covariance[i]) + 1e-12, `const-h cov[${i}]`);
    const c = { mean: b.mean.slice(), covariance: b.covariance.slice() };
    kf.predict(c, 1.0);
    assert.ok(c.covariance[0] > b.covariance[0] * 1.5, 'a longer gap gives more position uncertainty');
    const frozen = [...c.mean, ...c.covariance];
    kf.predict(c, 0);
    kf.predict(c, -1);
    assert.deepEqual([...c.mean, ...c.covariance], frozen, 'non-positive dt is a no-op');
  });

  test('tracks a constant velocity in px/s whatever the frame intervals', () => {
    const kf = new KalmanFilter();
    const vx = 120; // px/s
    const vy = -40;
    let t = 0;
    const s = kf.initiate([200, 300, 2, 50]);
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let k = 0; k < 60; k++) {
      const dt = 0.03 + rand() * 0.3;
      t += dt;
      kf.predict(s, dt);
      kf.update(s, [200 + vx * t, 300 + vy * t, 2, 50]);
    }
    close(s.mean[4], vx, vx * 0.05, 'vx');
    close(s.mean[5], vy, Math.abs(vy) * 0.1, 'vy');
    close(s.mean[0], 200 + vx * t, 3, 'cx');
  });

  test('update pulls toward the measurement and shrinks the covariance', () => {
    const kf = new KalmanFilter();
    const s = kf.initiate([0, 0, 1, 100]);
    kf.predict(s, 0.1);
    const before = s.covariance[0];
    kf.update(s, [10, 0, 1, 100]);
    assert.ok(s.mean[0] > 0 && s.mean[0] < 10, `cx ${s.mean[0]}`);
    assert.ok(s.covariance[0] < before);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) close(s.covariance[i * 8 + j], s.covariance[j * 8 + i], 1e-9);
  });

  test('gating distance is the squared Mahalanobis distance in measurement space', () => {
    const kf = new KalmanFilter();
    const s = kf.initiate([100, 100, 0.8, 60]);
    kf.predict(s, 0.2);
    kf.update(s, [104, 101, 0.82, 61]);
    kf.predict(s, 0.1);
    const p = kf.project(s);
    assert.equal(kf.gatingDistance(s, p.mean), 0);
    const z = [112, 95, 0.9, 64];
    const d = z.map((x, i) => x - p.mean[i]);
    const S = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => p.covariance[i * 4 + j]));
    const x = solveNaive(S, d);
    const expected = d.reduce((acc, di, i) => acc + di * x[i], 0);
    close(kf.gatingDistance(s, z), expected, 1e-9 * Math.max(1, expected));
    const dPos = [d[0], d[1]];
    const xPos = solveNaive([S[0].slice(0, 2), S[1].slice(0, 2)], dPos);
    close(kf.gatingDistance(s, z, true), dPos[0] * xPos[0] + dPos[1] * xPos[1], 1e-9);
    assert.ok(kf.gatingDistance(s, [300, 100, 0.8, 60]) > GATING_THRESHOLD, 'far box is gated out');
    // Batched form agrees.
    const out = new Float64Array(2);
    kf.gatingDistances(s, [...z, ...p.mean], 2, out);
    close(out[0], expected, 1e-9 * Math.max(1, expected));
    assert.equal(out[1], 0);
  });
});
