/** @module Explore: any PromQL expression as a graph or a table, errors shown at their position. */
import { useRef, useState } from 'react';
import { ApiError, instantQuery, rangeQuery, type InstantSample, type RangeSeries } from '../api.ts';
import { Chart } from '../components/Chart.tsx';
import { PromqlEditor, type EditorHandle } from '../components/PromqlEditor.tsx';
import { RANGES, stepFor, timeWindow, type Params } from '../url-state.ts';

function metricText(m: Record<string, string>): string {
  const { __name__: name = '', ...rest } = m;
  const labels = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(', ');
  return `${name}{${labels}}`;
}

export function Explore({ params, setParams }: { params: Params; setParams: (p: Params, replace?: boolean) => void }) {
  const [draft, setDraft] = useState(params.q ?? '');
  const [graph, setGraph] = useState<RangeSeries[] | null>(null);
  const [table, setTable] = useState<InstantSample[] | string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const editor = useRef<EditorHandle | null>(null);
  const view = params.view === 'table' ? 'table' : 'graph';
  const query = params.q ?? '';

  const run = async (q: string, v: string, p: Params) => {
    if (q.trim() === '') return;
    setError(null);
    const now = Math.floor(Date.now() / 1000);
    const { start, end } = timeWindow(p, now);
    try {
      if (v === 'graph') {
        const r = await rangeQuery(q, start, end, stepFor(start, end));
        setGraph(r.data.result);
        setWarnings(r.warnings);
      } else {
        const r = await instantQuery(q, end);
        setTable(Array.isArray(r.data.result) && (r.data.result.length === 0 || typeof r.data.result[0] === 'object') ? (r.data.result as InstantSample[]) : String((r.data.result as [number, string])[1]));
        setWarnings(r.warnings);
      }
    } catch (e) {
      setGraph(null);
      setTable(null);
      setError(e instanceof Error ? e.message : String(e));
      if (e instanceof ApiError && e.position) editor.current?.focusAt(e.position.line, e.position.col);
    }
  };

  const submit = (p: Params = params) => {
    const next: Params = { ...p, q: draft };
    setParams(next);
    void run(draft, next.view === 'table' ? 'table' : 'graph', next);
  };

  return (
    <div className="explore">
      <form className="controls" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <PromqlEditor value={draft} onChange={setDraft} onRun={() => submit()} handle={editor} />
        <button type="submit">Run query</button>
        <label>
          Time range
          <select value={String(params.range ?? 3600)} onChange={(e) => submit({ ...params, range: e.target.value })}>
            {RANGES.map((r) => (
              <option key={r.seconds} value={r.seconds}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <div role="tablist" aria-label="Result view">
          {(['graph', 'table'] as const).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => submit({ ...params, view: v })}>
              {v === 'graph' ? 'Graph' : 'Table'}
            </button>
          ))}
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
      {!error && query !== '' && view === 'graph' && graph && (graph.length === 0 ? <p className="empty">Empty result.</p> : <Chart series={graph} legend={metricText} onZoom={(from, to) => submit({ ...params, from: String(from), to: String(to) })} />)}
      {!error && query !== '' && view === 'table' && table !== null && (
        typeof table === 'string' ? (
          <p className="scalar">{table}</p>
        ) : (
          <table aria-label="Query result">
            <thead>
              <tr>
                <th>Series</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {table.map((s, i) => (
                <tr key={i}>
                  <td>{metricText(s.metric)}</td>
                  <td>{s.value[1]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </div>
  );
}
