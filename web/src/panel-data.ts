/**
 * @module The dashboard panels' lines from the API's answers: labels, colours and dash patterns
 * (so routes, status classes and quantiles differ by more than colour), and the "other routes"
 * remainder. Pure: tested in Node (test/browser/panel-data.test.ts); the panels only draw.
 */
import type { RangeSeries } from './api.ts';
import { DASH, onGrid, rangeQuantiles, remainder, splitByStatus, type Line } from './chart-data.ts';
import { QUANTILES } from './endpoints.ts';
import { statusClass, type Convention } from './red.ts';

/** Palette index of the "other routes" line (grey). */
export const OTHER_COLOUR = 8;
/** p50 solid, p95 dashed, p99 dotted. */
const QUANTILE_DASH = [DASH.solid, DASH.dashed, DASH.dotted];

/** A route's palette index: its rank among `routes` (busiest first), so a route keeps its colour in every panel. */
function colourOf(routes: readonly string[], route: string): number {
  return Math.max(0, routes.indexOf(route));
}

/**
 * Requests per second by method and route for the drawn routes, in the routes' order, and when
 * `routes` (every route, busiest first) has more than were drawn, a dotted "N other routes" line:
 * the total of `byStatus` (the status split, all routes) minus the drawn lines.
 */
export function requestLines(times: readonly number[], byEndpoint: readonly RangeSeries[], byStatus: readonly RangeSeries[], c: Convention, routes: readonly string[], drawn: number): Line[] {
  const lines: Line[] = byEndpoint
    .map((s) => ({ label: `${s.metric[c.method] ?? ''} ${s.metric[c.route] ?? '(no route)'}`.trim(), values: onGrid(times, s), colour: colourOf(routes, s.metric[c.route] ?? '') }))
    .sort((a, b) => a.colour - b.colour || (a.label < b.label ? -1 : 1));
  const others = routes.length - drawn;
  if (others > 0) lines.push({ label: `${others} other routes`, values: remainder(splitByStatus(times, byStatus, c.status).total, lines.map((l) => l.values)), dash: DASH.dotted, colour: OTHER_COLOUR });
  return lines;
}

/** One line per 4xx/5xx code, named with its class ("404 (4xx client error)"): 5xx solid, 4xx dashed. */
export function errorLines(times: readonly number[], byStatus: readonly RangeSeries[], c: Convention): Line[] {
  return splitByStatus(times, byStatus, c.status).errors.map((e, i) => ({ label: `${e.code} (${statusClass(e.code)})`, values: e.values, dash: e.code.startsWith('5') ? DASH.solid : DASH.dashed, colour: i }));
}

/** The 5xx ratio line, or none when there were no requests at all. */
export function errorRatioLines(times: readonly number[], byStatus: readonly RangeSeries[], c: Convention): Line[] {
  const split = splitByStatus(times, byStatus, c.status);
  return split.total.some((v) => v !== null) ? [{ label: '5xx / all requests', values: split.ratio5xx, colour: 4 }] : [];
}

/** p50, p95 and p99 (in s) per drawn route from `sum by (le, route)` bucket rates: a route's colour, a quantile's dash. */
export function latencyLines(times: readonly number[], buckets: readonly RangeSeries[], c: Convention, routes: readonly string[]): Line[] {
  return rangeQuantiles(times, buckets, QUANTILES, c.toSeconds)
    .map((l) => ({ label: `p${Math.round(l.q * 100)} ${l.metric[c.route] ?? '(no route)'}`, values: l.values, dash: QUANTILE_DASH[QUANTILES.indexOf(l.q as (typeof QUANTILES)[number])], colour: colourOf(routes, l.metric[c.route] ?? ''), q: l.q }))
    .sort((a, b) => a.colour - b.colour || a.q - b.q)
    .map(({ q: _q, ...l }) => l);
}

/** Active requests by method ("all methods" where the SDK sends none). */
export function activeLines(times: readonly number[], series: readonly RangeSeries[], c: Convention): Line[] {
  return series.map((s, i) => ({ label: s.metric[c.method] || 'all methods', values: onGrid(times, s), colour: i }));
}

/** The request body median (solid) and the response body median (dashed). */
export function bodySizeLines(times: readonly number[], request: readonly RangeSeries[], response: readonly RangeSeries[]): Line[] {
  return [
    ...request.map((s) => ({ label: 'request body (median)', values: onGrid(times, s), colour: 0 })),
    ...response.map((s) => ({ label: 'response body (median)', values: onGrid(times, s), dash: DASH.dashed, colour: 1 })),
  ];
}
