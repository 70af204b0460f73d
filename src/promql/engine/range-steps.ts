/**
 * @module Range functions evaluated at every step of one series in a single pass: the window
 * (ref − range, ref] slides forward over the sample columns, so each sample is visited a bounded
 * number of times however many steps there are, with no call, closure or object per step. Covers
 * rate, increase and delta over series without start timestamps, which is most of what dashboards
 * and alert rules ask. Results equal the per-window functions of range-functions.ts bit for bit:
 * the same operations in the same order (extrapolateIncrease is shared).
 */
import { extrapolateIncrease } from './range-functions.ts';

/** The functions with a sliding kernel, and how each one treats its increase. */
export const SLIDING_RATE_FUNCTIONS: ReadonlyMap<string, { readonly isCounter: boolean; readonly isRate: boolean }> = new Map([
  ['rate', { isCounter: true, isRate: true }],
  ['increase', { isCounter: true, isRate: false }],
  ['delta', { isCounter: false, isRate: false }],
]);

/**
 * rate/increase/delta (by isCounter and isRate) of the samples (t, v) at the steps start, start +
 * stepMs, … (ms, `steps` of them; stepMs > 0), each window ending offsetMs before its step. Writes each step's
 * value into `values` and sets `present` there; steps with fewer than two samples are left alone.
 * Returns whether any step got a value.
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
  let any = false;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < steps; i++) {
    const ref = start + i * stepMs - offsetMs;
    const from = ref - rangeMs;
    while (lo < n && t[lo] <= from) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && t[hi] <= ref) hi++;
    const count = hi - lo;
    if (count < 2) continue;
    let result = v[hi - 1] - v[lo];
    if (resets) {
      let prev = v[lo];
      for (let k = lo + 1; k < hi; k++) {
        const cur = v[k];
        if (cur < prev) result += prev;
        prev = cur;
      }
    }
    values[i] = extrapolateIncrease(result, t[lo], t[hi - 1], v[lo], count, from, ref, rangeMs, isCounter, isRate);
    present[i] = 1;
    any = true;
  }
  return any;
}
