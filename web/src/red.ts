/**
 * @module The RED dashboard's queries (spec red-dashboard.md §1.4), for either naming convention
 * a service may send: stable semconv (`http_server_request_duration_seconds`, seconds) or the
 * older one many SDKs still emit (`http_server_duration_milliseconds`, ms, `http_target`).
 *
 * The dashboard asks few, cheap questions (issue: interactive in under 1 s with 200 routes):
 * one `sum by (status)` range query feeds the error, error-ratio and total lines; quantiles
 * come from one `sum by (le, …)` query each for the table and the latency panel, computed in
 * the browser with the engine's own code; per-route panels draw only the busiest routes.
 * Every computed figure also has its plain PromQL (`equivalent`), for Explore and the tests.
 */
import { exactAlternation } from './chart-data.ts';

/** One naming convention of HTTP server metrics: the metric, its labels and its latency unit. */
export interface Convention {
  readonly id: 'stable' | 'old';
  /** Histogram base name; `_bucket`, `_count`, `_sum` follow. */
  readonly metric: string;
  readonly route: string;
  readonly method: string;
  readonly status: string;
  /** Body-size histograms (base names), where the SDK records them. */
  readonly requestSize: string;
  readonly responseSize: string;
  /** Multiply latencies by this to get seconds. */
  readonly toSeconds: number;
  readonly description: string;
}

/** The stable HTTP semantic conventions (instrumentation-http ≥ 0.221, OTel Python with `http` opt-in). */
export const STABLE: Convention = {
  id: 'stable',
  metric: 'http_server_request_duration_seconds',
  route: 'http_route',
  method: 'http_request_method',
  status: 'http_response_status_code',
  requestSize: 'http_server_request_body_size_bytes',
  responseSize: 'http_server_response_body_size_bytes',
  toSeconds: 1,
  description: 'stable HTTP semantic conventions (http_server_request_duration_seconds, in seconds)',
};

/** The metric of the older conventions, in ms (OTel Python's default, instrumentation-http ≤ 0.220). */
export const OLD_METRIC = 'http_server_duration_milliseconds';

/** The older conventions, with the route in `http_route` (most SDKs) or `http_target` (OTel Python). */
export function oldConvention(route: 'http_route' | 'http_target'): Convention {
  return {
    id: 'old',
    metric: OLD_METRIC,
    route,
    method: 'http_method',
    status: 'http_status_code',
    requestSize: 'http_server_request_size_bytes',
    responseSize: 'http_server_response_size_bytes',
    toSeconds: 0.001,
    description: `older HTTP semantic conventions (${OLD_METRIC}, in ms, shown converted to seconds; route label ${route})`,
  };
}

/** A PromQL string literal. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** Which series a view reads. */
export interface Scope {
  /** service_name, or job when resource attributes are not promoted. */
  readonly serviceLabel: string;
  readonly service: string;
  /** A route regex (fully anchored, as PromQL does); '' for every route. */
  readonly routeFilter: string;
  /** Rate window of range queries, s. */
  readonly windowS: number;
  /** The view's range, s: the table's instant queries rate over all of it. */
  readonly rangeS: number;
}

/** The PromQL of one dashboard view; functions take the routes a panel or batch draws. */
export interface RedQueries {
  /** Range: request rate by status code; errors, 5xx ratio and the total come from it. */
  readonly statusRates: string;
  /** Range: request rate by method and route, for these routes only. */
  requestsByEndpoint(routes: readonly string[]): string;
  /** Range: `_bucket` rates by le and route, for these routes; quantiles are computed from it. */
  latencyBuckets(routes: readonly string[]): string;
  readonly activeRequests: string;
  readonly requestBodySize: string;
  readonly responseBodySize: string;
  /** Instant queries of the per-endpoint table, over the whole range. */
  readonly table: {
    /** Rate by method, route and status: the req/s and error % columns. */
    readonly counts: string;
    /** `_bucket` rates by le, method and route, for these routes. */
    buckets(routes: readonly string[]): string;
  };
  /** The plain PromQL each computed figure equals. */
  readonly equivalent: {
    readonly errorsByStatus: string;
    readonly errorRatio: string;
    latencyByRoute(q: number, routes: readonly string[]): string;
    readonly table: { readonly rate: string; readonly errorRatio: string; latency(q: number): string };
  };
}

