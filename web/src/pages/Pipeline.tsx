/** @module Pipeline health (what Alloy's UI shows): receivers, services pushing, storage. */
import { useEffect, useState } from 'react';
import { instantQuery, selfMetrics, type InstantSample, type SelfSample } from '../api.ts';

interface ReceiverRow {
  receiver: string;
  protocol: string;
  requests: number;
  failed: number;
  points: number;
  rejected: number;
  lastRejectReason: string;
}

function receivers(samples: SelfSample[]): ReceiverRow[] {
  const rows = new Map<string, ReceiverRow>();
  const row = (l: Record<string, string>) => {
    const key = `${l.receiver ?? 'otlp'} ${l.protocol ?? ''}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { receiver: l.receiver ?? 'otlp', protocol: l.protocol ?? '', requests: 0, failed: 0, points: 0, rejected: 0, lastRejectReason: '' }));
    return r;
  };
  for (const s of samples) {
    if (s.name === 'pharos_receiver_requests_total') {
      const r = row(s.labels);
      r.requests += s.value;
      const code = s.labels.code ?? '';
      if (!(code === '200' || code === 'OK')) r.failed += s.value;
    } else if (s.name === 'pharos_receiver_points_received_total') row(s.labels).points += s.value;
    else if (s.name === 'pharos_receiver_points_rejected_total' && s.value > 0) {
      const r = row(s.labels);
      r.rejected += s.value;
      r.lastRejectReason = s.labels.reason ?? '';
    }
  }
  return [...rows.values()];
}

export function Pipeline() {
  const [self, setSelf] = useState<SelfSample[]>([]);
  const [pushes, setPushes] = useState<InstantSample[]>([]);
  const [seriesCount, setSeriesCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => {
      const now = Date.now() / 1000;
      Promise.all([
        selfMetrics(),
        // target_info is written with every export, so its newest sample is the last push.
        instantQuery('max by (service_name, service_namespace, job) (timestamp(target_info))', now),
        instantQuery('count({__name__=~".+"})', now),
      ])
        .then(([s, p, c]) => {
          setSelf(s);
          setPushes(p.data.result as InstantSample[]);
          const r = c.data.result as InstantSample[];
          setSeriesCount(r.length > 0 ? Number(r[0].value[1]) : 0);
          setError(null);
        })
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    };
    load();
    const id = setInterval(load, 10_000);
    return () => clearInterval(id);
  }, []);
  const rows = receivers(self);
  const now = Date.now() / 1000;
  return (
    <div className="pipeline">
      {error && <p role="alert" className="error">{error}</p>}
      <section className="panel wide" aria-label="Receivers">
        <h2>Receivers</h2>
        <table>
          <thead>
            <tr>
              <th>Receiver</th>
              <th>Protocol</th>
              <th>Requests</th>
              <th>Failed requests</th>
              <th>Points received</th>
              <th>Points rejected</th>
              <th>Last reject reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.receiver} ${r.protocol}`} data-protocol={r.protocol}>
                <td>{r.receiver}</td>
                <td>{r.protocol}</td>
                <td>{r.requests}</td>
                <td>{r.failed}</td>
                <td data-column="points">{r.points}</td>
                <td>{r.rejected}</td>
                <td>{r.lastRejectReason || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-label="Services">
        <h2>Services pushing metrics</h2>
        <table>
          <thead>
            <tr>
              <th>Service</th>
              <th>Job</th>
              <th>Last push</th>
            </tr>
          </thead>
          <tbody>
            {pushes.map((p) => (
              <tr key={`${p.metric.service_name} ${p.metric.job}`}>
                <td>{p.metric.service_name ?? p.metric.job ?? '–'}</td>
                <td>{p.metric.job ?? '–'}</td>
                <td>{Math.max(0, Math.round(now - Number(p.value[1])))} s ago</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel wide" aria-label="Storage">
        <h2>Storage</h2>
        <dl>
          <dt>Series</dt>
          <dd data-figure="series">{seriesCount ?? '…'}</dd>
          <dt>Process memory (RSS)</dt>
          <dd>{formatBytes(self.find((s) => s.name === 'process_resident_memory_bytes')?.value)}</dd>
        </dl>
      </section>
    </div>
  );
}

function formatBytes(v: number | undefined): string {
  if (v === undefined) return '–';
  return `${(v / 1024 / 1024).toFixed(0)} MiB`;
}
