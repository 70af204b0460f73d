/**
 * @module A time-series chart drawn with uPlot, with its own legend (colour plus a dash pattern
 * per line, and the line's name as text) and a hover read-out; drag to zoom (the zoom becomes
 * the URL's from/to). Reshaping lives in chart-data.ts; this file only draws.
 */
import { useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartData, Line } from '../chart-data.ts';

/** Colour-blind-friendlier categorical palette (Okabe–Ito plus greys), by Line.colour. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#8a7a00', '#000000', '#7f7f7f', '#9467bd'];

/** How values are formatted on the axis, in the legend and the read-out. */
export type Unit = 'reqps' | 's' | 'percent' | 'bytes' | 'short';

/** A chart's data, its accessible label and unit, and the zoom and drawn callbacks. */
export interface ChartProps {
  readonly data: ChartData;
  /** What the chart shows, for screen readers (the canvas itself says nothing). */
  readonly label: string;
  readonly unit?: Unit;
  readonly height?: number;
  readonly onZoom?: (from: number, to: number) => void;
  /** Called once the data is on the canvas (after the frame uPlot drew it in). */
  readonly onDrawn?: () => void;
}

/** A value as the axis, legend and read-out show it. */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'reqps': return `${v.toFixed(v >= 100 ? 0 : 2)} req/s`;
    case 's': return v < 1 ? `${(v * 1000).toFixed(v < 0.01 ? 2 : 1)} ms` : `${v.toFixed(2)} s`;
    case 'percent': return `${(v * 100).toFixed(2)} %`;
    case 'bytes': return v >= 1024 * 1024 ? `${(v / 1024 / 1024).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v.toFixed(0)} B`;
    default: return v.toFixed(2);
  }
}

function colour(l: Line): string {
  return PALETTE[l.colour % PALETTE.length];
}

/**
 * The width (px) the last chart was laid out at. A new chart starts at it instead of reading its
 * element's clientWidth: that read forced a layout of the whole page for each chart made while
 * the dashboard's panels came in (~50 ms of a cold load); the dashboard's charts share one width,
 * and a ResizeObserver corrects any other before the frame is painted.
 */
let lastWidth = 600;

/** A uPlot chart of `data` with its legend; redrawn whenever `data` changes (a new object). */
export function Chart({ data, label, unit = 'short', height = 220, onZoom, onDrawn }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const readout = useRef<HTMLDivElement>(null);
  const latest = useRef({ onZoom, onDrawn });
  latest.current = { onZoom, onDrawn };
  // Made right after the commit that adds its element, so it is on the canvas in the frame that
  // first paints the panel (a plain effect would wait for that paint).
  useLayoutEffect(() => {
    const box = el.current;
    if (!box) return;
    let width = lastWidth;
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: false },
      series: [
        {},
        ...data.lines.map((l) => ({ label: l.label, stroke: colour(l), width: 1.5, dash: l.dash ? [...l.dash] : undefined, points: { show: false } })),
      ],
      axes: [{ space: 90 }, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatValue(t, unit)), size: 84 }],
      // Rates, ratios, latencies and sizes are never negative: start at 0, and keep a flat 0 readable.
      scales: { y: { range: (_u: uPlot, min: number, max: number) => [Math.min(0, min), max > 0 ? max * 1.1 : unit === 'percent' ? 0.01 : 1] } },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      hooks: {
        setSelect: [
          (u: uPlot) => {
            const zoom = latest.current.onZoom;
            if (!zoom || u.select.width < 5) return;
            zoom(Math.floor(u.posToVal(u.select.left, 'x')), Math.ceil(u.posToVal(u.select.left + u.select.width, 'x')));
          },
        ],
        setCursor: [(u: uPlot) => showReadout(readout.current, data, u.cursor.idx ?? null, unit)],
      },
    };
    const plot = new uPlot(opts, [data.times, ...data.lines.map((l) => l.values)] as uPlot.AlignedData, box);
    // uPlot draws in a microtask; the next frame has it on the canvas.
    const raf = requestAnimationFrame(() => latest.current.onDrawn?.());
    // Told the element's width after each layout (the first one included), so no read forces one;
    // it follows window resizes and the page's scroll bar coming and going too.
    const resized = new ResizeObserver(([entry]) => {
      const w = Math.floor(entry.contentRect.width);
      if (w <= 0 || w === width) return;
      width = lastWidth = w;
      plot.setSize({ width, height });
    });
    resized.observe(box);
    return () => {
      cancelAnimationFrame(raf);
      resized.disconnect();
      plot.destroy();
    };
  }, [data, unit, height]);
  return (
    <figure className="chart-figure">
      <div ref={el} className="chart" role="img" aria-label={label} />
      <div ref={readout} className="readout" aria-hidden="true" />
      <figcaption>
        <Legend lines={data.lines} />
      </figcaption>
    </figure>
  );
}

/** Time and the largest values under the cursor, written straight into the DOM (no re-render per mouse move). */
function showReadout(out: HTMLDivElement | null, data: ChartData, idx: number | null, unit: Unit): void {
  if (!out) return;
  if (idx === null || idx < 0 || idx >= data.times.length) {
    out.textContent = '';
    return;
  }
  const at = data.lines
    .map((l) => ({ label: l.label, v: l.values[idx] }))
    .filter((x): x is { label: string; v: number } => x.v !== null && !Number.isNaN(x.v))
    .sort((a, b) => b.v - a.v);
  const shown = at.slice(0, 6).map((x) => `${x.label}: ${formatValue(x.v, unit)}`);
  if (at.length > 6) shown.push(`… ${at.length - 6} more`);
  out.textContent = `${new Date(data.times[idx] * 1000).toLocaleString()} — ${shown.join(' · ') || 'no data'}`;
}

/** The legend: each line's name as text, with a swatch showing its colour and dash pattern. */
export function Legend({ lines }: { lines: readonly Line[] }) {
  return (
    <ul className="legend-list" aria-label="Legend">
      {lines.map((l, i) => (
        <li key={i}>
          <svg width="26" height="10" aria-hidden="true" focusable="false">
            <line x1="1" y1="5" x2="25" y2="5" stroke={colour(l)} strokeWidth="2.5" strokeDasharray={l.dash?.join(' ')} />
          </svg>
          {l.label}
        </li>
      ))}
    </ul>
  );
}
