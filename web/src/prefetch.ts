/**
 * @module The dashboard's first questions, asked by the boot script while the browser still
 * parses the app (React, uPlot and the pages are most of the bytes): the server, which answers
 * one query at a time, starts on them a few hundred ms earlier. The page then finds the answers
 * (QueryCache.handOver) and the view's `now` (takeBootNow), so it asks the very same questions.
 */
import { askServices, askStableFirst, dashboardView } from './dashboard-view.ts';
import { QueryCache } from './query-cache.ts';
import type { Params } from './time-window.ts';

let bootNow: number | null = null;

/** The time (s) the prefetched view was computed for, once; null after that or without one. */
export function takeBootNow(): number | null {
  const t = bootNow;
  bootNow = null;
  return t;
}

/** Whether `path` shows the dashboard (the app's default page). */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path.startsWith('/dashboard');
}

/**
 * Asks what the dashboard at `path`?`params` will ask first, at `now` (s) in a `widthPx` wide
 * window: the services, and for the URL's service (or else the first one found) the stable
 * convention's first queries (whose table rates also tell the convention). Does nothing on other pages.
 *
 * Call it after the app's code has been requested (the page's modulepreload link): the server
 * answers one query at a time, and a script request queued behind them would wait for them all.
 */
export function prefetchDashboard(path: string, params: Params, now: number, widthPx: number): void {
  if (!isDashboardPath(path)) return;
  bootNow = now;
  const cache = new QueryCache();
  QueryCache.handOver(cache);
  const v = dashboardView(params, now, widthPx);
  const services = askServices(cache, v);
  // Before the services are known the page reads service_name (as it does here).
  if (params.service) askStableFirst(cache, v, 'service_name', params.service);
  else services.then((s) => s.names.length > 0 && askStableFirst(cache, v, s.label, s.names[0]), () => undefined);
}
