/**
 * @module The per-endpoint table: req/s, error %, p50/p95/p99 per method and route over the
 * view's range. Sortable by every column (buttons in the headers); a row is one tab stop
 * (arrow keys move between rows) and Enter, Space or a click filters the panels by its route.
 * Only the rows in its scroll box (and a few either side) are rendered; aria-rowcount and
 * aria-rowindex tell assistive technology the whole table's size and each row's place in it.
 */
import { memo, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type ReactNode } from 'react';
import type { Row } from '../endpoints.ts';
import { renderedRows, rowWindow } from '../row-window.ts';

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

/**
 * The scroll box's geometry (px) until a scroll measures it: .table-scroll's 32rem, the header, and
 * a row a little lower than it comes out (29 px here), so the first render has rows to spare, never a gap.
 */
const BOX_ESTIMATE = { scrollPx: 0, viewPx: 512, headPx: 30, rowPx: 28 };
type BoxGeometry = typeof BOX_ESTIMATE;

interface RowProps {
  readonly row: Row;
  /** The row's place in the sorted table (from 0). */
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
    <tr data-route={r.route} data-method={r.method} aria-rowindex={index + 2} className={selected ? 'selected' : undefined} onClick={(e) => {
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
  const box = useRef<HTMLDivElement>(null);
  const [geometry, setGeometry] = useState<BoxGeometry>(BOX_ESTIMATE);
  // A row to focus once it is rendered (the arrow keys moved past the rendered ones).
  const focusPending = useRef<number | null>(null);
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
  const rowButton = (i: number) => body.current?.querySelector<HTMLButtonElement>(`button.row-select[data-index="${i}"]`) ?? null;
  // Read on scroll (layout is clean then), at most once a frame; the row height is the rendered rows' mean.
  const measureFrame = useRef(0);
  const measure = (): BoxGeometry | null => {
    const b = box.current;
    const rendered = body.current?.querySelectorAll<HTMLTableRowElement>('tr[data-route]');
    if (!b || !rendered || rendered.length === 0) return null;
    // The window's rows are consecutive; the tab stop's row, kept rendered, may sit apart at either end.
    const place = (i: number) => Number(rendered[i].getAttribute('aria-rowindex'));
    let first = 0;
    let last = rendered.length - 1;
    if (last > first && place(first + 1) !== place(first) + 1) first += 1;
    if (last > first && place(last) !== place(last - 1) + 1) last -= 1;
    const rowPx = (rendered[last].offsetTop + rendered[last].offsetHeight - rendered[first].offsetTop) / (last - first + 1);
    return { scrollPx: b.scrollTop, viewPx: b.clientHeight, headPx: b.querySelector('thead')?.offsetHeight ?? BOX_ESTIMATE.headPx, rowPx };
  };
  const onScroll = () => {
    if (measureFrame.current) return;
    measureFrame.current = requestAnimationFrame(() => {
      measureFrame.current = 0;
      const g = measure();
      if (g) setGeometry(g);
    });
  };
  useLayoutEffect(() => () => cancelAnimationFrame(measureFrame.current), []);
  const focusRow = (i: number) => {
    const n = Math.max(0, Math.min(sorted.length - 1, i));
    setActive(n);
    const button = rowButton(n);
    if (button) return button.focus();
    // Not rendered: render the rows around it (as if scrolled there, centred) and focus it then,
    // which scrolls the box to it (the box cannot scroll there before its spacers have the height).
    const g = measure() ?? geometry;
    const scrollPx = Math.max(0, Math.min(g.headPx + sorted.length * g.rowPx - g.viewPx, g.headPx + n * g.rowPx - g.viewPx / 2));
    focusPending.current = n;
    setGeometry({ ...g, scrollPx });
  };
  useLayoutEffect(() => {
    if (focusPending.current === null) return;
    const button = rowButton(focusPending.current);
    focusPending.current = null;
    button?.focus();
  });
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
  const shown = rowWindow(sorted.length, geometry.scrollPx, geometry.viewPx, geometry.headPx, geometry.rowPx);
  const activeRow = Math.min(active, Math.max(0, sorted.length - 1));
  // Rows not rendered take their height in spacer rows, so the scroll bar and positions stay the table's.
  const spacer = (rows: number, before: number) => (
    <tr key={`spacer-${before}`} className="row-spacer" aria-hidden="true">
      <td colSpan={COLUMNS.length} style={{ height: `${rows * geometry.rowPx}px` }} />
    </tr>
  );
  const bodyRows: ReactNode[] = [];
  let next = 0;
  // The row the arrow keys last moved to is the one tab stop, rendered even when scrolled away.
  for (const i of renderedRows(shown, activeRow, sorted.length)) {
    if (i > next) bodyRows.push(spacer(i - next, i));
    const r = sorted[i];
    bodyRows.push(<EndpointRow key={`${r.method} ${r.route}`} row={r} index={i} selected={selected === r.route} tabbable={i === activeRow} onSelect={onSelect} />);
    next = i + 1;
  }
  if (next < sorted.length) bodyRows.push(spacer(sorted.length - next, sorted.length));
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
        <div className="table-scroll" ref={box} onScroll={onScroll}>
          <table aria-label="Endpoints" aria-describedby="endpoints-help" aria-rowcount={sorted.length + 1}>
            <colgroup>
              {COLUMNS.map((c) => (
                <col key={c.key} className={`col-${c.key}`} />
              ))}
            </colgroup>
            <thead>
              <tr aria-rowindex={1}>
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
              {bodyRows}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});
