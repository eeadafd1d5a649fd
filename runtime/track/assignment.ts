// Rectangular linear assignment (min total cost) by shortest augmenting paths with potentials —
// the Jonker–Volgenant family as described by Crouse (2016), the algorithm behind SciPy's
// linear_sum_assignment. O(n²m) for n ≤ m, exact, and deterministic on ties.
//
// Infinite (or NaN) entries mean "forbidden": the result never contains such a pair, and among
// assignments it first minimises the number of forbidden pairs it would need, then the finite
// total. That is done by replacing them with a cost larger than any finite assignment can reach.

export type CostMatrix = Float64Array | ArrayLike<number> | number[][];

export interface MatchResult {
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

// Scratch grown on demand so that per-frame calls do not allocate beyond the result.
let scratchCost = new Float64Array(0);
let u = new Float64Array(0);
let v = new Float64Array(0);
let spc = new Float64Array(0);
let path = new Int32Array(0);
let col4row = new Int32Array(0);
let row4col = new Int32Array(0);
let remaining = new Int32Array(0);
let SR = new Uint8Array(0);
let SC = new Uint8Array(0);

function ensure(n: number, m: number): void {
  if (scratchCost.length < n * m) scratchCost = new Float64Array(Math.max(n * m, scratchCost.length * 2));
  if (u.length < n) {
    u = new Float64Array(n * 2);
    col4row = new Int32Array(n * 2);
    SR = new Uint8Array(n * 2);
  }
  if (v.length < m) {
    v = new Float64Array(m * 2);
    spc = new Float64Array(m * 2);
    path = new Int32Array(m * 2);
    row4col = new Int32Array(m * 2);
    remaining = new Int32Array(m * 2);
    SC = new Uint8Array(m * 2);
  }
}

function dims(cost: CostMatrix, rows?: number, cols?: number): [number, number] {
  if (rows !== undefined && cols !== undefined) return [rows, cols];
  if (Array.isArray(cost) && (cost.length === 0 || Array.isArray(cost[0]))) {
    const r = cost.length;
    return [r, r ? (cost as number[][])[0].length : 0];
  }
  throw new Error('rows and cols are required for a flat cost matrix');
}

function at(cost: CostMatrix, cols: number, i: number, j: number): number {
  return Array.isArray(cost) && Array.isArray(cost[0]) ? (cost as number[][])[i][j] : (cost as ArrayLike<number>)[i * cols + j];
}

/**
 * Minimum-cost assignment of min(rows, cols) pairs; pairs whose cost is ±Infinity/NaN are left
 * out of the result. `cost` is number[][] or a row-major flat array (then rows/cols are required).
 * Returns [row, col] pairs sorted by row.
 */
export function linearAssignment(cost: CostMatrix, rows?: number, cols?: number): Array<[number, number]> {
  const [R, C] = dims(cost, rows, cols);
  if (R === 0 || C === 0) return [];
  const transpose = R > C;
  const n = transpose ? C : R;
  const m = transpose ? R : C;
  ensure(n, m);
  const a = scratchCost;
  let maxAbs = 0;
  let anyForbidden = false;
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const x = at(cost, C, i, j);
      const k = transpose ? j * m + i : i * m + j;
      if (Number.isFinite(x)) {
        a[k] = x;
        const ax = Math.abs(x);
        if (ax > maxAbs) maxAbs = ax;
      } else {
        a[k] = NaN;
        anyForbidden = true;
      }
    }
  }
  // Any assignment's finite total lies within ±n·maxAbs, so one forbidden pair must outweigh 2n·maxAbs.
  const big = anyForbidden ? 2 * (n + 1) * (maxAbs + 1) : 0;
  if (anyForbidden) for (let k = 0; k < n * m; k++) if (a[k] !== a[k]) a[k] = big;

  solve(a, n, m);

  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const j = col4row[i];
    if (j < 0) continue;
    const r = transpose ? j : i;
    const c = transpose ? i : j;
    if (!Number.isFinite(at(cost, C, r, c))) continue;
    out.push([r, c]);
  }
  if (transpose) out.sort((p, q) => p[0] - q[0]);
  return out;
}

/** Shortest augmenting path solver on the n x m (n ≤ m) row-major matrix a. Fills col4row. */
function solve(a: Float64Array, n: number, m: number): void {
  u.fill(0, 0, n);
  v.fill(0, 0, m);
  col4row.fill(-1, 0, n);
  row4col.fill(-1, 0, m);
  path.fill(-1, 0, m);
  for (let curRow = 0; curRow < n; curRow++) {
    // Dijkstra-like search from curRow over reduced costs.
    let minVal = 0;
    let numRemaining = m;
    for (let it = 0; it < m; it++) remaining[it] = m - it - 1;
    SR.fill(0, 0, n);
    SC.fill(0, 0, m);
    spc.fill(Infinity, 0, m);
    let sink = -1;
    let i = curRow;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      SR[i] = 1;
      const base = i * m;
      const ui = u[i];
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it];
        const r = minVal + a[base + j] - ui - v[j];
        if (r < spc[j]) {
          path[j] = i;
          spc[j] = r;
        }
        if (spc[j] < lowest || (spc[j] === lowest && row4col[j] === -1)) {
          lowest = spc[j];
          index = it;
        }
      }
      minVal = lowest;
      if (index === -1 || minVal === Infinity) throw new Error('linearAssignment: infeasible cost matrix');
      const j = remaining[index];
      if (row4col[j] === -1) sink = j;
      else i = row4col[j];
      SC[j] = 1;
      remaining[index] = remaining[--numRemaining];
    }
    u[curRow] += minVal;
    for (let r = 0; r < n; r++) if (SR[r] && r !== curRow) u[r] += minVal - spc[col4row[r]];
    for (let c = 0; c < m; c++) if (SC[c]) v[c] -= minVal - spc[c];
    // Augment along the path back to curRow.
    let j = sink;
    for (;;) {
      const r = path[j];
      row4col[j] = r;
      const prev = col4row[r];
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
}

/**
 * Assignment with a gate, as DeepSORT's min_cost_matching: costs above maxCost (and infinite
 * ones) are clipped to just above it before solving, so they never pull the solution, and pairs
 * still above maxCost are returned as unmatched.
 */
export function matchWithThreshold(cost: CostMatrix, maxCost: number, rows?: number, cols?: number): MatchResult {
  const [R, C] = dims(cost, rows, cols);
  const clipped = new Float64Array(R * C);
  const cap = maxCost + 1e-5;
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const x = at(cost, C, i, j);
      clipped[i * C + j] = x <= maxCost ? x : cap; // NaN/Infinity fall into the cap too
    }
  }
  const rowUsed = new Uint8Array(R);
  const colUsed = new Uint8Array(C);
  const matches: Array<[number, number]> = [];
  for (const [r, c] of linearAssignment(clipped, R, C)) {
    if (clipped[r * C + c] > maxCost) continue;
    matches.push([r, c]);
    rowUsed[r] = 1;
    colUsed[c] = 1;
  }
  const unmatchedRows: number[] = [];
  const unmatchedCols: number[] = [];
  for (let i = 0; i < R; i++) if (!rowUsed[i]) unmatchedRows.push(i);
  for (let j = 0; j < C; j++) if (!colUsed[j]) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}
