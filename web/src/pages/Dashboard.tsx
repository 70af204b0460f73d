/** @module The RED dashboard for one service: rate, errors, duration, active requests, endpoints. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { escapeRegex, stepGrid, type ChartData } from '../chart-data.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { EndpointTable } from '../components/EndpointTable.tsx';
import { Panel } from '../components/Panel.tsx';
import { TimeRangePicker } from '../components/TimeRangePicker.tsx';
import { askConventionLabels, askServices, askStableFirst, askTopRoutes, dashboardView, LATENCY_ROUTES, REQUEST_ROUTES, viewQueries, type DashboardView } from '../dashboard-view.ts';
import { busiestRoutes, QUANTILES, rowsFromCounts, withLatency, type Row } from '../endpoints.ts';
import { activeLines, bodySizeLines, errorLines, errorRatioLines, latencyLines, requestLines } from '../panel-data.ts';
import { takeBootNow } from '../prefetch.ts';
import { QueryCache } from '../query-cache.ts';
import { MARK_TABLE_COMPLETE, MARK_TABLE_FIRST_LATENCIES, ReadyTracker } from '../ready.ts';
import { OLD_METRIC, oldConvention, STABLE, type Convention, type RedQueries } from '../red.ts';
import type { Params } from '../time-window.ts';

const REFRESH = [
  { label: 'Off', seconds: 0 },
  { label: '10 seconds', seconds: 10 },
  { label: '30 seconds', seconds: 30 },
  { label: '1 minute', seconds: 60 },
  { label: '5 minutes', seconds: 300 },
];

/** Routes in the table's first latency query (about the rows in view), and in each later one. */
const FIRST_LATENCY_ROUTES = 8;
const LATENCY_BATCH = 20;

const TITLES = {
  requests: 'Requests per second by route',
  errors: 'Errors per second by status code',
  ratio: 'Error ratio (5xx)',
  latency: 'Latency p50 / p95 / p99 by route',
  active: 'Active requests',
  body: 'Request / response body size (median)',
};
const PARTS = [...Object.values(TITLES), 'Endpoints'];

interface Detected {
  readonly key: string;
  readonly convention: Convention | null;
}

/**
 * Which convention a service's metrics follow, stable names first. The table's rates on the
 * stable names (asked anyway, on that guess) answer it for most services without a question of
 * its own; otherwise two label-name lookups do (they also find a service with one sample only).
 */
async function detectConvention(cache: QueryCache, v: DashboardView, serviceLabel: string, service: string): Promise<Convention | null> {
  if ((await cache.instant(viewQueries(STABLE, v, serviceLabel, service).table.counts, v.end)).length > 0) return STABLE;
  const [stable, old] = await askConventionLabels(cache, v, serviceLabel, service);
  if (stable.length > 0) return STABLE;
  if (old.length > 0) return oldConvention(old.includes('http_route') ? 'http_route' : 'http_target');
  return null;
}

interface Endpoints {
  readonly key: string;
  readonly rows: Row[] | null;
  /** Every endpoint is listed with its rate and error ratio (or there are none). */
  readonly listed: boolean;
  readonly error: string | null;
}

/**
 * The table's rows: every endpoint's rate and error ratio first (one query); the latencies once
 * the dashboard is drawn, busiest routes first, in batches. A latency batch reads routes × codes
 * × buckets series over the whole range (24 h: 75 × 1440 samples a route), the costliest reads of
 * the page, so they wait for the panels, and a click between two batches is answered at once.
 */
