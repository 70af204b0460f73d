/**
 * @module Range functions evaluated at every step of one series in a single pass: the window
 * (ref − range, ref] slides forward over the sample columns, so each sample is visited a bounded
 * number of times however many steps there are, with no call, closure or object per step. Covers
 * rate, increase and delta over series without start timestamps, which is most of what dashboards
 * and alert rules ask. Results equal the per-window functions of range-functions.ts bit for bit.
 */

/** The functions with a sliding kernel, and how each one treats its increase. */
export const SLIDING_RATE_FUNCTIONS: ReadonlyMap<string, { readonly isCounter: boolean; readonly isRate: boolean }> = new Map([
  ['rate', { isCounter: true, isRate: true }],
  ['increase', { isCounter: true, isRate: false }],
  ['delta', { isCounter: false, isRate: false }],
]);

/**
 * rate/increase/delta (by isCounter and isRate) of the samples (t, v) at the steps start, start +
 * stepMs, … (ms, `steps` of them; stepMs > 0), each window ending offsetMs before its step. Writes
 * each step's value into `values` and sets `present` there; steps with fewer than two samples are
 * left alone. Returns whether any step got a value.
 *
 * This is extrapolateIncrease (range-functions.ts) with what depends only on the window's samples
 * (raw increase, sampled interval, average spacing, threshold, time to zero) computed once per
 * distinct window: with steps shorter than the scrape interval, consecutive steps often see the same
 * samples, and only the distances to the range's edges change. Every value is produced by the same
 * operations in the same order, so results are identical (range-steps.test.ts checks it).
 */
export function slidingExtrapolatedRate(t: Float64Array, v: Float64Array, start: number, stepMs: number, offsetMs: number, steps: number, rangeMs: number, isCounter: boolean, isRate: boolean, values: Float64Array, present: Uint8Array): boolean {
  const n = t.length;
  if (n < 2) return false;
  // Counter resets are rare: when the series has none, no window needs the correction loop (which
  // would add nothing), and the raw increase is last minus first.
  let resets = false;
  if (isCounter) {
    for (let i = 1; i < n; i++) {
      if (v[i] < v[i - 1]) {
        resets = true;
        break;
      }
    }
  }
  const rangeSeconds = rangeMs / 1000;
  let any = false;
  let lo = 0;
  let hi = 0;
  // The window the cached figures below belong to.
  let winLo = -1;
  let winHi = -1;
  let result = 0;
  let firstT = 0;
  let lastT = 0;
  let sampledInterval = 0;
  let threshold = 0;
  let halfAverage = 0;
  let durationToZero = Infinity;
  for (let i = 0; i < steps; i++) {
    const ref = start + i * stepMs - offsetMs;
    const from = ref - rangeMs;
    while (lo < n && t[lo] <= from) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && t[hi] <= ref) hi++;
    const count = hi - lo;
    if (count < 2) continue;
    if (lo !== winLo || hi !== winHi) {
      winLo = lo;
      winHi = hi;
      result = v[hi - 1] - v[lo];
      if (resets) {
        let prev = v[lo];
        for (let k = lo + 1; k < hi; k++) {
          const cur = v[k];
          if (cur < prev) result += prev;
          prev = cur;
        }
      }
      firstT = t[lo];
      lastT = t[hi - 1];
      sampledInterval = (lastT - firstT) / 1000;
      const averageDurationBetweenSamples = sampledInterval / (count - 1);
      threshold = averageDurationBetweenSamples * 1.1;
      halfAverage = averageDurationBetweenSamples / 2;
      // Infinity stands for "no shorter time to zero": the comparison below then changes nothing.
      durationToZero = isCounter && result > 0 && v[lo] >= 0 ? sampledInterval * (v[lo] / result) : Infinity;
    }
    let durationToStart = (firstT - from) / 1000;
    let durationToEnd = (ref - lastT) / 1000;
    if (durationToStart >= threshold) durationToStart = halfAverage;
    if (durationToZero < durationToStart) durationToStart = durationToZero;
    if (durationToEnd >= threshold) durationToEnd = halfAverage;
    let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    if (isRate) factor /= rangeSeconds;
    values[i] = result * factor;
    present[i] = 1;
    any = true;
  }
  return any;
}
