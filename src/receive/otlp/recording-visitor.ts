/** @module A fake visitor for decoder tests: copies every call into plain records. */
import type { Attributes, ExponentialHistogramPoint, HistogramPoint, MetricDescriptor, OtlpMetricsVisitor, SummaryPoint } from '../../translate/otlp/visitor.ts';

/** One visitor call, copied out of the decoder's scratch objects. */
export type VisitorCall = [string, ...unknown[]];

const copyAttrs = (a: Attributes) => Object.fromEntries(a.keys.slice(0, a.count).map((k, i) => [k, a.values[i]]));
const arr = (xs: Float64Array, n: number) => Array.from(xs.subarray(0, n));

/** Records calls in order. */
export class RecordingVisitor implements OtlpMetricsVisitor {
  readonly calls: VisitorCall[] = [];
  beginResource(a: Attributes, schemaUrl: string): void { this.calls.push(['resource', copyAttrs(a), schemaUrl]); }
  beginScope(name: string, version: string, a: Attributes, schemaUrl: string): void { this.calls.push(['scope', name, version, copyAttrs(a), schemaUrl]); }
  beginMetric(m: MetricDescriptor): void { this.calls.push(['metric', { ...m }]); }
  numberPoint(a: Attributes, st: number, t: number, v: number, flags: number): void { this.calls.push(['number', copyAttrs(a), st, t, v, flags]); }
  histogramPoint(a: Attributes, st: number, t: number, p: HistogramPoint): void {
    this.calls.push(['histogram', copyAttrs(a), st, t, { count: p.count, hasSum: p.hasSum, sum: p.sum, bounds: arr(p.bounds, p.boundCount), counts: arr(p.counts, p.countCount), flags: p.flags }]);
  }
  exponentialHistogramPoint(a: Attributes, st: number, t: number, p: ExponentialHistogramPoint): void {
    this.calls.push(['exphistogram', copyAttrs(a), st, t, { count: p.count, hasSum: p.hasSum, sum: p.sum, scale: p.scale, zeroCount: p.zeroCount, zeroThreshold: p.zeroThreshold,
      positive: { offset: p.positive.offset, counts: arr(p.positive.counts, p.positive.countCount) }, negative: { offset: p.negative.offset, counts: arr(p.negative.counts, p.negative.countCount) }, flags: p.flags }]);
  }
  summaryPoint(a: Attributes, st: number, t: number, p: SummaryPoint): void {
    this.calls.push(['summary', copyAttrs(a), st, t, { count: p.count, sum: p.sum, quantiles: arr(p.quantiles, p.quantileCount), values: arr(p.values, p.quantileCount), flags: p.flags }]);
  }
  invalidPoint(reason: string): void { this.calls.push(['invalid', reason]); }
  endResource(): void { this.calls.push(['endResource']); }
}
