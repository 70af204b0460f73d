/** @module The per-endpoint table: req/s, error %, p50/p95/p99 per method and route; sortable; a click filters the dashboard. */
import { useEffect, useMemo, useState } from 'react';
import { instantQuery, type InstantSample } from '../api.ts';
import type { Convention, RedQueries } from '../red.ts';

export interface Row {
  method: string;
  route: string;
  rate: number;
  errorRatio: number;
  p50: number;
  p95: number;
  p99: number;
}

type Column = keyof Row;
const COLUMNS: Array<{ key: Column; label: string }> = [
  { key: 'route', label: 'Route' },
  { key: 'method', label: 'Method' },
  { key: 'rate', label: 'Req/s' },
  { key: 'errorRatio', label: 'Error %' },
  { key: 'p50', label: 'p50' },
  { key: 'p95', label: 'p95' },
  { key: 'p99', label: 'p99' },
];

function fmt(key: Column, v: number | string): string {
  if (typeof v === 'string') return v === '' ? '(no route)' : v;
  if (Number.isNaN(v)) return '–';
  if (key === 'rate') return v.toFixed(3);
  if (key === 'errorRatio') return `${(v * 100).toFixed(2)}`;
  return `${(v * 1000).toFixed(1)} ms`;
}

export function EndpointTable({ convention, queries, time, refreshKey, onSelect }: { convention: Convention; queries: RedQueries['table']; time: number; refreshKey: number; onSelect: (route: string) => void }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: Column; desc: boolean }>({ key: 'rate', desc: true });
  const qs = [queries.rate, queries.errorRatio, queries.latency(0.5), queries.latency(0.95), queries.latency(0.99)];
  useEffect(() => {
    const ac = new AbortController();
    Promise.all(qs.map((q) => instantQuery(q, time, ac.signal)))
      .then((results) => {
        const byKey = new Map<string, Row>();
        const fields: Array<keyof Row> = ['rate', 'errorRatio', 'p50', 'p95', 'p99'];
        results.forEach((r, i) => {
          for (const s of r.data.result as InstantSample[]) {
            const method = s.metric[convention.method] ?? '';
            const route = s.metric[convention.route] ?? '';
            const k = `${method} ${route}`;
            let row = byKey.get(k);
            if (!row) byKey.set(k, (row = { method, route, rate: NaN, errorRatio: NaN, p50: NaN, p95: NaN, p99: NaN }));
            (row[fields[i]] as number) = Number(s.value[1]);
          }
        });
        setRows([...byKey.values()]);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      });
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qs.join('\n'), time, refreshKey]);
  const sorted = useMemo(() => {
    const out = rows.slice();
    out.sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const c = typeof x === 'number' && typeof y === 'number' ? (Number.isNaN(x) ? -Infinity : x) - (Number.isNaN(y) ? -Infinity : y) : String(x).localeCompare(String(y));
      return sort.desc ? -c : c;
    });
    return out;
  }, [rows, sort]);
  return (
    <section className="panel wide" aria-label="Endpoints" data-queries={qs.join('\n')}>
      <h2>Endpoints</h2>
      {error && <p role="alert" className="error">{error}</p>}
      <table>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <button type="button" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : true }))}>
                  {c.label}
                  {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={`${r.method} ${r.route}`} data-route={r.route} data-method={r.method}>
              {COLUMNS.map((c) =>
                c.key === 'route' ? (
                  <td key={c.key}>
                    <button type="button" className="link" title="Show only this route" onClick={() => onSelect(r.route)}>
                      {fmt(c.key, r.route)}
                    </button>
                  </td>
                ) : (
                  <td key={c.key} data-column={c.key} data-value={String(r[c.key])}>
                    {fmt(c.key, r[c.key])}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