/** Every query of the dashboard for one service and view. */
export function redQueries(c: Convention, scope: Scope): RedQueries {
  const { serviceLabel, service, routeFilter } = scope;
  const sel = (extra: string[] = [], filtered = true): string => {
    const parts = [`${serviceLabel}=${quote(service)}`];
    if (filtered && routeFilter !== '') parts.push(`${c.route}=~${quote(routeFilter)}`);
    return `{${[...parts, ...extra].join(', ')}}`;
  };
  const only = (routes: readonly string[]) => [`${c.route}=~${quote(exactAlternation(routes))}`];
  const w = `${Math.max(1, Math.round(scope.windowS))}s`;
  const r = `${Math.max(1, Math.round(scope.rangeS))}s`;
  const scale = (q: string): string => (c.toSeconds === 1 ? q : `${q} * ${c.toSeconds}`);
  const endpoint = `${c.method}, ${c.route}`;
  const errors = `${c.status}=~"5.."`;
  const median = (metric: string) => `histogram_quantile(0.5, sum by (le) (rate(${metric}_bucket${sel()}[${w}])))`;
  return {
    statusRates: `sum by (${c.status}) (rate(${c.metric}_count${sel()}[${w}]))`,
    requestsByEndpoint: (routes) => `sum by (${endpoint}) (rate(${c.metric}_count${sel(only(routes), false)}[${w}]))`,
    latencyBuckets: (routes) => `sum by (le, ${c.route}) (rate(${c.metric}_bucket${sel(only(routes), false)}[${w}]))`,
    // Semconv gives active requests no route label, so the route filter cannot apply.
    activeRequests: `sum by (${c.method}) (http_server_active_requests${sel([], false)})`,
    requestBodySize: median(c.requestSize),
    responseBodySize: median(c.responseSize),
    table: {
      counts: `sum by (${endpoint}, ${c.status}) (rate(${c.metric}_count${sel([], false)}[${r}]))`,
      buckets: (routes) => `sum by (le, ${endpoint}) (rate(${c.metric}_bucket${sel(only(routes), false)}[${r}]))`,
    },
    equivalent: {
      errorsByStatus: `sum by (${c.status}) (rate(${c.metric}_count${sel([`${c.status}=~"4..|5.."`])}[${w}]))`,
      errorRatio: `sum(rate(${c.metric}_count${sel([errors])}[${w}])) / sum(rate(${c.metric}_count${sel()}[${w}]))`,
      latencyByRoute: (q, routes) => scale(`histogram_quantile(${q}, sum by (le, ${c.route}) (rate(${c.metric}_bucket${sel(only(routes), false)}[${w}])))`),
      table: {
        rate: `sum by (${endpoint}) (rate(${c.metric}_count${sel([], false)}[${r}]))`,
        errorRatio: `sum by (${endpoint}) (rate(${c.metric}_count${sel([errors], false)}[${r}])) / sum by (${endpoint}) (rate(${c.metric}_count${sel([], false)}[${r}]))`,
        latency: (q) => scale(`histogram_quantile(${q}, sum by (le, ${endpoint}) (rate(${c.metric}_bucket${sel([], false)}[${r}])))`),
      },
    },
  };
}

/** 2xx/3xx/4xx/5xx, spelled out so status classes never rely on colour alone. */
export function statusClass(code: string): string {
  const d = code[0];
  if (d === '2') return '2xx success';
  if (d === '3') return '3xx redirect';
  if (d === '4') return '4xx client error';
  if (d === '5') return '5xx server error';
  return 'other';
}
