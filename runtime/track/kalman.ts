// Constant-velocity Kalman filter on (cx, cy, a = w/h, h), as in DeepSORT (Wojke et al. 2017),
// made time-aware: the state's velocities are per second and predict() takes the real interval.
//
// DeepSORT's noise constants are per frame at the video rate. Here they are read as diffusion
// rates calibrated at a nominal frame interval T0 (position and velocity random walks, variance
// linear in dt), discretised exactly, so predict(T0) reproduces DeepSORT's per-frame step (to
// within the velocity noise integrated into position, (h/160)²/3 per frame: 0.5 % of the per-frame
// position noise (h/20)²) and predicting over a gap equals predicting over its pieces. Velocities are in px/s, hence
// DeepSORT's velocity standard deviations (px/frame) are divided by T0.
//
// Everything works in place on Float64Arrays (mean: 8, covariance: 8x8 row-major) with scratch
// buffers owned by the filter, so the per-frame path allocates nothing.

import type { Box } from '../contracts';

/** Chi-square 0.95 quantiles by degrees of freedom (index = dof), as in DeepSORT. */
export const CHI2INV95 = [0, 3.8415, 5.9915, 7.8147, 9.4877, 11.07, 12.592, 14.067, 15.507, 16.919];
/** Gate for the 4-D measurement space. */
export const GATING_THRESHOLD = CHI2INV95[4];

export interface KalmanState {
  /** [cx, cy, a, h, vcx, vcy, va, vh]; velocities per second. */
  mean: Float64Array;
  /** 8x8 row-major. */
  covariance: Float64Array;
}

export interface KalmanOptions {
  /** Frame interval (s) at which DeepSORT's per-frame constants apply. Default 1/30 s. */
  nominalDt?: number;
  /** Default 1/20 (DeepSORT). */
  stdWeightPosition?: number;
  /** Default 1/160 (DeepSORT). */
  stdWeightVelocity?: number;
  /**
   * DeepSORT's aspect-ratio noise (0.1 measurement, 1e-2 process) is absolute, tuned for people
   * (a ≈ 0.4). For a ≥ aspectReference it is scaled by a / aspectReference so that it stays the
   * same relative noise: a ferret box lying flat (a ≈ 2.5) would otherwise fail the 4-D gate on
   * ordinary detector jitter. Set 0 (or Infinity) for DeepSORT's absolute noise. Default 0.4.
   */
  aspectReference?: number;
}

/** [x1,y1,x2,y2] → (cx, cy, a, h) written to out (length ≥ 4). */
export function boxToXyah(box: Box | ArrayLike<number>, out: Float64Array | number[] = new Float64Array(4)): Float64Array | number[] {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  out[0] = box[0] + w / 2;
  out[1] = box[1] + h / 2;
  out[2] = h > 0 ? w / h : 0;
  out[3] = h;
  return out;
}

/** (cx, cy, a, h) (the first 4 entries of xyah) → [x1,y1,x2,y2]. */
export function xyahToBox(xyah: ArrayLike<number>, out: Box = [0, 0, 0, 0]): Box {
  const h = xyah[3];
  const w = xyah[2] * h;
  out[0] = xyah[0] - w / 2;
  out[1] = xyah[1] - h / 2;
  out[2] = xyah[0] + w / 2;
  out[3] = xyah[1] + h / 2;
  return out;
}

export class KalmanFilter {
  readonly nominalDt: number;
  private readonly swp: number;
  private readonly swv: number;
  private readonly aspectRef: number;
  // Scratch: projected mean (4), projected covariance / Cholesky factor (16), P·Hᵀ (8x4), gain (8x4).
  private readonly pm = new Float64Array(4);
  private readonly ps = new Float64Array(16);
  private readonly pht = new Float64Array(32);
  private readonly gain = new Float64Array(32);
  private readonly tmp4 = new Float64Array(4);

  constructor(opts: KalmanOptions = {}) {
    this.nominalDt = opts.nominalDt ?? 1 / 30;
    this.swp = opts.stdWeightPosition ?? 1 / 20;
    this.swv = opts.stdWeightVelocity ?? 1 / 160;
    this.aspectRef = opts.aspectReference ?? 0.4;
    if (!(this.nominalDt > 0)) throw new Error('nominalDt must be > 0');
  }

