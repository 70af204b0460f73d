/** @module Explore: any PromQL expression as a graph or a table, errors shown at their position. */
import { useEffect, useRef, useState } from 'react';
import { ApiError, instantQuery, rangeQuery, type QueryResult } from '../api.ts';
import { onGrid, stepGrid, type ChartData } from '../chart-data.ts';
import { Chart } from '../components/Chart.tsx';
import { PromqlEditor, type EditorHandle } from '../components/PromqlEditor.tsx';
import { TimeRangePicker } from '../components/TimeRangePicker.tsx';
import { stepFor, timeWindow, type Params } from '../time-window.ts';

/** `name{a="b", …}` as PromQL writes a series. */
export function metricText(m: Record<string, string>): string {
  const { __name__: name = '', ...rest } = m;
  const labels = Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return `${name}{${labels}}`;
}

/** One row of the table view: a series and its value (a range selector's: every sample, "v @t" each). */
export interface TableRow {
  readonly metric: Record<string, string>;
  readonly value: string;
}

/** An instant answer as the table view shows it: one row per series, or a scalar's or string's value. */
export function tableOf(r: QueryResult): TableRow[] | string {
  switch (r.resultType) {
    case 'vector': return r.result.map((s) => ({ metric: s.metric, value: s.value[1] }));
    case 'matrix': return r.result.map((s) => ({ metric: s.metric, value: s.values.map(([t, v]) => `${v} @${t}`).join('\n') }));
    case 'scalar':
    case 'string': return r.result[1];
  }
}

interface Failure {
  readonly message: string;
  readonly position: { line: number; col: number } | null;
  readonly query: string;
}

/** The query's line with a caret under the column the server named. */
function ErrorAt({ failure }: { failure: Failure }) {
  if (!failure.position) return null;
  const line = failure.query.split('\n')[failure.position.line - 1] ?? '';
  return (
    <pre className="error-excerpt" aria-hidden="true">
      {line}
      {'\n'}
      {' '.repeat(Math.max(0, failure.position.col - 1))}^
    </pre>
  );
}

/** The Explore page; `params.q` is the query, `params.view` graph or table, and the range as on the dashboard. */
export function Explore({ params, setParams }: { params: Params; setParams: (p: Params, replace?: boolean) => void }) {
  const [draft, setDraft] = useState(params.q ?? '');
  const [graph, setGraph] = useState<ChartData | null>(null);
  const [table, setTable] = useState<TableRow[] | string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [running, setRunning] = useState(false);
  const editor = useRef<EditorHandle | null>(null);
  const view = params.view === 'table' ? 'table' : 'graph';
  const query = params.q ?? '';

  const run = async (q: string, v: string, p: Params) => {
    if (q.trim() === '') return;
    setFailure(null);
    setRunning(true);
    const { start, end } = timeWindow(p, Math.floor(Date.now() / 1000));
    try {
      if (v === 'graph') {
        const step = stepFor(start, end);
        const r = await rangeQuery(q, start, end, step);
        const times = stepGrid(start, end, step);
        setGraph({ times, lines: r.data.result.map((s, i) => ({ label: metricText(s.metric), values: onGrid(times, s), colour: i })) });
        setWarnings(r.warnings);
      } else {
        const r = await instantQuery(q, end);
        setTable(tableOf(r.data));
        setWarnings(r.warnings);
      }
    } catch (e) {
      setGraph(null);
      setTable(null);
      const position = e instanceof ApiError ? e.position : null;
      const message = e instanceof Error ? e.message : String(e);
      setFailure({ message, position, query: q });
      if (position) {
        editor.current?.markError(position.line, position.col, message);
        editor.current?.focusAt(position.line, position.col);
      }
    } finally {
      setRunning(false);
    }
  };

  // A shared link runs its query on arrival; so do Back and Forward.
  useEffect(() => {
    setDraft(query);
    void run(query, view, params);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, view, params.range, params.from, params.to]);

  const submit = (p: Params = params) => {
    const next: Params = { ...p, q: draft };
    if (next.q === params.q && next.view === params.view && next.range === params.range && next.from === params.from && next.to === params.to) void run(draft, next.view === 'table' ? 'table' : 'graph', next);
    else setParams(next);
  };

  return (
    <div className="explore">
      <h1 className="visually-hidden">Explore</h1>
      <form
        className="controls"
        aria-label="Query"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <PromqlEditor value={draft} onChange={setDraft} onRun={() => submit()} handle={editor} />
        <button type="submit">Run query</button>
        <TimeRangePicker params={params} setParams={(p) => submit(p)} start={timeWindow(params, Math.floor(Date.now() / 1000)).start} end={timeWindow(params, Math.floor(Date.now() / 1000)).end} />
        <div role="tablist" aria-label="Result view">
          {(['graph', 'table'] as const).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => submit({ ...params, view: v })}>
              {v === 'graph' ? 'Graph' : 'Table'}
            </button>
          ))}
        </div>
      </form>
      {failure && (
        <div className="query-error">
          <p role="alert" className="error">
            {failure.message}
            {failure.position && ` (line ${failure.position.line}, column ${failure.position.col})`}
          </p>
          <ErrorAt failure={failure} />
        </div>
      )}
      {warnings.map((w) => (
        <p key={w} className="warning">
          Warning: {w}
        </p>
      ))}
      {query === '' && !failure && (
        <p className="empty">
          Type a PromQL expression (Ctrl+Space completes metric names, labels and functions), then press Enter. For example{' '}
          <code>sum by (http_route) (rate(http_server_request_duration_seconds_count[5m]))</code>.
        </p>
      )}
      <div aria-busy={running}>
        {!failure && query !== '' && view === 'graph' && graph && (graph.lines.length === 0 ? <p className="empty">Empty result.</p> : <Chart data={graph} label={`Graph of ${graph.lines.length} series; the legend below names them`} onZoom={(from, to) => submit({ ...params, from: String(from), to: String(to), range: '' })} />)}
        {!failure && query !== '' && view === 'table' && table !== null &&
          (typeof table === 'string' ? (
            <p className="scalar">{table}</p>
          ) : table.length === 0 ? (
            <p className="empty">Empty result.</p>
          ) : (
            <table aria-label="Query result">
              <thead>
                <tr>
                  <th scope="col">Series</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {table.map((s, i) => (
                  <tr key={i}>
                    <td>{metricText(s.metric)}</td>
                    <td className="value">{s.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </div>
    </div>
  );
}
