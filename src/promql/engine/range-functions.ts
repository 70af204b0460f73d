/**
 * @module Functions over range vectors (`rate(x[5m])`, `*_over_time`, …), one window at a time.
 * A window is a slice [lo, hi) of one series' samples in columns, so no sample becomes an object.
 * Formulas follow Prometheus' promql/functions.go, including its summation order.
 */
import { kahanSumInc, KAHAN, quantile } from './float-math.ts';

/** The samples of one series in (rangeStart, rangeEnd] at one step. Times in ms. */
export interface RangeWindow {
  t: Float64Array;
  v: Float64Array;
  /** Start timestamps (0: unknown), or null when the series has none. */
  st: Float64Array | null;
  /** Set by rate/increase when a start timestamp overlaps the previous sample (a warning). */
  overlap: boolean;
  lo: number;
  hi: number;
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** The evaluation time of the step (Prometheus enh.Ts). */
  evalT: number;
}

/** Computes one value for a window, or undefined for "no sample at this step". `args` are the scalar arguments at this step. */
export type RangeFunction = (w: RangeWindow, args: readonly number[]) => number | undefined;

/**
 * Whether sample i starts after the previous one ended: a reset told by start timestamps. A
 * start equal to the previous sample's time is a reset only when that sample had a proper start
 * of its own (OTel deltas); a cumulative with unknown start repeats its first time instead.
 */
function startReset(st: Float64Array, t: Float64Array, i: number): boolean {
  const s = st[i];
  if (s === 0 || s >= t[i]) return false;
  if (s > t[i - 1]) return true;
  if (s === t[i - 1]) {
    const prev = st[i - 1];
    return prev !== 0 && prev < t[i - 1];
  }
  return false;
}

/** rate/increase with start timestamps: resets they reveal, and a known zero point inside the range. */
function startTimestampRate(w: RangeWindow, st: Float64Array, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  const firstST = st[lo];
  const zeroInside = firstST !== 0 && firstST > w.rangeStart && firstST < t[lo];
  if (n < 2 && !zeroInside) return undefined;
  let result = v[hi - 1] - (zeroInside ? 0 : v[lo]);
  let prev = v[lo];
  for (let i = lo + 1; i < hi; i++) {
    const cur = v[i];
    if (cur < prev || startReset(st, t, i)) result += prev;
    const s = st[i];
    if (s !== 0 && s < t[i - 1] && s !== st[i - 1]) w.overlap = true;
    prev = cur;
  }
  const rangeSeconds = w.rangeMs / 1000;
  if (!zeroInside) return extrapolate(w, result, true, isRate);
  // The counter was 0 at its start time: no extrapolation to the left; to the right as usual,
  // judged by the spacing of the real samples.
  if (n === 1) return isRate ? result / rangeSeconds : result;
  const avg = (t[hi - 1] - t[lo]) / 1000 / (n - 1);
  const sampledInterval = (t[hi - 1] - firstST) / 1000;
  let durationToEnd = (w.rangeEnd - t[hi - 1]) / 1000;
  if (durationToEnd >= avg * 1.1) durationToEnd = avg / 2;
  let factor = (sampledInterval + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds;
  return result * factor;
}

function extrapolatedRate(w: RangeWindow, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (isCounter && w.st && n > 0) return startTimestampRate(w, w.st, isRate);
  if (n < 2) return undefined;
  let result = v[hi - 1] - v[lo];
  if (isCounter) {
    let prev = v[lo];
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  return extrapolate(w, result, isCounter, isRate);
}

/** Prometheus' extrapolation of a raw increase to the range's edges (extrapolatedRate). */
function extrapolate(w: RangeWindow, result: number, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  return extrapolateIncrease(result, t[lo], t[hi - 1], v[lo], n, w.rangeStart, w.rangeEnd, w.rangeMs, isCounter, isRate);
}

/**
 * The extrapolation of extrapolatedRate as a function of plain numbers (so a caller sliding over
 * all steps at once computes exactly what the per-window path does): `result` is the raw increase
 * of the n >= 2 samples from (firstT, firstV) to lastT in the window (rangeStart, rangeEnd], all ms.
 */
export function extrapolateIncrease(result: number, firstT: number, lastT: number, firstV: number, n: number, rangeStart: number, rangeEnd: number, rangeMs: number, isCounter: boolean, isRate: boolean): number {
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && firstV >= 0) durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeMs / 1000;
  return result * factor;
}

function instantValue(w: RangeWindow, isRate: boolean): number | undefined {
  const { t, v, hi } = w;
  if (hi - w.lo < 2) return undefined;
  const lastT = t[hi - 1];
  const prevT = t[hi - 2];
  const last = v[hi - 1];
  const prev = v[hi - 2];
  const interval = lastT - prevT;
  if (interval === 0) return undefined;
  let r = last;
  const reset = last < prev || (w.st !== null && startReset(w.st, t, hi - 1));
  if (!isRate || !reset) r = last - prev;
  if (isRate) r /= interval / 1000;
  return r;
}

/** Least-squares fit of the window; x is seconds relative to interceptTime. Mirrors linearRegression. */
export function linearRegression(w: RangeWindow, interceptTime: number): [number, number] {
  const { t, v, lo, hi } = w;
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = v[lo];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i];
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i] - interceptTime) / 1e3;
    sumX = kahanSumInc(x, sumX, cX); cX = KAHAN.c;
    sumY = kahanSumInc(y, sumY, cY); cY = KAHAN.c;
    sumXY = kahanSumInc(x * y, sumXY, cXY); cXY = KAHAN.c;
    sumX2 = kahanSumInc(x * x, sumX2, cX2); cX2 = KAHAN.c;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function sumOverTime(w: RangeWindow): number {
  let sum = 0, c = 0;
  for (let i = w.lo; i < w.hi; i++) {
    sum = kahanSumInc(w.v[i], sum, c);
    c = KAHAN.c;
  }
  if (sum === Infinity || sum === -Infinity) return sum;
  return sum + c;
}

