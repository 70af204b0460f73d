/**
 * @module Pure reshaping of Prometheus API answers into the dashboard's columnar chart data:
 * series put on the range query's step grid, quantiles of classic histograms, status-code
 * splits and ratios. No DOM, no React: tested in Node (test/browser/chart-data.test.ts).
 */
import { bucketQuantile, sortedBucketQuantile, type Bucket } from '../../src/promql/engine/classic-histogram.ts';
import type { InstantSample, Labels, RangeSeries } from './api.ts';

/** One drawn line: values on the chart's time grid (null = no point). */
export interface Line {
  readonly label: string;
  readonly values: Array<number | null>;
  /** Canvas dash pattern in px; solid when absent. Carries meaning besides colour (class, quantile). */
  readonly dash?: readonly number[];
  /** Palette index; lines of one route share it. */
  readonly colour: number;
}

/** What a chart draws: shared timestamps (s) and lines over them. */
export interface ChartData {
  readonly times: number[];
  readonly lines: Line[];
}

/** Dash patterns, so quantiles and status classes differ by more than colour. */
export const DASH = {
  solid: undefined,
  dashed: [7, 4] as readonly number[],
  dotted: [2, 3] as readonly number[],
  dashDot: [8, 3, 2, 3] as readonly number[],
};

/** The timestamps a range query over [start, end] every `step` s evaluates at. */
export function stepGrid(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end + 1e-9; t += step) out.push(t);
  return out;
}

/** A series' values on `times` (the grid of the query that returned it); null where it has no point. */
export function onGrid(times: readonly number[], s: RangeSeries): Array<number | null> {
  const out: Array<number | null> = new Array(times.length).fill(null);
  if (times.length === 0) return out;
  const start = times[0];
  const step = times.length > 1 ? times[1] - times[0] : 1;
  for (const [t, v] of s.values) {
    const i = Math.round((t - start) / step);
    if (i >= 0 && i < out.length) out[i] = parseValue(v);
  }
  return out;
}

/** A sample value as the API writes it ("1.5", "NaN", "+Inf", "-Inf") as a number. */
export function parseValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** `le` as a number ("+Inf" → Infinity); NaN when absent or not a number. */
export function parseLe(le: string | undefined): number {
  if (le === undefined) return NaN;
  return parseValue(le);
}

function withoutLe(m: Labels): Labels {
  const { le: _le, ...rest } = m;
  return rest;
}

/**
 * histogram_quantile for each `q` over instant `_bucket` samples, grouped by every label but
 * `le` (as the engine groups them), with the engine's own bucket code; multiplied by `scale`.
 * One `sum by (le, …)` query thus serves p50, p95 and p99 instead of three queries that
 * each rate every bucket series.
 */
export function instantQuantiles(samples: readonly InstantSample[], qs: readonly number[], scale = 1): Array<{ metric: Labels; values: number[] }> {
  const groups = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const s of samples) {
    const upperBound = parseLe(s.metric.le);
    if (Number.isNaN(upperBound)) continue;
    const metric = withoutLe(s.metric);
    const key = JSON.stringify(Object.entries(metric).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric, buckets: [] }));
    g.buckets.push({ upperBound, count: parseValue(s.value[1]) });
  }
  return [...groups.values()].map((g) => ({ metric: g.metric, values: qs.map((q) => bucketQuantile(q, g.buckets).value * scale) }));
}

