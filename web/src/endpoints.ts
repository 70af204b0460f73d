/**
 * @module The per-endpoint table's rows, built from the dashboard's two instant queries (rates by
 * method, route and status; bucket rates by le, method and route). Pure: tested in Node.
 */
import type { InstantSample } from './api.ts';
import { instantQuantiles, parseValue } from './chart-data.ts';
import type { Convention } from './red.ts';

/** One method and route over the view's range. Latencies in seconds; NaN where there is none. */
export interface Row {
  readonly method: string;
  readonly route: string;
  /** Requests per second. */
  readonly rate: number;
  /** 5xx responses / all responses; 0 when none failed. */
  readonly errorRatio: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Whether the latency columns have been asked for yet (the busiest rows come first). */
  readonly latency: 'pending' | 'done';
}

/** The quantiles the table and the latency panel show. */
export const QUANTILES = [0.5, 0.95, 0.99] as const;

/** The key of one table row: method and route. */
export function rowKey(method: string, route: string): string {
  return `${method} ${route}`;
}

/** Rows from `sum by (method, route, status) (rate(…_count[range]))`, busiest first. */
export function rowsFromCounts(samples: readonly InstantSample[], c: Convention): Row[] {
  const rows = new Map<string, { method: string; route: string; rate: number; errors: number }>();
  for (const s of samples) {
    const method = s.metric[c.method] ?? '';
    const route = s.metric[c.route] ?? '';
    const v = parseValue(s.value[1]);
    const k = rowKey(method, route);
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { method, route, rate: 0, errors: 0 }));
    r.rate += v;
    if ((s.metric[c.status] ?? '').startsWith('5')) r.errors += v;
  }
  return [...rows.values()]
    .map((r) => ({ method: r.method, route: r.route, rate: r.rate, errorRatio: r.rate > 0 ? r.errors / r.rate : NaN, p50: NaN, p95: NaN, p99: NaN, latency: 'pending' as const }))
    .sort((a, b) => b.rate - a.rate || (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
}

/**
 * Rows with p50/p95/p99 filled from `sum by (le, method, route) (rate(…_bucket[range]))` samples
 * for the routes in `asked` (those become 'done' even when the answer has no buckets for them).
 */
export function withLatency(rows: readonly Row[], buckets: readonly InstantSample[], c: Convention, asked: ReadonlySet<string>): Row[] {
  const q = new Map<string, number[]>();
  for (const g of instantQuantiles(buckets, QUANTILES, c.toSeconds)) q.set(rowKey(g.metric[c.method] ?? '', g.metric[c.route] ?? ''), g.values);
  return rows.map((r) => {
    if (!asked.has(r.route)) return r;
    const v = q.get(rowKey(r.method, r.route));
    return { ...r, p50: v?.[0] ?? NaN, p95: v?.[1] ?? NaN, p99: v?.[2] ?? NaN, latency: 'done' };
  });
}

/** Distinct routes of `rows` matching `filter` (all when null), by their summed rate, busiest first. */
export function busiestRoutes(rows: readonly Row[], filter: RegExp | null): string[] {
  const byRoute = new Map<string, number>();
  for (const r of rows) if (!filter || filter.test(r.route)) byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + r.rate);
  return [...byRoute].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([route]) => route);
}