function avgOverTime(w: RangeWindow): number {
  const { v, lo, hi } = w;
  let sum = v[lo];
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = v[i];
    count = i - lo + 1;
    if (!incremental) {
      const newSum = kahanSumInc(f, sum, c);
      if (newSum !== Infinity && newSum !== -Infinity) {
        sum = newSum;
        c = KAHAN.c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanSumInc(f / count, q * mean, q * c);
    c = KAHAN.c;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

function varianceOverTime(w: RangeWindow): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.v[i];
    count++;
    const delta = f - (mean + cMean);
    mean = kahanSumInc(delta / count, mean, cMean);
    cMean = KAHAN.c;
    aux = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
    cAux = KAHAN.c;
  }
  return (aux + cAux) / count;
}

function windowValues(w: RangeWindow): number[] {
  const out: number[] = new Array(w.hi - w.lo);
  for (let i = w.lo; i < w.hi; i++) out[i - w.lo] = w.v[i];
  return out;
}

function doubleExponentialSmoothing(w: RangeWindow, sf: number, tf: number): number | undefined {
  const { v, lo, hi } = w;
  const l = hi - lo;
  if (l < 2) return undefined;
  let s0 = 0;
  let s1 = v[lo];
  let b = v[lo + 1] - v[lo];
  for (let i = 1; i < l; i++) {
    const x = sf * v[lo + i];
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/** Every function that takes a range vector, except absent_over_time (handled by the evaluator). */
export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.t[w.lo])[0]),
  predict_linear: (w, args) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalT);
    return slope * args[0] + intercept;
  },
  sum_over_time: (w) => sumOverTime(w),
  avg_over_time: (w) => avgOverTime(w),
  count_over_time: (w) => w.hi - w.lo,
  min_over_time: (w) => {
    let m = w.v[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i] < m || Number.isNaN(m)) m = w.v[i];
    return m;
  },
  max_over_time: (w) => {
    let m = w.v[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i] > m || Number.isNaN(m)) m = w.v[i];
    return m;
  },
  last_over_time: (w) => w.v[w.hi - 1],
  first_over_time: (w) => w.v[w.lo],
  present_over_time: () => 1,
  stddev_over_time: (w) => Math.sqrt(varianceOverTime(w)),
  stdvar_over_time: (w) => varianceOverTime(w),
  quantile_over_time: (w, args) => quantile(args[0], windowValues(w)),
  mad_over_time: (w) => {
    const values = windowValues(w);
    if (values.some(Number.isNaN)) return NaN;
    const median = quantile(0.5, values);
    return quantile(0.5, values.map((x) => Math.abs(x - median)));
  },
  changes: (w) => {
    let changes = 0;
    let prev = w.v[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.v[i];
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  },
  resets: (w) => {
    let resets = 0;
    let prev = w.v[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.v[i];
      if (cur < prev || (w.st !== null && startReset(w.st, w.t, i))) resets++;
      prev = cur;
    }
    return resets;
  },
  double_exponential_smoothing: (w, args) => doubleExponentialSmoothing(w, args[0], args[1]),
  ts_of_first_over_time: (w) => w.t[w.lo] / 1000,
  ts_of_last_over_time: (w) => w.t[w.hi - 1] / 1000,
  ts_of_min_over_time: (w) => {
    let m = w.v[w.lo];
    let at = w.t[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) {
      if (w.v[i] <= m || Number.isNaN(m)) {
        m = w.v[i];
        at = w.t[i];
      }
    }
    return at / 1000;
  },
  ts_of_max_over_time: (w) => {
    let m = w.v[w.lo];
    let at = w.t[w.lo];
    for (let i = w.lo + 1; i < w.hi; i++) {
      if (w.v[i] >= m || Number.isNaN(m)) {
        m = w.v[i];
        at = w.t[i];
      }
    }
    return at / 1000;
  },
};

/** Range functions whose result keeps the metric name (they return input samples unchanged). */
export const NAME_PRESERVING_RANGE_FUNCTIONS = new Set(['last_over_time', 'first_over_time']);

/** Functions that only make sense on counters (an info annotation names other metrics). */
export const COUNTER_FUNCTIONS = new Set(['rate', 'increase', 'irate']);
