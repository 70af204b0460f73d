/**
 * @module The per-endpoint table: req/s, error %, p50/p95/p99 per method and route over the
 * view's range. Sortable by every column (buttons in the headers); a row is one tab stop
 * (arrow keys move between rows) and Enter, Space or a click filters the panels by its route.
 */
import { memo, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
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
  /** Keep it the same function across renders (useCallback): the rows are only redrawn when they change. */
  readonly onSelect: (route: string | null) => void;
  /** The PromQL each column equals, one per line (rate, error ratio, p50, p95, p99), and the evaluation time (s). */
  readonly equivalent: string;
  readonly time: number;
}

interface RowProps {
  readonly row: Row;
  readonly index: number;
  readonly selected: boolean;
  /** The one row in the tab order (the rows are one tab stop). */
  readonly tabbable: boolean;
  readonly onSelect: (route: string | null) => void;
}

/**
 * One endpoint. Memoised: a latency batch replaces only its rows' objects, so only those are
 * drawn again (with 200 rows, redrawing all of them on each change was most of the page's work).
 */
const EndpointRow = memo(function EndpointRow({ row: r, index, selected, tabbable, onSelect }: RowProps) {
  return (
    <tr data-route={r.route} data-method={r.method} className={selected ? 'selected' : undefined} onClick={(e) => {
      if ((e.target as HTMLElement).closest('button')) return;
      onSelect(selected ? null : r.route);
    }}>
      <th scope="row">
        <button type="button" className="row-select" data-index={index} tabIndex={tabbable ? 0 : -1} aria-pressed={selected} onClick={() => onSelect(selected ? null : r.route)}>
          {selected && <span className="selected-mark" aria-hidden="true">✓ </span>}
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
});

/** The Endpoints region: a sortable table of rows, one tab stop, selection filters the panels. Memoised. */
export const EndpointTable = memo(function EndpointTable({ rows, error, selected, onSelect, equivalent, time }: EndpointTableProps) {
  const [sort, setSort] = useState<{ key: Column; desc: boolean }>({ key: 'rate', desc: true });
  const [active, setActive] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);
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
    body.current?.querySelectorAll<HTMLButtonElement>('button.row-select')[n]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, Home: 0, End: sorted.length - 1, PageDown: active + 10, PageUp: active - 10 };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]);
    }
  };
  // A row focused by click or Tab becomes the one the arrow keys move from.
  const onFocus = (e: FocusEvent<HTMLTableSectionElement>) => {
    const i = (e.target as HTMLElement).dataset.index;
    if (i !== undefined) setActive(Number(i));
  };
  const pending = rows?.filter((r) => r.latency === 'pending').length ?? 0;
  const activeRow = Math.min(active, Math.max(0, sorted.length - 1));
  return (
    <section className="panel wide" aria-labelledby="endpoints-title" aria-busy={rows === null || pending > 0} data-queries={equivalent} data-time={time}>
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
            <tbody ref={body} onKeyDown={onKeyDown} onFocus={onFocus}>
              {sorted.map((r, i) => (
                <EndpointRow key={`${r.method} ${r.route}`} row={r} index={i} selected={selected === r.route} tabbable={i === activeRow} onSelect={onSelect} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});
