/**
 * @module `anchored` and `smoothed` range selectors (Prometheus 3's extended range selectors):
 * rate/increase/delta from the values at the window's edges instead of extrapolation, and
 * changes/resets counted from the sample before the window.
 */
import type { RangeWindow } from './range-functions.ts';

/** A value at `t` on the line through two samples; across a counter reset the line starts at 0. */
function interpolate(t1: number, y1: number, t2: number, y2: number, t: number, isCounter: boolean): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - t1)) / (t2 - t1);
}

/**
 * `anchored` and `smoothed` range selectors (Prometheus 3 extended range selectors). The window
 * also sees the last sample at or before its start (within the lookback delta) and, when
 * smoothed, the first sample after its end; rate/increase/delta then take the values at the two
 * edges (smoothed: interpolated there) instead of extrapolating, and changes/resets count from
 * the anchor sample.
 */
export function extendedWindow(mode: string, name: string, w: RangeWindow, lookbackMs: number): number | undefined {
  const { t, v, lo, hi, rangeStart, rangeEnd } = w;
  const smoothed = mode === 'smoothed';
  const hasAnchor = lo > 0 && t[lo - 1] > rangeStart - lookbackMs;
  const hasAfter = smoothed && hi < t.length && t[hi] <= rangeEnd + lookbackMs;
  if (hi === lo && (!smoothed || !hasAnchor || !hasAfter)) return undefined;
  if (!hasAnchor && hi === lo) return undefined;
  const a = hasAnchor ? lo - 1 : lo; // f = samples [a, b)
  const b = hasAfter ? hi + 1 : hi;
  if (name === 'changes' || name === 'resets') {
    let c = 0;
    for (let i = a + 1; i < b; i++) {
      if (name === 'resets' ? v[i] < v[i - 1] : v[i] !== v[i - 1] && !(Number.isNaN(v[i]) && Number.isNaN(v[i - 1]))) c++;
    }
    return c;
  }
  const isCounter = name !== 'delta';
  let first = a;
  let last = b - 1;
  if (smoothed) {
    // The first sample at or after the range end (never past the last one).
    let k = a;
    while (k < b - 1 && t[k] < rangeEnd) k++;
    last = k;
  }
  if (t[last] <= rangeStart) return undefined;
  const left = smoothed && t[first] < rangeStart ? interpolate(t[first], v[first], t[first + 1], v[first + 1], rangeStart, isCounter) : v[first];
  const right = smoothed && last > a && t[last] > rangeEnd ? interpolate(t[last - 1], v[last - 1], t[last], v[last], rangeEnd, isCounter) : v[last];
  let result = right - left;
  if (isCounter) {
    if (t[first] <= rangeStart) first++;
    if (t[last] >= rangeEnd) last--;
    let prev = left;
    let correction = 0;
    for (let i = first; i <= last; i++) {
      if (v[i] < prev) correction += prev;
      prev = v[i];
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (name === 'rate') result /= w.rangeMs / 1000;
  return result;
}