/** As instantQuantiles, at every point of `times`: one line per group and quantile. */
export function rangeQuantiles(times: readonly number[], series: readonly RangeSeries[], qs: readonly number[], scale = 1): Array<{ metric: Labels; q: number; values: Array<number | null> }> {
  const groups = new Map<string, { metric: Labels; buckets: Array<{ upperBound: number; values: Array<number | null> }> }>();
  for (const s of series) {
    const upperBound = parseLe(s.metric.le);
    if (Number.isNaN(upperBound)) continue;
    const metric = withoutLe(s.metric);
    const key = JSON.stringify(Object.entries(metric).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric, buckets: [] }));
    g.buckets.push({ upperBound, values: onGrid(times, s) });
  }
  const out: Array<{ metric: Labels; q: number; values: Array<number | null> }> = [];
  // As the engine does: members sorted by bound once per group (stable, so equal bounds add up in
  // the order bucketQuantile's sort would add them), each step's buckets coalesced into two
  // columns, no Bucket object or sort per step and quantile (a 24 h latency panel: 5 routes × 15
  // buckets × 139 steps × 3 quantiles, about a tenth of a cold load's main-thread time before).
  let bounds = new Float64Array(0);
  let counts = new Float64Array(0);
  let b = new Float64Array(0);
  let c = new Float64Array(0);
  for (const g of groups.values()) {
    const lines = qs.map((q) => ({ metric: g.metric, q, values: new Array<number | null>(times.length).fill(null) }));
    const members = g.buckets.slice().sort((x, y) => (x.upperBound < y.upperBound ? -1 : x.upperBound > y.upperBound ? 1 : 0));
    if (members.length > bounds.length) {
      bounds = new Float64Array(members.length);
      counts = new Float64Array(members.length);
      b = new Float64Array(members.length);
      c = new Float64Array(members.length);
    }
    for (let i = 0; i < times.length; i++) {
      let n = 0;
      for (const m of members) {
        const v = m.values[i];
        if (v === null) continue;
        if (n > 0 && bounds[n - 1] === m.upperBound) counts[n - 1] += v;
        else {
          bounds[n] = m.upperBound;
          counts[n] = v;
          n++;
        }
      }
      if (n === 0) continue;
      for (let k = 0; k < qs.length; k++) {
        // sortedBucketQuantile edits its columns (drops NaN buckets, forces monotonic counts): a copy each.
        b.set(bounds.subarray(0, n));
        c.set(counts.subarray(0, n));
        lines[k].values[i] = sortedBucketQuantile(qs[k], b, c, n) * scale;
      }
    }
    out.push(...lines);
  }
  return out;
}

/** Per-status-code request rates on the grid, split into what the error panels draw. */
export interface StatusSplit {
  /** One entry per 4xx/5xx code, sorted by code. */
  readonly errors: Array<{ code: string; values: Array<number | null> }>;
  /** 5xx rate / all requests' rate; 0 where there were requests but no 5xx, null where none. */
  readonly ratio5xx: Array<number | null>;
  /** Requests' rate over all codes. */
  readonly total: Array<number | null>;
}

/** Splits `sum by (<status label>) (rate(…_count[w]))` into error rates, the 5xx ratio and the total. */
export function splitByStatus(times: readonly number[], series: readonly RangeSeries[], statusLabel: string): StatusSplit {
  const total: Array<number | null> = new Array(times.length).fill(null);
  const server: number[] = new Array(times.length).fill(0);
  const errors: Array<{ code: string; values: Array<number | null> }> = [];
  for (const s of series) {
    const code = s.metric[statusLabel] ?? '';
    const values = onGrid(times, s);
    values.forEach((v, i) => {
      if (v === null) return;
      total[i] = (total[i] ?? 0) + v;
      if (code.startsWith('5')) server[i] += v;
    });
    if (code.startsWith('4') || code.startsWith('5')) errors.push({ code, values });
  }
  errors.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { errors, total, ratio5xx: total.map((t, i) => (t === null ? null : t === 0 ? null : server[i] / t)) };
}

/** Total minus the shown lines, for an "other routes" line; never below 0 (float noise). */
export function remainder(total: ReadonlyArray<number | null>, shown: ReadonlyArray<ReadonlyArray<number | null>>): Array<number | null> {
  return total.map((t, i) => {
    if (t === null) return null;
    let rest = t;
    for (const l of shown) rest -= l[i] ?? 0;
    return rest < Math.abs(t) * 1e-9 ? 0 : rest;
  });
}

/** `^(?:re)$` as PromQL anchors regex matchers; null when JavaScript cannot compile it. */
export function anchoredRegex(re: string): RegExp | null {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    return null;
  }
}

/** A regex that matches exactly these strings (a PromQL `=~` alternation of escaped literals). */
export function exactAlternation(values: readonly string[]): string {
  return values.map(escapeRegex).join('|');
}

/** `s` with regex metacharacters escaped. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
