/**
 * @module A dashboard panel: loads its chart data for the current view and draws it, or says
 * why there is nothing to draw. Reports to the ReadyTracker once what it shows is on screen.
 */
import { useLayoutEffect, useState } from 'react';
import type { ChartData } from '../chart-data.ts';
import type { ReadyTracker } from '../ready.ts';
import { Chart, type Unit } from './Chart.tsx';

/** One panel's title, unit, what it loads and what it says when there is nothing to draw. */
export interface PanelProps {
  readonly title: string;
  readonly unit: Unit;
  /** Names what `load` fetches; a new key loads again. Null while an input is missing (shows "Loading"). */
  readonly loadKey: string | null;
  readonly load: (signal: AbortSignal) => Promise<ChartData>;
  /** Shown when the data has no lines. */
  readonly empty?: string;
  /** A line under the title, e.g. which routes are drawn. */
  readonly note?: string;
  /** Where "Open in Explore" leads (a URL of the Explore page). */
  readonly exploreHref?: string;
  readonly wide?: boolean;
  readonly onZoom?: (from: number, to: number) => void;
  readonly ready?: { readonly tracker: ReadyTracker; readonly generation: string };
}

interface Loaded {
  readonly key: string;
  readonly data: ChartData | null;
  readonly error: string | null;
}

/** A region named by its title holding a chart, or a loading, empty or error note. */
export function Panel({ title, unit, loadKey, load, empty, note, exploreHref, wide, onZoom, ready }: PanelProps) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  // The key whose data is on screen (chart drawn, or the empty/error note rendered).
  const [shownKey, setShownKey] = useState<string | null>(null);
  // Layout effects: each step (ask, show, report) follows the commit that needs it in the same
  // task, not a frame later (Preact runs plain effects after the next paint: three hops of a frame
  // or more, on a busy main thread, between the data's arrival and the panel counting as drawn).
  useLayoutEffect(() => {
    if (loadKey === null) return;
    const ac = new AbortController();
    load(ac.signal)
      .then((data) => {
        if (!ac.signal.aborted) setLoaded({ key: loadKey, data, error: null });
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setLoaded({ key: loadKey, data: null, error: e instanceof Error ? e.message : String(e) });
      });
    return () => ac.abort();
    // `load` is a new closure each render; `loadKey` says when it fetches something else.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey]);
  const hasLines = loaded !== null && loaded.data !== null && loaded.data.lines.length > 0;
  useLayoutEffect(() => {
    if (loaded && !hasLines) setShownKey(loaded.key);
  }, [loaded, hasLines]);
  useLayoutEffect(() => {
    if (ready && shownKey !== null && shownKey === loadKey) ready.tracker.done(title, ready.generation);
  }, [ready?.tracker, ready?.generation, shownKey, loadKey, title]);
  const busy = loadKey === null || loaded?.key !== loadKey;
  const id = `panel-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  return (
    <section className={wide ? 'panel wide' : 'panel'} aria-labelledby={`${id}-title`} aria-busy={busy} data-load-key={loadKey ?? ''}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {exploreHref && (
          <a className="explore-link" href={exploreHref} aria-label={`Open the query of "${title}" in Explore`}>
            Explore
          </a>
        )}
      </div>
      {note && <p className="panel-note">{note}</p>}
      {loaded?.error && (
        <p role="alert" className="error">
          {loaded.error}
        </p>
      )}
      {loaded && !loaded.error && !hasLines && <p className="empty">{empty ?? 'No data in this time range.'}</p>}
      {!loaded && <p className="loading">Loading…</p>}
      {hasLines && <Chart data={loaded.data!} label={`${title}: chart of ${loaded.data!.lines.length} lines; the legend below names them`} unit={unit} onZoom={onZoom} onDrawn={() => setShownKey(loaded.key)} />}
    </section>
  );
}
