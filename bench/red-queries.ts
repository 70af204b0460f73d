/**
 * @module The RED dashboard's queries of `npm run bench:query` (and of its in-process variant,
 * bench/query-engine.ts): each range query over 1h at 15s and 24h at 5m, and the alert rules'
 * instant queries, all relative to the end of the data set.
 */

/** One timed query: `range` null is an instant query at `end`. Times in seconds. */
export interface RedCase {
  readonly name: string;
  readonly query: string;
  readonly label: string;
  readonly range: { start: number; end: number; step: number } | null;
}

const SVC = 'service_name="svc-3"';
export const RED_QUERIES: ReadonlyArray<{ name: string; query: string }> = [
  { name: 'request rate by route', query: `sum by (http_route) (rate(http_server_request_duration_seconds_count{${SVC}}[5m]))` },
  { name: 'errors by status code', query: `sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{${SVC}, http_response_status_code=~"4..|5.."}[5m]))` },
  { name: 'error ratio', query: `sum(rate(http_server_request_duration_seconds_count{${SVC}, http_response_status_code=~"5.."}[5m])) / sum(rate(http_server_request_duration_seconds_count{${SVC}}[5m]))` },
  { name: 'p99 by route', query: `histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{${SVC}}[5m])))` },
  { name: 'p99 by route, all services', query: 'histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))' },
];
export const ALERT_QUERIES: ReadonlyArray<{ name: string; query: string }> = [
  { name: 'alert: 5xx rate by service', query: 'sum by (service_name) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[2m])) > 0' },
  { name: 'alert: 4xx ratio by service', query: 'sum by (service_name) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"4.."}[5m])) / sum by (service_name) (rate(http_server_request_duration_seconds_count[5m])) > 0.05' },
];

/** Every case, in the order the bench prints them; `endS` is the data's end (a full hour). */
export function redCases(endS: number): RedCase[] {
  const cases: RedCase[] = [];
  for (const q of RED_QUERIES) {
    cases.push({ ...q, label: '1h', range: { start: endS - 3600, end: endS, step: 15 } });
    cases.push({ ...q, label: '24h', range: { start: endS - 86_400, end: endS, step: 300 } });
  }
  for (const q of ALERT_QUERIES) cases.push({ ...q, label: 'instant', range: null });
  return cases;
}

/** The middle value (the upper one of the two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
