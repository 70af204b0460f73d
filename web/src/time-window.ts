/**
 * @module The time window of a view from its URL parameters, and the step and rate window its
 * range queries use. Pure (no React), so the boot script can compute the dashboard's first
 * queries before the app has loaded.
 */

/** The query string's parameters; an empty value means absent. */
export type Params = Record<string, string>;

/** Relative ranges offered by the picker, in seconds. */
export const RANGES: Array<{ label: string; seconds: number }> = [
  { label: 'Last 5 minutes', seconds: 300 },
  { label: 'Last 15 minutes', seconds: 900 },
  { label: 'Last 1 hour', seconds: 3600 },
  { label: 'Last 6 hours', seconds: 21_600 },
  { label: 'Last 24 hours', seconds: 86_400 },
  { label: 'Last 7 days', seconds: 604_800 },
];

/** The time window a view shows: `range` seconds back from `end` (now when absent), or from/to. */
export function timeWindow(params: Params, now: number): { start: number; end: number } {
  if (params.from && params.to) return { start: Number(params.from), end: Number(params.to) };
  const range = Number(params.range ?? 3600);
  const end = params.end ? Number(params.end) : now;
  return { start: end - range, end };
}

/** A step giving about `points` points (250: the Prometheus UI's resolution), at least 1 s. */
export function stepFor(start: number, end: number, points = 250): number {
  return Math.max(1, Math.round((end - start) / points));
}

/** The OTel SDKs' default metric export interval, s (OTEL_METRIC_EXPORT_INTERVAL = 60000). */
const DEFAULT_EXPORT_INTERVAL_S = 60;

/**
 * The rate window of range panels for a step, s: Grafana's `$__rate_interval` rule with the SDKs'
 * default export interval, max(step + interval, 2 × interval). Each window then holds two
 * samples at least and neighbours barely overlap, so the server reads each sample about once
 * (a window of 4 steps made it read each one 4 times: the 24 h dashboard's costliest queries).
 */
export function rateWindowFor(step: number): number {
  return Math.max(step + DEFAULT_EXPORT_INTERVAL_S, 2 * DEFAULT_EXPORT_INTERVAL_S);
}
