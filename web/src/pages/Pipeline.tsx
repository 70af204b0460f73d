/**
 * @module Pipeline health (what Alloy's UI shows): each receiver's requests, points received and
 * rejected (with the reasons), every scrape target with its health and last error, which services
 * pushed and when, the remote_write queues out, and the store's figures. Sources: Pharos' own
 * /metrics, /api/v1/targets, `timestamp(target_info)`, and /api/v1/status/tsdb.
 */
import { useEffect, useState } from 'react';
import { activeTargets, instantVector, selfMetrics, tsdbStatus, type ActiveTarget, type InstantSample, type SelfSample, type TsdbStatus } from '../api.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ago, breakdown, formatBytes, receivers, remoteQueues } from '../pipeline-data.ts';

/** Target health as text and a symbol, so it never relies on colour alone. */
const HEALTH = { up: '✓ up', down: '✕ down', unknown: '? not scraped yet' } as const;
/** Go's zero time: a target not scraped yet. */
const NEVER = '0001-01-01T00:00:00Z';

/** A target's labels other than job (its column) as `name="value"` text. */
function targetLabels(t: ActiveTarget): string {
  return Object.entries(t.labels)
    .filter(([k]) => k !== 'job')
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}

/** The Pipeline page, refreshed every 10 s. */
export function Pipeline() {
  const [self, setSelf] = useState<SelfSample[] | null>(null);
  const [pushes, setPushes] = useState<InstantSample[]>([]);
  const [tsdb, setTsdb] = useState<TsdbStatus | null>(null);
  const [targets, setTargets] = useState<ActiveTarget[] | null>(null);
  const [scraped, setScraped] = useState<InstantSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const ac = new AbortController();
    const load = () => {
      const t = Date.now() / 1000;
      Promise.all([
        selfMetrics(ac.signal),
        // target_info is written with every export, so its newest sample is the last push.
        instantVector('max by (service_name, service_namespace, job) (timestamp(target_info))', t, ac.signal),
        tsdbStatus(ac.signal),
        activeTargets(ac.signal),
        // The report series every scrape writes: samples in the body, and kept after metric relabelling.
        instantVector('{__name__=~"scrape_samples_scraped|scrape_samples_post_metric_relabeling"}', t, ac.signal),
      ])
        .then(([s, p, status, active, report]) => {
          setScraped(report);
          setSelf(s);
          setTargets(active.slice().sort((a, b) => (a.scrapePool + a.scrapeUrl < b.scrapePool + b.scrapeUrl ? -1 : 1)));
          setPushes(p.slice().sort((a, b) => Number(b.value[1]) - Number(a.value[1])));
          setTsdb(status);
          setNow(t);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!ac.signal.aborted) setError(e instanceof Error ? e.message : String(e));
        });
    };
    load();
    const id = setInterval(load, 10_000);
    return () => {
      ac.abort();
      clearInterval(id);
    };
  }, []);
  const rows = receivers(self ?? []);
  const metric = (name: string) => self?.find((s) => s.name === name)?.value;
  const head = tsdb?.headStats;
  const queues = remoteQueues(self ?? []);
  const samplesOf = (t: ActiveTarget, name: string): string => {
    const m = scraped.find((x) => x.metric.__name__ === name && x.metric.job === t.labels.job && x.metric.instance === t.labels.instance);
    return m ? m.value[1] : '–';
  };
  const nothingYet = self !== null && rows.every((r) => r.requests === 0) && pushes.length === 0 && (targets ?? []).length === 0;
  return (
    <div className="pipeline">
      <h1 className="visually-hidden">Pipeline</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {nothingYet && <EmptyState title="Nothing received yet" />}
      <section className="panel wide" aria-labelledby="receivers-title">
        <h2 id="receivers-title">Receivers</h2>
        <p className="panel-note">Counts since Pharos started (its own /metrics). A failed request or a rejected point is one the sender was told about.</p>
        <table aria-label="Receivers">
          <thead>
            <tr>
              <th scope="col">Receiver</th>
              <th scope="col">Protocol</th>
              <th scope="col">Requests</th>
              <th scope="col">Failed requests (by code)</th>
              <th scope="col">Points received</th>
              <th scope="col">Points rejected</th>
              <th scope="col">Rejection reasons</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={7}>{self === null ? 'Loading…' : 'No receiver has handled a request yet.'}</td>
              </tr>
            )}
            {rows.map((r) => (
              <tr key={`${r.receiver} ${r.protocol}`} data-protocol={r.protocol} data-receiver={r.receiver}>
                <th scope="row">{r.receiver}</th>
                <td>{r.protocol}</td>
                <td data-column="requests">{r.requests}</td>
                <td data-column="failed">
                  {r.failed}
                  {r.failed > 0 && ` (${breakdown(r.failedByCode)})`}
                </td>
                <td data-column="points">{r.points}</td>
                <td data-column="rejected">
                  {r.rejected > 0 && <span aria-hidden="true">⚠ </span>}
                  {r.rejected}
                </td>
                <td data-column="reasons">{breakdown(r.rejectedByReason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-labelledby="targets-title">
        <h2 id="targets-title">Scrape targets</h2>
        <p className="panel-note">The scrape_configs jobs (and host metrics, as job &quot;node&quot;) with each target&apos;s last scrape, as Prometheus&apos; /api/v1/targets reports them.</p>
        <table aria-label="Scrape targets">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Labels</th>
              <th scope="col">Last scrape</th>
              <th scope="col">Duration</th>
              <th scope="col">Samples scraped / kept</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {(targets ?? []).length === 0 && (
              <tr>
                <td colSpan={8}>{targets === null ? 'Loading…' : 'No scrape targets: add scrape_configs to the config file (Prometheus syntax) to pull /metrics endpoints.'}</td>
              </tr>
            )}
            {(targets ?? []).map((t) => {
              const seen = t.lastScrape !== NEVER && t.lastScrape !== '';
              return (
                <tr key={`${t.scrapePool} ${t.scrapeUrl}`} data-job={t.scrapePool} data-url={t.scrapeUrl} data-health={t.health}>
                  <th scope="row">{t.scrapeUrl}</th>
                  <td>{t.scrapePool}</td>
                  <td data-column="health" className={`health-${t.health}`}>
                    {HEALTH[t.health] ?? t.health}
                  </td>
                  <td data-column="labels">{targetLabels(t)}</td>
                  <td data-column="last-scrape">{seen ? <time dateTime={t.lastScrape}>{ago(now - Date.parse(t.lastScrape) / 1000)}</time> : 'never'}</td>
                  <td>{seen ? `${(t.lastScrapeDuration * 1000).toFixed(1)} ms` : '–'}</td>
                  <td data-column="samples">
                    {samplesOf(t, 'scrape_samples_scraped')} / {samplesOf(t, 'scrape_samples_post_metric_relabeling')}
                  </td>
                  <td data-column="error" className={t.lastError ? 'error-text' : undefined}>
                    {t.lastError || 'none'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-labelledby="services-title">
        <h2 id="services-title">Services pushing metrics</h2>
        <p className="panel-note">Newest target_info sample per service, written with every OTLP export.</p>
        <table aria-label="Services">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Namespace</th>
              <th scope="col">Job</th>
              <th scope="col">Last push</th>
            </tr>
          </thead>
          <tbody>
            {pushes.length === 0 && (
              <tr>
                <td colSpan={4}>No service has pushed OTLP metrics in the last 5 minutes.</td>
              </tr>
            )}
            {pushes.map((p) => (
              <tr key={`${p.metric.service_name} ${p.metric.service_namespace} ${p.metric.job}`} data-service={p.metric.service_name ?? p.metric.job ?? ''}>
                <th scope="row">{p.metric.service_name ?? p.metric.job ?? '–'}</th>
                <td>{p.metric.service_namespace ?? '–'}</td>
                <td>{p.metric.job ?? '–'}</td>
                <td>
                  <time dateTime={new Date(Number(p.value[1]) * 1000).toISOString()}>{ago(now - Number(p.value[1]))}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-labelledby="remote-title">
        <h2 id="remote-title">Remote write out</h2>
        <p className="panel-note">Each remote_write destination&apos;s disk-buffered queue, counts since Pharos started.</p>
        <table aria-label="Remote write queues">
          <thead>
            <tr>
              <th scope="col">Remote</th>
              <th scope="col">URL</th>
              <th scope="col">Samples sent</th>
              <th scope="col">Pending</th>
              <th scope="col">Retried</th>
              <th scope="col">Failed</th>
              <th scope="col">Dropped (by reason)</th>
              <th scope="col">Buffer</th>
              <th scope="col">Behind</th>
            </tr>
          </thead>
          <tbody>
            {queues.length === 0 && (
              <tr>
                <td colSpan={9}>{self === null ? 'Loading…' : 'No remote_write destinations configured.'}</td>
              </tr>
            )}
            {queues.map((q) => (
              <tr key={`${q.remoteName} ${q.url}`} data-remote={q.remoteName}>
                <th scope="row">{q.remoteName}</th>
                <td>{q.url}</td>
                <td data-column="sent">{q.sent}</td>
                <td>{q.pending}</td>
                <td>{q.retried}</td>
                <td>{q.failed}</td>
                <td>
                  {q.dropped}
                  {q.dropped > 0 && ` (${breakdown(q.droppedByReason)})`}
                </td>
                <td>{formatBytes(q.bufferBytes)}</td>
                <td>{q.highestAppended > 0 ? `${Math.max(0, q.highestAppended - q.highestSent).toFixed(0)} s` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-labelledby="storage-title">
        <h2 id="storage-title">Storage</h2>
        <dl className="figures">
          <dt>Series</dt>
          <dd data-figure="series">{head ? head.numSeries : '…'}</dd>
          <dt>Label pairs</dt>
          <dd data-figure="label-pairs">{head ? head.numLabelPairs : '…'}</dd>
          <dt>Samples</dt>
          <dd data-figure="samples">{head?.numSamples ?? 'not reported by the API yet'}</dd>
          <dt>WAL size</dt>
          <dd data-figure="wal">{head?.walBytes !== undefined ? formatBytes(head.walBytes) : 'not reported by the API yet'}</dd>
          <dt>Oldest sample</dt>
          <dd data-figure="min-time">{head && head.minTime > 0 ? new Date(head.minTime).toLocaleString() : '–'}</dd>
          <dt>Process memory (RSS)</dt>
          <dd data-figure="rss">{formatBytes(metric('process_resident_memory_bytes'))}</dd>
          <dt>JavaScript heap used</dt>
          <dd data-figure="heap">{formatBytes(metric('nodejs_heap_size_used_bytes'))}</dd>
        </dl>
        {tsdb && tsdb.seriesCountByMetricName.length > 0 && (
          <table aria-label="Metrics with the most series">
            <caption>Metrics with the most series</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Series</th>
              </tr>
            </thead>
            <tbody>
              {tsdb.seriesCountByMetricName.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{m.name}</th>
                  <td>{m.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
