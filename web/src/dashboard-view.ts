/**
 * @module What one dashboard view asks first, without React: its time window, step and route
 * filter from the URL, and the questions every view starts with (services, the naming
 * convention, the status split, the table's rates, then the busiest routes' series). The page
 * and the boot script (prefetch.ts) ask them through the same code, so their answers match.
 */
import { anchoredRegex } from './chart-data.ts';
import { busiestRoutes, rowsFromCounts } from './endpoints.ts';
import type { QueryCache } from './query-cache.ts';
import { OLD_METRIC, quote, redQueries, STABLE, type Convention, type RedQueries } from './red.ts';
import { rateWindowFor, stepFor, timeWindow, type Params } from './time-window.ts';

/** Routes drawn per panel: more lines are unreadable, and each one costs query time (issue: 200 routes). */
export const REQUEST_ROUTES = 10;
export const LATENCY_ROUTES = 5;

/** The series whose label values list the services: both conventions' request counters. */
export const SERVICE_MATCH: readonly string[] = [`${STABLE.metric}_count`, `${OLD_METRIC}_count`];

/**
 * Points per chart for a window `widthPx` wide: one per 4 px of plot (two panels a row from
 * 1100 px, as .panels lays them out), 60 to 250. The server's cost grows with series × points,
 * and a 24 h view needs no more points than the plot has room for.
 */
export function dashboardPoints(widthPx: number): number {
  const columns = widthPx >= 1100 ? 2 : 1;
  const plotPx = (widthPx - 48) / columns - 120; // page and panel padding, the y axis
  return Math.max(60, Math.min(250, Math.round(plotPx / 4)));
}

/** One view's window (s), range-query step and rate window (s), and route filter. */
export interface DashboardView {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly windowS: number;
  /** The filter as the URL has it (typed or set by a row). */
  readonly routeParam: string;
  /** It compiled as a JavaScript regex (anchored, as PromQL's); null when absent or invalid. */
  readonly routeRegex: RegExp | null;
  /** What the queries filter by: routeParam, or '' when it is not a valid regex. */
  readonly routeFilter: string;
}

/** The view of `params` at `now` (s) in a window `widthPx` wide. */
export function dashboardView(params: Params, now: number, widthPx: number): DashboardView {
  const { start, end } = timeWindow(params, now);
  const step = stepFor(start, end, dashboardPoints(widthPx));
  const routeParam = params.route ?? '';
  const routeRegex = routeParam === '' ? null : anchoredRegex(routeParam);
  return { start, end, step, windowS: rateWindowFor(step), routeParam, routeRegex, routeFilter: routeParam !== '' && routeRegex === null ? '' : routeParam };
}

/** The dashboard's queries for `service` (a value of `serviceLabel`) in view `v`. */
export function viewQueries(c: Convention, v: DashboardView, serviceLabel: string, service: string): RedQueries {
  return redQueries(c, { serviceLabel, service, routeFilter: v.routeFilter, windowS: v.windowS, rangeS: v.end - v.start });
}

/** The services (values of service_name, or of job where resource attributes are not promoted). */
export async function askServices(cache: QueryCache, v: DashboardView): Promise<{ label: string; names: string[] }> {
  const names = await cache.labelValues('service_name', SERVICE_MATCH, v.start, v.end);
  if (names.length > 0) return { label: 'service_name', names };
  return { label: 'job', names: await cache.labelValues('job', SERVICE_MATCH, v.start, v.end) };
}

/** The label names of each convention's request counter for one service: which convention it sends. */
export function askConventionLabels(cache: QueryCache, v: DashboardView, serviceLabel: string, service: string): Promise<[stable: string[], old: string[]]> {
  const sel = `{${serviceLabel}=${quote(service)}}`;
  return Promise.all([cache.labelNames([`${STABLE.metric}_count${sel}`], v.start, v.end), cache.labelNames([`${OLD_METRIC}_count${sel}`], v.start, v.end)]);
}

/** The range queries of the busiest routes' panels (requests by endpoint, latency buckets); null where no route. */
export function topRouteQueries(q: RedQueries, routes: readonly string[]): { requests: string | null; latency: string | null } {
  return {
    requests: routes.length > 0 ? q.requestsByEndpoint(routes.slice(0, REQUEST_ROUTES)) : null,
    latency: routes.length > 0 ? q.latencyBuckets(routes.slice(0, LATENCY_ROUTES)) : null,
  };
}

/** Asks the busiest routes' panel queries for the routes of `routes` (busiest first). */
export function askTopRoutes(cache: QueryCache, q: RedQueries, v: DashboardView, routes: readonly string[]): void {
  const top = topRouteQueries(q, routes);
  for (const query of [top.requests, top.latency]) if (query) cache.range(query, v.start, v.end, v.step).catch(() => undefined);
}

/**
 * Everything a view of `service` draws first, on the guess that it sends the stable names (most
 * services do; a wrong guess costs a few empty answers): the table's rates, the status split,
 * active requests, body sizes, and once the rates are in, the busiest routes' panels. Answers
 * wait in `cache`; errors are left to whoever reads them there.
 */
export function askStableFirst(cache: QueryCache, v: DashboardView, serviceLabel: string, service: string): void {
  const q = viewQueries(STABLE, v, serviceLabel, service);
  const counts = cache.instant(q.table.counts, v.end);
  for (const query of [q.statusRates, q.activeRequests, q.requestBodySize, q.responseBodySize]) cache.range(query, v.start, v.end, v.step).catch(() => undefined);
  counts.then((samples) => askTopRoutes(cache, q, v, busiestRoutes(rowsFromCounts(samples, STABLE), v.routeRegex)), () => undefined);
}
