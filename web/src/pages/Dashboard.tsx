/** @module The RED dashboard for one service: rate, errors, duration, active requests, endpoints. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { labelValues, seriesCount } from '../api.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { EndpointTable } from '../components/EndpointTable.tsx';
import { Panel } from '../components/Panel.tsx';
import { oldConvention, redQueries, STABLE, statusClass, type Convention } from '../red.ts';
import { RANGES, stepFor, timeWindow, type Params } from '../url-state.ts';

const REFRESH = [
  { label: 'Off', seconds: 0 },
  { label: '10s', seconds: 10 },
  { label: '30s', seconds: 30 },
  { label: '1m', seconds: 60 },
];

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which convention a service's metrics follow (stable names first). */
async function detectConvention(serviceLabel: string, service: string, start: number, end: number): Promise<Convention | null> {
  const sel = `{${serviceLabel}=${JSON.stringify(service)}}`;
  if ((await seriesCount(`${STABLE.metric}_count${sel}`, start, end)) > 0) return STABLE;
  if ((await seriesCount(`http_server_duration_milliseconds_count${sel}`, start, end)) > 0) {
    const withRoute = await seriesCount(`http_server_duration_milliseconds_count{${serviceLabel}=${JSON.stringify(service)}, http_route!=""}`, start, end);
    return oldConvention(withRoute > 0 ? 'http_route' : 'http_target');
  }
  return null;
}

export function Dashboard({ params, setParams }: { params: Params; setParams: (p: Params, replace?: boolean) => void }) {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  const [refreshKey, setRefreshKey] = useState(0);
  const { start, end } = timeWindow(params, now);
  const step = stepFor(start, end);
  const [services, setServices] = useState<string[] | null>(null);
  const [serviceLabel, setServiceLabel] = useState('service_name');
  const [convention, setConvention] = useState<Convention | null>(null);
  const refresh = Number(params.refresh ?? 0);

  useEffect(() => {
    const match = [`${STABLE.metric}_count`, 'http_server_duration_milliseconds_count'];
    labelValues('service_name', match, start, end)
      .then(async (names) => {
        if (names.length > 0) return { label: 'service_name', names };
        return { label: 'job', names: await labelValues('job', match, start, end) };
      })
      .then(({ label, names }) => {
        setServiceLabel(label);
        setServices(names);
        if (!params.service && names.length > 0) setParams({ ...params, service: names[0] }, true);
      })
      .catch(() => setServices([]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refreshKey]);

  const service = params.service ?? '';
  useEffect(() => {
    if (service === '') return;
    void detectConvention(serviceLabel, service, start, end).then(setConvention);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [service, serviceLabel, refreshKey]);

  useEffect(() => {
    if (refresh <= 0) return;
    const id = setInterval(() => {
      setNow(Math.floor(Date.now() / 1000));
      setRefreshKey((k) => k + 1);
    }, refresh * 1000);
    return () => clearInterval(id);
  }, [refresh]);

  const onZoom = useCallback((from: number, to: number) => setParams({ ...params, from: String(from), to: String(to), range: '' }), [params, setParams]);
  const routeFilter = params.route ?? '';
  const windowS = Math.max(60, 4 * step);
  const q = useMemo(() => (convention ? redQueries(convention, serviceLabel, service, routeFilter, windowS, end - start) : null), [convention, serviceLabel, service, routeFilter, windowS, end, start]);

  if (services !== null && services.length === 0) return <EmptyState />;
  const route = (m: Record<string, string>) => (convention ? m[convention.route] ?? '(no route)' : '');
  const method = (m: Record<string, string>) => (convention ? m[convention.method] ?? '' : '');
  return (
    <div className="dashboard">
      <form className="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          Service
          <select value={service} onChange={(e) => setParams({ ...params, service: e.target.value, route: '' })}>
            {(services ?? []).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Time range
          <select value={params.from ? 'custom' : String(params.range ?? 3600)} onChange={(e) => setParams({ ...params, range: e.target.value, from: '', to: '' })}>
            {params.from && <option value="custom">Custom (zoomed)</option>}
            {RANGES.map((r) => (
              <option key={r.seconds} value={r.seconds}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Auto-refresh
          <select value={String(refresh)} onChange={(e) => setParams({ ...params, refresh: e.target.value === '0' ? '' : e.target.value })}>
            {REFRESH.map((r) => (
              <option key={r.seconds} value={r.seconds}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Route filter (regex)
          <input value={routeFilter} onChange={(e) => setParams({ ...params, route: e.target.value }, true)} placeholder="all routes" />
        </label>
        <button type="button" onClick={() => { setNow(Math.floor(Date.now() / 1000)); setRefreshKey((k) => k + 1); }}>
          Refresh now
        </button>
      </form>
      {convention && <p className="convention">This service sends the {convention.description}.</p>}
      {q && convention && (
        <div className="panels">
          <Panel title="Requests per second by route" unit="reqps" queries={[{ query: q.requestsByRoute, legend: (m) => `${method(m)} ${route(m)}` }]} {...{ start, end, step, refreshKey, onZoom }} />
          <Panel title="Errors per second by status code" unit="reqps" queries={[{ query: q.errorsByStatus, legend: (m) => `${m[convention.status]} (${statusClass(m[convention.status] ?? '')})` }]} empty="No 4xx or 5xx responses in this time range." {...{ start, end, step, refreshKey, onZoom }} />
          <Panel title="Error ratio (5xx)" unit="percent" queries={[{ query: q.errorRatio, legend: () => '5xx / all' }]} {...{ start, end, step, refreshKey, onZoom }} />
          <Panel
            title="Latency p50 / p95 / p99 by route"
            unit="s"
            queries={[0.5, 0.95, 0.99].map((p) => ({ query: q.latency(p), legend: (m: Record<string, string>) => `p${Math.round(p * 100)} ${route(m)}` }))}
            {...{ start, end, step, refreshKey, onZoom }}
          />
          <Panel title="Active requests" unit="short" queries={[{ query: q.activeRequests, legend: (m) => method(m) || 'all' }]} empty="No http_server_active_requests: Node's HTTP instrumentation does not record it." {...{ start, end, step, refreshKey, onZoom }} />
          <Panel
            title="Request / response body size (median)"
            unit="bytes"
            queries={[{ query: q.requestBodySize, legend: () => 'request' }, { query: q.responseBodySize, legend: () => 'response' }]}
            empty="No body-size histograms from this service."
            {...{ start, end, step, refreshKey, onZoom }}
          />
          <EndpointTable convention={convention} queries={q.table} time={end} refreshKey={refreshKey} onSelect={(r) => setParams({ ...params, route: escapeRegex(r) })} />
        </div>
      )}
    </div>
  );
}