function useEndpoints(q: RedQueries | null, c: Convention | null, cache: QueryCache, end: number, dataKey: string, tracker: ReadyTracker, onRows: { readonly current: (rows: Row[]) => void }): Endpoints {
  const [state, setState] = useState<Endpoints>({ key: '', rows: null, listed: false, error: null });
  useEffect(() => {
    if (!q || !c) return;
    let live = true;
    const set = (rows: Row[]) => {
      if (live) setState({ key: dataKey, rows, listed: true, error: null });
    };
    (async () => {
      let rows = rowsFromCounts(await cache.instant(q.table.counts, end), c);
      // Every query that waited for the busiest routes goes out now, before React renders the rows.
      onRows.current(rows);
      set(rows);
      const pending = [...new Set(rows.map((r) => r.route))];
      if (pending.length > 0) await tracker.whenReady();
      for (let i = 0; i < pending.length && live; ) {
        const size = i === 0 ? FIRST_LATENCY_ROUTES : LATENCY_BATCH;
        const batch = pending.slice(i, i + size);
        rows = withLatency(rows, await cache.instant(q.table.buckets(batch), end), c, new Set(batch));
        set(rows);
        if (i === 0 && live) performance.mark(MARK_TABLE_FIRST_LATENCIES);
        i += size;
      }
      if (live) performance.mark(MARK_TABLE_COMPLETE);
    })().catch((e: unknown) => {
      if (live && !cache.signal.aborted) setState((s) => ({ ...s, key: dataKey, listed: true, error: e instanceof Error ? e.message : String(e) }));
    });
    return () => {
      live = false;
    };
    // dataKey names everything the queries depend on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataKey]);
  return state.key === dataKey ? state : { key: dataKey, rows: null, listed: false, error: null };
}

/** The route filter that selects exactly `route`; `(?:)` for requests without one (an empty filter means all). */
function routeParamFor(route: string): string {
  return route === '' ? '(?:)' : escapeRegex(route);
}

function exploreHref(query: string, params: Params): string {
  const p = new URLSearchParams({ q: query });
  for (const k of ['range', 'from', 'to']) if (params[k]) p.set(k, params[k]);
  return `/explore?${p}`;
}

/** The Dashboard page; its view (service, range, route, refresh) is `params`, changed through `setParams`. */
export function Dashboard({ params, setParams }: { params: Params; setParams: (p: Params, replace?: boolean) => void }) {
  // The boot script asked this view's first questions at its `now`: the same now asks the same ones.
  const [now, setNow] = useState(() => takeBootNow() ?? Math.floor(Date.now() / 1000));
  const [refreshKey, setRefreshKey] = useState(0);
  const view = dashboardView(params, now, window.innerWidth);
  const { start, end, step, routeParam, routeRegex, routeFilter } = view;
  const refresh = Number(params.refresh ?? 0);
  const [tracker] = useState(() => new ReadyTracker());

  // Services, and (in parallel when the URL names one) the service's naming convention.
  const [services, setServices] = useState<{ label: string; names: string[] } | null>(null);
  const [servicesError, setServicesError] = useState<string | null>(null);
  useEffect(() => {
    const lookups = new QueryCache();
    askServices(lookups, view)
      .then((s) => {
        setServices(s);
        setServicesError(null);
      })
      .catch((e: unknown) => {
        if (!lookups.signal.aborted) setServicesError(e instanceof Error ? e.message : String(e));
      });
    return () => lookups.dispose();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refreshKey]);
  const serviceLabel = services?.label ?? 'service_name';
  const service = params.service || services?.names[0] || '';
  useEffect(() => {
    if (!params.service && services && services.names.length > 0) setParams({ ...params, service: services.names[0] }, true);
  }, [services, params, setParams]);

  const serviceKey = `${serviceLabel}|${service}|${refreshKey}`;
  const [detected, setDetected] = useState<Detected | null>(null);
  const current = detected?.key === serviceKey ? detected : null;
  const convention = current?.convention ?? null;

  useEffect(() => {
    if (refresh <= 0) return;
    const id = setInterval(() => {
      setNow(Math.floor(Date.now() / 1000));
      setRefreshKey((k) => k + 1);
    }, refresh * 1000);
    return () => clearInterval(id);
  }, [refresh]);

  // The route filter: typed (a regex, applied after a pause) or set by selecting a table row.
  const [routeDraft, setRouteDraft] = useState(routeParam);
  useEffect(() => setRouteDraft(routeParam), [routeParam]);
  useEffect(() => {
    if (routeDraft === routeParam) return;
    const id = setTimeout(() => setParams({ ...params, route: routeDraft }, true), 500);
    return () => clearTimeout(id);
  }, [routeDraft, routeParam, params, setParams]);

  // One cache per view: panels reading the same query share one request; a new view aborts the old one's.
  const cacheKey = `${serviceLabel}|${service}|${start}|${end}|${step}|${refreshKey}`;
  const dataKey = convention ? `${cacheKey}|${convention.id}|${convention.route}` : '';
  const cacheRef = useRef<{ key: string; cache: QueryCache } | null>(null);
  if (cacheRef.current?.key !== cacheKey) {
    cacheRef.current?.cache.dispose();
    cacheRef.current = { key: cacheKey, cache: new QueryCache() };
  }
  const cache = cacheRef.current.cache;

  // Detected once per service (in the view's cache, where the guess below asks the same rates);
  // again for a new view while it is not known yet or nothing was found.
  useEffect(() => {
    if (service === '' || convention !== null) return;
    let live = true;
    detectConvention(cache, view, serviceLabel, service)
      .then((c) => live && setDetected({ key: serviceKey, convention: c }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [serviceKey, cacheKey]);
  // Whether the service also sends the older names (http/dup): a note only, asked once the view is drawn.
  const [alsoOld, setAlsoOld] = useState<{ key: string; value: boolean } | null>(null);
  useEffect(() => {
    if (convention?.id !== 'stable') return;
    const lookups = new QueryCache();
    tracker
      .whenReady()
      .then(() => askConventionLabels(lookups, view, serviceLabel, service))
      .then(([, old]) => setAlsoOld({ key: serviceKey, value: old.length > 0 }))
      .catch(() => undefined);
    return () => lookups.dispose();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [serviceKey, convention?.id]);
  const q = convention ? viewQueries(convention, view, serviceLabel, service) : null;
  // While the convention is being detected, the stable one's first queries already go out (the boot
  // script asked them even earlier for the URL's view): most services send it, the answers wait in
  // the cache, and a wrong guess costs a few empty answers.
  const guessing = service !== '' && current === null;
  useEffect(() => {
    if (guessing) askStableFirst(cache, view, serviceLabel, service);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [guessing, cacheKey]);
  const generation = `${dataKey}|${routeFilter}`;
  if (convention) tracker.expect(generation, PARTS);
  const ready = { tracker, generation };

  // The route panels' queries, sent as soon as the busiest routes are known (the panels then find them in the cache).
  const prefetch = useRef<(rows: Row[]) => void>(() => undefined);
  prefetch.current = (rows) => {
    if (q) askTopRoutes(cache, q, view, busiestRoutes(rows, routeRegex));
  };
  const endpoints = useEndpoints(q, convention, cache, end, dataKey, tracker, prefetch);
  useLayoutEffect(() => {
    if (!endpoints.listed) return;
    const raf = requestAnimationFrame(() => tracker.done('Endpoints', generation));
    return () => cancelAnimationFrame(raf);
  }, [endpoints.listed, generation, tracker]);

  const onZoom = useCallback((from: number, to: number) => setParams({ ...params, from: String(from), to: String(to), range: '' }), [params, setParams]);
  const onSelect = useCallback((route: string | null) => setParams({ ...params, route: route === null ? '' : routeParamFor(route) }), [params, setParams]);

  if (services !== null && services.names.length === 0) return <EmptyState />;

  const rows = endpoints.rows;
  const routes = rows ? busiestRoutes(rows, routeRegex) : null;
  const topRequests = routes?.slice(0, REQUEST_ROUTES) ?? null;
  const topLatency = routes?.slice(0, LATENCY_ROUTES) ?? null;
  const selected = routeFilter === '' ? null : (rows?.find((r) => routeParamFor(r.route) === routeFilter)?.route ?? null);
  const viewKey = `${dataKey}|${routeFilter}`;
  const times = () => stepGrid(start, end, step);
  const shownOf = (shown: number, all: number) => (all > shown ? `The busiest ${shown} of ${all} routes${routeFilter ? ' matching the filter' : ''}; select a row in the table for any other.` : undefined);
  const c = convention;

  return (
    <div className="dashboard">
      <h1 className="visually-hidden">Dashboard</h1>
      <form className="controls" onSubmit={(e) => e.preventDefault()} aria-label="Dashboard controls">
        <div className="field">
          <label htmlFor="service-select">Service</label>
          <select id="service-select" value={service} onChange={(e) => setParams({ ...params, service: e.target.value, route: '' })}>
            {(services?.names ?? (service ? [service] : [])).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <TimeRangePicker params={params} setParams={setParams} start={start} end={end} />
        <div className="field">
          <label htmlFor="refresh-select">Auto-refresh</label>
          <select id="refresh-select" value={String(refresh)} onChange={(e) => setParams({ ...params, refresh: e.target.value === '0' ? '' : e.target.value })}>
            {REFRESH.map((r) => (
              <option key={r.seconds} value={r.seconds}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <label>
          Route filter (regex)
          <input value={routeDraft} onChange={(e) => setRouteDraft(e.target.value)} placeholder="all routes" aria-invalid={routeParam !== '' && routeRegex === null} aria-describedby="route-filter-error" />
        </label>
        <button
          type="button"
          onClick={() => {
            setNow(Math.floor(Date.now() / 1000));
            setRefreshKey((k) => k + 1);
          }}
        >
          Refresh now
        </button>
      </form>
      <p id="route-filter-error" className="error" hidden={!(routeParam !== '' && routeRegex === null)}>
        The route filter is not a valid regular expression; showing every route.
      </p>
      {servicesError && (
        <p role="alert" className="error">
          {servicesError}
        </p>
      )}
      {current && c && (
        <p className="convention">
          This service sends the {c.description}.{alsoOld?.key === serviceKey && alsoOld.value && ` It also sends the older names (${OLD_METRIC}); the dashboard reads the stable ones.`}
        </p>
      )}
      {current && !c && (
        <p className="empty" role="status">
          No HTTP server metrics ({STABLE.metric} or {OLD_METRIC}) from {service} in this time range. Choose a longer range, or check the Pipeline page for what arrives.
        </p>
      )}
      {q && c && (
        <div className="panels">
          <Panel
            title={TITLES.requests}
            unit="reqps"
            note={topRequests && routes ? shownOf(topRequests.length, routes.length) : undefined}
            loadKey={topRequests ? (topRequests.length > 0 ? `${viewKey}|${topRequests.join('\n')}` : `${viewKey}|none`) : null}
            load={async (): Promise<ChartData> => {
              if (!topRequests || topRequests.length === 0) return { times: [], lines: [] };
              const [byEndpoint, byStatus] = await Promise.all([cache.range(q.requestsByEndpoint(topRequests), start, end, step), cache.range(q.statusRates, start, end, step)]);
              const t = times();
              return { times: t, lines: requestLines(t, byEndpoint, byStatus, c, routes ?? [], topRequests.length) };
            }}
            empty={routeFilter ? 'No route matches the filter in this time range.' : undefined}
            exploreHref={topRequests ? exploreHref(q.requestsByEndpoint(topRequests), params) : undefined}
            {...{ onZoom, ready }}
          />
          <Panel
            title={TITLES.errors}
            unit="reqps"
            loadKey={`${viewKey}|errors`}
            load={async () => {
              const t = times();
              return { times: t, lines: errorLines(t, await cache.range(q.statusRates, start, end, step), c) };
            }}
            note="Solid lines: 5xx server errors; dashed: 4xx client errors."
            empty="No 4xx or 5xx responses in this time range."
            exploreHref={exploreHref(q.equivalent.errorsByStatus, params)}
            {...{ onZoom, ready }}
          />
          <Panel
            title={TITLES.ratio}
            unit="percent"
            loadKey={`${viewKey}|ratio`}
            load={async () => {
              const t = times();
              return { times: t, lines: errorRatioLines(t, await cache.range(q.statusRates, start, end, step), c) };
            }}
            exploreHref={exploreHref(q.equivalent.errorRatio, params)}
            {...{ onZoom, ready }}
          />
          <Panel
            title={TITLES.latency}
            unit="s"
            note={[topLatency && routes ? shownOf(topLatency.length, routes.length) : undefined, 'Solid: p50, dashed: p95, dotted: p99.'].filter(Boolean).join(' ')}
            loadKey={topLatency ? (topLatency.length > 0 ? `${viewKey}|${topLatency.join('\n')}` : `${viewKey}|none`) : null}
            load={async () => {
              if (!topLatency || topLatency.length === 0) return { times: [], lines: [] };
              const t = times();
              return { times: t, lines: latencyLines(t, await cache.range(q.latencyBuckets(topLatency), start, end, step), c, routes ?? []) };
            }}
            empty={routeFilter ? 'No route matches the filter in this time range.' : undefined}
            exploreHref={topLatency ? exploreHref(q.equivalent.latencyByRoute(0.99, topLatency), params) : undefined}
            {...{ onZoom, ready }}
          />
          <Panel
            title={TITLES.active}
            unit="short"
            loadKey={`${dataKey}|active`}
            load={async () => {
              const t = times();
              return { times: t, lines: activeLines(t, await cache.range(q.activeRequests, start, end, step), c) };
            }}
            note={routeFilter ? 'Not filtered by route: this metric has no route label.' : undefined}
            empty="No http_server_active_requests from this service (Node's HTTP instrumentation does not record it; the app can, with an UpDownCounter)."
            exploreHref={exploreHref(q.activeRequests, params)}
            {...{ onZoom, ready }}
          />
          <Panel
            title={TITLES.body}
            unit="bytes"
            loadKey={`${viewKey}|body`}
            load={async () => {
              const t = times();
              const [req, res] = await Promise.all([cache.range(q.requestBodySize, start, end, step), cache.range(q.responseBodySize, start, end, step)]);
              return { times: t, lines: bodySizeLines(t, req, res) };
            }}
            empty={`No body-size histograms (${c.requestSize}, ${c.responseSize}) from this service; OTel Python records them for requests with Content-Length.`}
            exploreHref={exploreHref(q.requestBodySize, params)}
            {...{ onZoom, ready }}
          />
          <EndpointTable
            rows={rows}
            error={endpoints.error}
            selected={selected}
            onSelect={onSelect}
            equivalent={[q.equivalent.table.rate, q.equivalent.table.errorRatio, ...QUANTILES.map((x) => q.equivalent.table.latency(x))].join('\n')}
            time={end}
          />
        </div>
      )}
    </div>
  );
}