  /** Multiplier of DeepSORT's aspect-ratio standard deviations at aspect a. */
  aspectScale(a: number): number {
    const ref = this.aspectRef;
    return ref > 0 && Number.isFinite(ref) && a > ref ? a / ref : 1;
  }

  /** New state from an unassociated measurement (cx, cy, a, h): zero velocity, DeepSORT's initial spread. */
  initiate(z: ArrayLike<number>, state?: KalmanState): KalmanState {
    const s = state ?? { mean: new Float64Array(8), covariance: new Float64Array(64) };
    const m = s.mean;
    const P = s.covariance;
    for (let i = 0; i < 4; i++) {
      m[i] = z[i];
      m[i + 4] = 0;
    }
    P.fill(0);
    const h = z[3];
    const p = 2 * this.swp * h;
    const v = (10 * this.swv * h) / this.nominalDt;
    const as = this.aspectScale(z[2]);
    const std = [p, p, 1e-2 * as, p, v, v, (1e-5 * as) / this.nominalDt, v];
    for (let i = 0; i < 8; i++) P[i * 9] = std[i] * std[i];
    return s;
  }

  /** Advance by dt seconds in place. dt ≤ 0 is a no-op. */
  predict(s: KalmanState, dt: number): void {
    if (!(dt > 0)) return;
    const m = s.mean;
    const P = s.covariance;
    const h = m[3];
    // Process noise at the prior height, as DeepSORT. Diffusion rates per second are DeepSORT's
    // per-frame variances divided by T0; position and velocity each random-walk, and the velocity
    // walk integrates into position (the dt²/2 and dt³/3 terms), which makes the discretisation
    // exact: predict(a + b) = predict(a) then predict(b) for the covariance as well as the mean.
    const sp = this.swp * h;
    const sv = (this.swv * h) / this.nominalDt;
    const T0 = this.nominalDt;
    const qPos = (sp * sp) / T0;
    const as2 = this.aspectScale(m[2]) ** 2;
    const qA = (1e-4 * as2) / T0;
    const qVel = (sv * sv) / T0;
    const qVa = ((1e-5 / T0) ** 2 * as2) / T0;

    for (let i = 0; i < 4; i++) m[i] += dt * m[i + 4];

    // P = F P Fᵀ with F = [[I, dt I], [0, I]] on blocks A (pos), B (pos-vel), C (vel):
    // A' = A + dt (B + Bᵀ) + dt² C, B' = B + dt C, Bᵀ' = Bᵀ + dt C, C' = C.
    const dt2 = dt * dt;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const a = i * 8 + j;
        const b = i * 8 + j + 4;
        const bt = (i + 4) * 8 + j;
        const c = (i + 4) * 8 + j + 4;
        P[a] += dt * (P[b] + P[bt]) + dt2 * P[c];
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const c = P[(i + 4) * 8 + j + 4] * dt;
        P[i * 8 + j + 4] += c;
        P[(i + 4) * 8 + j] += c;
      }
    }
    const d1 = dt;
    const d2 = (dt * dt) / 2;
    const d3 = (dt * dt * dt) / 3;
    for (let i = 0; i < 4; i++) {
      const qp = i === 2 ? qA : qPos;
      const qv = i === 2 ? qVa : qVel;
      P[i * 9] += qp * d1 + qv * d3;
      P[i * 8 + i + 4] += qv * d2;
      P[(i + 4) * 8 + i] += qv * d2;
      P[(i + 4) * 9] += qv * d1;
    }
  }

  /** Measurement-space mean and covariance (H P Hᵀ + R) into outMean (4) and outCov (16). */
  project(s: KalmanState, outMean: Float64Array = new Float64Array(4), outCov: Float64Array = new Float64Array(16)): { mean: Float64Array; covariance: Float64Array } {
    const m = s.mean;
    const P = s.covariance;
    const r = this.swp * m[3];
    const R0 = r * r;
    const Ra = 1e-2 * this.aspectScale(m[2]) ** 2; // (0.1 · scale)²
    for (let i = 0; i < 4; i++) {
      outMean[i] = m[i];
      for (let j = 0; j < 4; j++) outCov[i * 4 + j] = P[i * 8 + j];
    }
    outCov[0] += R0;
    outCov[5] += R0;
    outCov[10] += Ra;
    outCov[15] += R0;
    return { mean: outMean, covariance: outCov };
  }

  /** Correct with measurement z = (cx, cy, a, h), in place. */
  update(s: KalmanState, z: ArrayLike<number>): void {
    const m = s.mean;
    const P = s.covariance;
    const S = this.ps;
    this.project(s, this.pm, S);
    if (!cholesky4(S)) return; // degenerate (zero-height box): keep the prior rather than poison the state
    // P Hᵀ is the first four columns of P (8x4).
    const pht = this.pht;
    for (let i = 0; i < 8; i++) for (let j = 0; j < 4; j++) pht[i * 4 + j] = P[i * 8 + j];
    // K = P Hᵀ S⁻¹: solve S Kᵢᵀ = (P Hᵀ)ᵢᵀ per row i (S symmetric).
    const K = this.gain;
    const t = this.tmp4;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 4; j++) t[j] = pht[i * 4 + j];
      cholSolve4(S, t);
      for (let j = 0; j < 4; j++) K[i * 4 + j] = t[j];
    }
    const y0 = z[0] - this.pm[0];
    const y1 = z[1] - this.pm[1];
    const y2 = z[2] - this.pm[2];
    const y3 = z[3] - this.pm[3];
    for (let i = 0; i < 8; i++) {
      const k = i * 4;
      m[i] += K[k] * y0 + K[k + 1] * y1 + K[k + 2] * y2 + K[k + 3] * y3;
    }
    // P -= K S Kᵀ = (P Hᵀ) Kᵀ; symmetrise to keep round-off from accumulating.
    for (let i = 0; i < 8; i++) {
      for (let j = i; j < 8; j++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) acc += pht[i * 4 + k] * K[j * 4 + k];
        const v = (P[i * 8 + j] - acc + P[j * 8 + i] - acc) / 2;
        P[i * 8 + j] = v;
        P[j * 8 + i] = v;
      }
    }
  }

  /**
   * Squared Mahalanobis distance of each measurement (n rows of (cx, cy, a, h) packed in zs) from
   * the projected state, written to out. onlyPosition uses (cx, cy) only (gate with CHI2INV95[2]).
   */
  gatingDistances(s: KalmanState, zs: ArrayLike<number>, n: number, out: Float64Array | number[], onlyPosition = false): void {
    const S = this.ps;
    this.project(s, this.pm, S);
    const dim = onlyPosition ? 2 : 4;
    // For position-only the leading 2x2 block of the same 4x4 layout is factorised.
    const ok = choleskyN(S, dim);
    const t = this.tmp4;
    for (let r = 0; r < n; r++) {
      if (!ok) {
        out[r] = Infinity;
        continue;
      }
      for (let j = 0; j < dim; j++) t[j] = zs[r * 4 + j] - this.pm[j];
      out[r] = forwardNorm2(S, t, dim);
    }
  }

  /** Squared Mahalanobis distance of one measurement (cx, cy, a, h). */
  gatingDistance(s: KalmanState, z: ArrayLike<number>, onlyPosition = false): number {
    const out = [0];
    this.gatingDistances(s, z, 1, out, onlyPosition);
    return out[0];
  }
}

/** In-place lower Cholesky of a symmetric 4x4 (row-major); upper triangle left untouched. False if not positive definite. */
export function cholesky4(A: Float64Array): boolean {
  return choleskyN(A, 4);
}

function choleskyN(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = A[j * 4 + j];
    for (let k = 0; k < j; k++) d -= A[j * 4 + k] * A[j * 4 + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    A[j * 4 + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * 4 + j];
      for (let k = 0; k < j; k++) s -= A[i * 4 + k] * A[j * 4 + k];
      A[i * 4 + j] = s / ljj;
    }
  }
  return true;
}

/** ‖L⁻¹ b‖² by forward substitution (b overwritten). */
function forwardNorm2(L: Float64Array, b: Float64Array, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * 4 + k] * b[k];
    s /= L[i * 4 + i];
    b[i] = s;
    acc += s * s;
  }
  return acc;
}

/** Solve (L Lᵀ) x = b in place for a 4x4 Cholesky factor L. */
export function cholSolve4(L: Float64Array, b: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * 4 + k] * b[k];
    b[i] = s / L[i * 4 + i];
  }
  for (let i = 3; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < 4; k++) s -= L[k * 4 + i] * b[k];
    b[i] = s / L[i * 4 + i];
  }
}
