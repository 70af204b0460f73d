/**
 * @module histogram_quantile and histogram_fraction over classic `_bucket` series, as
 * Prometheus' promql/quantile.go computes them (BucketQuantile, BucketFraction).
 */

export interface Bucket {
  upperBound: number;
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;

function almostEqual(a: number, b: number, epsilon: number): boolean {
  const minNormal = 2.2250738585072014e-308;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

function sortAndCoalesce(buckets: Bucket[]): Bucket[] {
  buckets.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ upperBound: b.upperBound, count: b.count });
  }
  return out;
}

function ensureMonotonic(buckets: Bucket[]): { forced: boolean; fixed: boolean } {
  let forced = false;
  let fixed = false;
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      buckets[i].count = prev;
      fixed = true;
      continue;
    }
    if (curr < prev) {
      buckets[i].count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  return { forced, fixed };
}

export interface QuantileResult {
  value: number;
  forcedMonotonic: boolean;
  /** NaN observations: 'nan' when the result is NaN because of them, 'skewed' when it only shifts up. */
  nanObservations: 'none' | 'nan' | 'skewed';
}

/** The q-quantile of a classic histogram given as (upper bound, cumulative count) buckets, in any order. */
export function bucketQuantile(q: number, input: Bucket[]): QuantileResult {
  const buckets = sortAndCoalesce(input);
  const n = buckets.length;
  const bounds = new Float64Array(n);
  const counts = new Float64Array(n);
  let nan = false;
  for (let i = 0; i < n; i++) {
    bounds[i] = buckets[i].upperBound;
    counts[i] = buckets[i].count;
    if (Number.isNaN(counts[i])) nan = true;
  }
  const value = sortedBucketQuantile(q, bounds, counts, n);
  let nanObservations: QuantileResult['nanObservations'] = 'none';
  if (nan && !Number.isNaN(q) && q >= 0 && q <= 1 && n > 0 && buckets[n - 1].upperBound === Infinity) nanObservations = Number.isNaN(buckets[n - 1].count) ? 'nan' : 'skewed';
  return { value, forcedMonotonic: BUCKET_QUANTILE.forced, nanObservations };
}

/** Set by sortedBucketQuantile: whether the counts had to be forced monotonic (an info annotation). */
export const BUCKET_QUANTILE = { forced: false };

/**
 * The q-quantile of a classic histogram (Prometheus BucketQuantile) whose buckets are already
 * sorted by upper bound with equal bounds merged, in columns: bounds[0..n) ascending, counts[0..n)
 * cumulative. Modifies both (NaN buckets dropped, counts made monotonic). Sets BUCKET_QUANTILE.forced.
 */
export function sortedBucketQuantile(q: number, bounds: Float64Array, counts: Float64Array, n: number): number {
  BUCKET_QUANTILE.forced = false;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (n === 0 || bounds[n - 1] !== Infinity) return NaN;
  // NaN counts: a NaN in the +Inf bucket makes the result NaN; elsewhere the bucket is skipped.
  if (Number.isNaN(counts[n - 1])) return NaN;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(counts[i])) continue;
    bounds[k] = bounds[i];
    counts[k] = counts[i];
    k++;
  }
  n = k;
  BUCKET_QUANTILE.forced = ensureMonotonicColumn(counts, n);
  if (n < 2) return NaN;
  const observations = counts[n - 1];
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over the first n - 1 buckets: first with count >= rank.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (counts[mid] >= rank) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;
  if (b === n - 1) return bounds[n - 2];
  if (b === 0 && bounds[0] <= 0) return bounds[0];
  let bucketStart = 0;
  const bucketEnd = bounds[b];
  let count = counts[b];
  if (b > 0) {
    bucketStart = bounds[b - 1];
    count -= counts[b - 1];
    rank -= counts[b - 1];
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** ensureMonotonic over a count column; returns whether a count had to be raised (forced). */
function ensureMonotonicColumn(counts: Float64Array, n: number): boolean {
  let forced = false;
  let prev = counts[0];
  for (let i = 1; i < n; i++) {
    const curr = counts[i];
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      counts[i] = prev;
      continue;
    }
    if (curr < prev) {
      counts[i] = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  return forced;
}

/** The fraction of observations between lower and upper, interpolating linearly inside buckets. */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): { value: number; nanObservations: boolean } {
  let buckets = sortAndCoalesce(input);
  if (buckets.length === 0 || buckets[buckets.length - 1].upperBound !== Infinity) return { value: NaN, nanObservations: false };
  let nanObservations = false;
  if (buckets.some((b) => Number.isNaN(b.count))) {
    nanObservations = true;
    buckets = buckets.filter((b) => !Number.isNaN(b.count));
    if (buckets.length === 0 || buckets[buckets.length - 1].upperBound !== Infinity) return { value: NaN, nanObservations };
  }
  ensureMonotonic(buckets);
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return { value: NaN, nanObservations };
  if (lower >= upper) return { value: 0, nanObservations };
  let rank = 0, lowerRank = 0, upperRank = 0;
  let lowerSet = false, upperSet = false;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    let lowerBound = -Infinity;
    if (i > 0) lowerBound = buckets[i - 1].upperBound;
    else if (b.upperBound > 0) lowerBound = 0;
    const upperBound = b.upperBound;
    const interpolate = (v: number): number => rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return { value: (upperRank - lowerRank) / count, nanObservations };
}
