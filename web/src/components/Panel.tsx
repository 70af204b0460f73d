/** @module A dashboard panel: runs its range queries for the current window and draws them. */
import { useEffect, useState } from 'react';
import { rangeQuery, type RangeSeries } from '../api.ts';
import { Chart, type ChartProps } from './Chart.tsx';

export interface PanelProps {
  readonly title: string;
  readonly queries: Array<{ query: string; legend: (m: Record<string, string>) => string }>;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly unit: ChartProps['unit'];
  readonly refreshKey: number;
  readonly empty?: string;
  readonly onZoom?: (from: number, to: number) => void;
}

export function Panel({ title, queries, start, end, step, unit, refreshKey, empty, onZoom }: PanelProps) {
  const [state, setState] = useState<{ series: RangeSeries[]; legends: Array<(m: Record<string, string>) => string>; error: string | null; loading: boolean }>({ series: [], legends: [], error: null, loading: true });
  const key = queries.map((q) => q.query).join('\n');
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    Promise.all(queries.map((q) => rangeQuery(q.query, start, end, step, ac.signal)))
      .then((results) => {
        const series: RangeSeries[] = [];
        const legends: Array<(m: Record<string, string>) => string> = [];
        results.forEach((r, i) => {
          for (const s of r.data.result) {
            series.push(s);
            legends.push(queries[i].legend);
          }
        });
        setState({ series, legends, error: null, loading: false });
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setState({ series: [], legends: [], error: e instanceof Error ? e.message : String(e), loading: false });
      });
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, start, end, step, refreshKey]);
  const legend = (m: Record<string, string>) => {
    const i = state.series.findIndex((s) => s.metric === m);
    return (state.legends[i] ?? (() => JSON.stringify(m)))(m);
  };
  return (
    <section className="panel" aria-label={title} data-queries={key}>
      <h2>{title}</h2>
      {state.error && <p role="alert" className="error">{state.error}</p>}
      {!state.error && !state.loading && state.series.length === 0 && <p className="empty">{empty ?? 'No data in this time range.'}</p>}
      {state.series.length > 0 && <Chart series={state.series} legend={legend} unit={unit} onZoom={onZoom} />}
      {state.series.length > 0 && (
        <ul className="legend-list" aria-label={`${title} series`}>
          {state.series.map((s, i) => (
            <li key={i}>{legend(s.metric)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
