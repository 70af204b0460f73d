/** @module A time-series panel drawn with uPlot; drag to zoom (the zoom becomes the URL's from/to). */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RangeSeries } from '../api.ts';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface ChartProps {
  readonly series: RangeSeries[];
  readonly legend: (metric: Record<string, string>) => string;
  readonly unit?: 'reqps' | 's' | 'percent' | 'bytes' | 'short';
  readonly height?: number;
  readonly onZoom?: (from: number, to: number) => void;
}

function formatValue(v: number | null | undefined, unit: ChartProps['unit']): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'reqps': return `${v.toFixed(2)} req/s`;
    case 's': return v < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`;
    case 'percent': return `${(v * 100).toFixed(2)} %`;
    case 'bytes': return `${v.toFixed(0)} B`;
    default: return v.toFixed(2);
  }
}

/** Joins series on their timestamps into uPlot's columnar data (null where a series has no point). */
export function alignSeries(series: RangeSeries[]): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const col: Array<number | null> = new Array(times.length).fill(null);
    for (const [t, v] of s.values) col[index.get(t)!] = Number(v);
    return col;
  });
  return [times, ...columns] as uPlot.AlignedData;
}

export function Chart({ series, legend, unit = 'short', height = 220, onZoom }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = el.current.clientWidth || 600;
    const opts: uPlot.Options = {
      width,
      height,
      series: [
        {},
        ...series.map((s, i) => ({
          label: legend(s.metric),
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          value: (_u: uPlot, v: number | null) => formatValue(v, unit),
        })),
      ],
      axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatValue(t, unit)), size: 80 }],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [
          (u: uPlot) => {
            if (!onZoom || u.select.width < 5) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            onZoom(Math.floor(from), Math.ceil(to));
          },
        ],
      },
    };
    const plot = new uPlot(opts, alignSeries(series), el.current);
    const onResize = () => plot.setSize({ width: el.current?.clientWidth || width, height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [series, legend, unit, height, onZoom]);
  return <div ref={el} className="chart" />;
}
