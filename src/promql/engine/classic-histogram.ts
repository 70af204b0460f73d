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

/** The q-quantile of a classic histogram given as (upper bound, cumulative count) buckets. */
export function bucketQuantile(q: number, input: Bucket[]): QuantileResult {
  const res: QuantileResult = { value: NaN, forcedMonotonic: false, nanObservations: 'none' };
  if (Number.isNaN(q)) return res;
  if (q < 0) return { ...res, value: -Infinity };
  if (q > 1) return { ...res, value: Infinity };
  let buckets = sortAndCoalesce(input);
  if (buckets.length === 0 || buckets[buckets.length - 1].upperBound !== Infinity) return res;
  // NaN counts: a NaN in the +Inf bucket makes the result NaN; elsewhere the bucket is skipped.
  if (Number.isNaN(buckets[buckets.length - 1].count)) return { ...res, nanObservations: 'nan' };
  if (buckets.some((b) => Number.isNaN(b.count))) {
    buckets = buckets.filter((b) => !Number.isNaN(b.count));
    res.nanObservations = 'skewed';
  }
  const { forced } = ensureMonotonic(buckets);
  res.forcedMonotonic = forced;
  if (buckets.length < 2) return res;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return res;
  let rank = q * observations;
  let b = 0;
  const n = buckets.length - 1;
  // sort.Search over the first n buckets: first with count >= rank.
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buckets[mid].count >= rank) hi = mid;
    else lo = mid + 1;
  }
  b = lo;
  if (b === buckets.length - 1) return { ...res, value: buckets[buckets.length - 2].upperBound };
  if (b === 0 && buckets[0].upperBound <= 0) return { ...res, value: buckets[0].upperBound };
  let bucketStart = 0;
  const bucketEnd = buckets[b].upperBound;
  let count = buckets[b].count;
  if (b > 0) {
    bucketStart = buckets[b - 1].upperBound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return { ...res, value: bucketStart + (bucketEnd - bucketStart) * (rank / count) };
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
