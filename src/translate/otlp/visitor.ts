/**
 * @module The seam between OTLP decoders (protobuf, JSON) and the translator. A decoder walks one
 * ExportMetricsServiceRequest and calls these methods in document order, with no request object
 * tree: every argument object and array is scratch owned by the decoder, reused for the next call,
 * so a visitor must copy what it keeps. Times are already ms (floor of ns / 1e6); 0 means unset.
 * Attribute values are already strings per otlp-to-prometheus.md §2.7.
 */

/** OTLP metric data kinds (the Metric.data oneof). Numeric tags: this is a hot path. */
export const MetricKind = { Gauge: 1, Sum: 2, Histogram: 3, ExponentialHistogram: 4, Summary: 5 } as const;
export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** OTLP AggregationTemporality. */
export const Temporality = { Unspecified: 0, Delta: 1, Cumulative: 2 } as const;
export type Temporality = (typeof Temporality)[keyof typeof Temporality];

/** DataPointFlags bit 0: the point carries no value; translate to staleness markers. */
export const FLAG_NO_RECORDED_VALUE = 1;

/** Key/value attributes as parallel arrays; entries [0, count) are valid. Scratch: copy to keep. */
export interface Attributes {
  count: number;
  keys: string[];
  values: string[];
}

/** The Metric message minus its data points. Scratch. */
export interface MetricDescriptor {
  name: string;
  description: string;
  unit: string;
  kind: MetricKind;
  /** For Sum, Histogram, ExponentialHistogram; Unspecified otherwise. */
  temporality: Temporality;
  /** For Sum only. */
  monotonic: boolean;
}

/** A HistogramDataPoint. bounds[0..boundCount) and counts[0..countCount) are valid. Scratch. */
export interface HistogramPoint {
  count: number;
  hasSum: boolean;
  sum: number;
  bounds: Float64Array;
  boundCount: number;
  counts: Float64Array;
  countCount: number;
  flags: number;
}

/** One side of an ExponentialHistogramDataPoint: counts[i] is bucket index offset + i. Scratch. */
export interface ExponentialBuckets {
  offset: number;
  counts: Float64Array;
  countCount: number;
}

/** An ExponentialHistogramDataPoint. Scratch. */
export interface ExponentialHistogramPoint {
  count: number;
  hasSum: boolean;
  sum: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  flags: number;
}

/** A SummaryDataPoint; quantiles[i] has value values[i] for i < quantileCount. Scratch. */
export interface SummaryPoint {
  count: number;
  sum: number;
  quantiles: Float64Array;
  values: Float64Array;
  quantileCount: number;
  flags: number;
}

/**
 * Receives one request's metrics in document order:
 * (beginResource (beginScope (beginMetric point*)*)* endResource)*.
 * Point methods get the point's attributes and its start and sample times in ms.
 */
export interface OtlpMetricsVisitor {
  beginResource(attributes: Attributes, schemaUrl: string): void;
  beginScope(name: string, version: string, attributes: Attributes, schemaUrl: string): void;
  beginMetric(metric: MetricDescriptor): void;
  numberPoint(attributes: Attributes, startTimeMs: number, timeMs: number, value: number, flags: number): void;
  histogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, point: HistogramPoint): void;
  exponentialHistogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, point: ExponentialHistogramPoint): void;
  summaryPoint(attributes: Attributes, startTimeMs: number, timeMs: number, point: SummaryPoint): void;
  /**
   * A data point the decoder could read structurally but not use (e.g. a NumberDataPoint with
   * neither as_double nor as_int). Counted as rejected with this reason; the request goes on.
   */
  invalidPoint(reason: string): void;
  endResource(): void;
}

/** A request the decoder cannot read at all (truncated, wrong wire type, malformed JSON): HTTP 400. */
export class OtlpDecodeError extends Error {
  readonly code = 'decode_error';
}
