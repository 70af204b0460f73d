/**
 * @module The RED dashboard's queries (spec red-dashboard.md §1.4), for either naming convention
 * a service may send: stable semconv (`http_server_request_duration_seconds`, seconds) or the
 * older one many SDKs still emit (`http_server_duration_milliseconds`, ms, `http_target`).
 */

export interface Convention {
  readonly id: 'stable' | 'old';
  /** Histogram base name; `_bucket`, `_count`, `_sum` follow. */
  readonly metric: string;
  readonly route: string;
  readonly method: string;
  readonly status: string;
  /** Multiply latencies by this to get seconds. */
  readonly toSeconds: number;
  readonly description: string;
}

export const STABLE: Convention = {
  id: 'stable',
  metric: 'http_server_request_duration_seconds',
  route: 'http_route',
  method: 'http_request_method',
  status: 'http_response_status_code',
  toSeconds: 1,
  description: 'stable HTTP semantic conventions (http_server_request_duration_seconds, seconds)',
};

export function oldConvention(route: 'http_route' | 'http_target'): Convention {
  return {
    id: 'old',
    metric: 'http_server_duration_milliseconds',
    route,
    method: 'http_method',
    status: 'http_status_code',
    toSeconds: 0.001,
    description: `older HTTP semantic conventions (http_server_duration_milliseconds in ms, converted to s; route label ${route})`,
  };
}

/** A PromQL string literal. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

export interface RedQueries {
  readonly requestsByRoute: string;
  readonly errorsByStatus: string;
  readonly errorRatio: string;
  readonly latency: (q: number) => string;
  readonly activeRequests: string;
  readonly requestBodySize: string;
  readonly responseBodySize: string;
  /** Instant queries of the per-endpoint table, over `rangeSeconds`. */
  readonly table: {
    readonly rate: string;
    readonly errorRatio: string;
    readonly latency: (q: number) => string;
  };
}

/**
 * Queries for one service. `serviceLabel` is service_name (or job when resource attributes
 * are not promoted); `routeFilter` narrows every selector; `window` is the rate window in s.
 */
export function redQueries(c: Convention, serviceLabel: string, service: string, routeFilter: string, windowS: number, rangeS: number): RedQueries {
  const sel = (extra = ''): string => {
    const parts = [`${serviceLabel}=${quote(service)}`];
    if (routeFilter !== '') parts.push(`${c.route}=~${quote(routeFilter)}`);
    if (extra !== '') parts.push(extra);
    return `{${parts.join(', ')}}`;
  };
  const w = `${Math.max(1, Math.round(windowS))}s`;
  const r = `${Math.max(1, Math.round(rangeS))}s`;
  const scale = (q: string): string => (c.toSeconds === 1 ? q : `${q} * ${c.toSeconds}`);
  const endpoint = `${c.method}, ${c.route}`;
  return {
    requestsByRoute: `sum by (${endpoint}) (rate(${c.metric}_count${sel()}[${w}]))`,
    errorsByStatus: `sum by (${c.status}) (rate(${c.metric}_count${sel(`${c.status}=~"4..|5.."`)}[${w}]))`,
    errorRatio: `sum(rate(${c.metric}_count${sel(`${c.status}=~"5.."`)}[${w}])) / sum(rate(${c.metric}_count${sel()}[${w}]))`,
    latency: (q) => scale(`histogram_quantile(${q}, sum by (le, ${c.route}) (rate(${c.metric}_bucket${sel()}[${w}])))`),
    activeRequests: `sum by (${c.method}) (http_server_active_requests${sel().replace(`, ${c.route}=~${quote(routeFilter)}`, '')})`,
    requestBodySize: `histogram_quantile(0.5, sum by (le) (rate(http_server_request_body_size_bytes_bucket${sel()}[${w}])))`,
    responseBodySize: `histogram_quantile(0.5, sum by (le) (rate(http_server_response_body_size_bytes_bucket${sel()}[${w}])))`,
    table: {
      rate: `sum by (${endpoint}) (rate(${c.metric}_count${sel()}[${r}]))`,
      errorRatio: `sum by (${endpoint}) (rate(${c.metric}_count${sel(`${c.status}=~"5.."`)}[${r}])) / sum by (${endpoint}) (rate(${c.metric}_count${sel()}[${r}]))`,
      latency: (q) => scale(`histogram_quantile(${q}, sum by (le, ${endpoint}) (rate(${c.metric}_bucket${sel()}[${r}])))`),
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
