/**
 * @module The per-endpoint table: req/s, error %, p50/p95/p99 per method and route over the
 * view's range. Sortable by every column (buttons in the headers); a row is one tab stop
 * (arrow keys move between rows) and Enter, Space or a click filters the panels by its route.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Row } from '../endpoints.ts';

type Column = 'route' | 'method' | 'rate' | 'errorRatio' | 'p50' | 'p95' | 'p99';
const COLUMNS: Array<{ key: Column; label: string; unit?: string }> = [
  { key: 'route', label: 'Route' },
  { key: 'method', label: 'Method' },
  { key: 'rate', label: 'Req/s' },
  { key: 'errorRatio', label: 'Error %' },
  { key: 'p50', label: 'p50' },
  { key: 'p95', label: 'p95' },
  { key: 'p99', label: 'p99' },
];

function fmt(key: Column, v: number): string {
  if (Number.isNaN(v)) return '–';
  if (key === 'rate') return v.toFixed(3);
  if (key === 'errorRatio') return (v * 100).toFixed(2);
  return `${(v * 1000).toFixed(1)} ms`;
}

/** The table's inputs: rows (null while loading), the selected route and the selection callback. */
export interface EndpointTableProps {
  readonly rows: readonly Row[] | null;
  readonly error: string | null;
  /** The route the panels are filtered by (exactly), if any. */
  readonly selected: string | null;
  readonly onSelect: (route: string | null) => void;
  /** The PromQL each column equals, one per line (rate, error ratio, p50, p95, p99), and the evaluation time (s). */
  readonly equivalent: readonly string[];
  readonly time: number;
}

/** The Endpoints region: a sortable table of rows, one tab stop, selection filters the panels. */
export function EndpointTable({ rows, error, selected, onSelect, equivalent, time }: EndpointTableProps) {
  const [sort, setSort] = useState<{ key: Column; desc: boolean }>({ key: 'rate', desc: true });
  const [active, setActive] = useState(0);
  const buttons = useRef<Array<HTMLButtonElement | null>>([]);
  const sorted = useMemo(() => {
    const out = (rows ?? []).slice();
    const { key, desc } = sort;
    out.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      const c = typeof x === 'number' && typeof y === 'number' ? (Number.isNaN(x) ? -Infinity : x) - (Number.isNaN(y) ? -Infinity : y) : String(x).localeCompare(String(y));
      return desc ? -c : c;
    });
    return out;
  }, [rows, sort]);
  const focusRow = (i: number) => {
    const n = Math.max(0, Math.min(sorted.length - 1, i));
    setActive(n);
    buttons.current[n]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, Home: 0, End: sorted.length - 1, PageDown: active + 10, PageUp: active - 10 };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]);
    }
  };
  const pending = rows?.filter((r) => r.latency === 'pending').length ?? 0;
  const activeRow = Math.min(active, Math.max(0, sorted.length - 1));
  return (
    <section className="panel wide" aria-labelledby="endpoints-title" aria-busy={rows === null || pending > 0} data-queries={equivalent.join('\n')} data-time={time}>
      <div className="panel-head">
        <h2 id="endpoints-title">Endpoints</h2>
        {selected !== null && (
          <button type="button" onClick={() => onSelect(null)}>
            Show all routes
          </button>
        )}
      </div>
      <p className="panel-note" id="endpoints-help">
        Over the selected time range{rows ? `, ${rows.length} endpoints` : ''}. Select a row (arrow keys move between rows, Enter selects) to show only its route in the panels.
        {pending > 0 && ` Latencies of ${pending} less busy endpoints are still loading.`}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {rows === null && !error && <p className="loading">Loading…</p>}
      {rows !== null && (
        <div className="table-scroll">
          <table aria-label="Endpoints" aria-describedby="endpoints-help">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" className="sort" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.key !== 'route' && c.key !== 'method' }))}>
                      {c.label}
                      <span aria-hidden="true">{sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody onKeyDown={onKeyDown}>
              {sorted.map((r, i) => {
                const isSelected = selected === r.route;
                return (
                  <tr key={`${r.method} ${r.route}`} data-route={r.route} data-method={r.method} className={isSelected ? 'selected' : undefined} onClick={(e) => {
                    if ((e.target as HTMLElement).closest('button')) return;
                    onSelect(isSelected ? null : r.route);
                  }}>
                    <th scope="row">
                      <button
                        type="button"
                        className="row-select"
                        ref={(b) => {
                          buttons.current[i] = b;
                        }}
                        tabIndex={i === activeRow ? 0 : -1}
                        aria-pressed={isSelected}
                        onFocus={() => setActive(i)}
                        onClick={() => onSelect(isSelected ? null : r.route)}
                      >
                        {isSelected && <span className="selected-mark" aria-hidden="true">✓ </span>}
                        {r.route === '' ? '(no route)' : r.route}
                        <span className="visually-hidden"> {r.method}</span>
                      </button>
                    </th>
                    <td>{r.method}</td>
                    {(['rate', 'errorRatio', 'p50', 'p95', 'p99'] as const).map((k) => {
                      const pendingCell = r.latency === 'pending' && k !== 'rate' && k !== 'errorRatio';
                      return (
                        <td key={k} data-column={k} data-value={pendingCell ? '' : String(r[k])}>
                          {pendingCell ? <span aria-label="loading">…</span> : fmt(k, r[k])}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
