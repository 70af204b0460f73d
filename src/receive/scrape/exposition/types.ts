/** @module The contract between an exposition parser and whoever consumes what it reads. */
import type { Labels } from '../../../model/labels.ts';
import type { MetricMetadata } from '../../../storage/interface.ts';

/** A text exposition format this package parses. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** One exemplar attached to a sample (OpenMetrics only). */
export interface Exemplar {
  /** Sorted, without __name__; may be empty. */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch, or undefined when the exemplar had no timestamp. */
  readonly timestampMs: number | undefined;
}

/**
 * Receives what a parse finds, in input order, synchronously. Every `Labels` handed over is a
 * fresh, canonical array (sorted, unique names, no empty values) that the sink may keep.
 * Throwing from a method aborts the parse with that error.
 */
export interface ExpositionSink {
  /**
   * One sample. `labels` includes __name__ (equal to `name`). `timestampMs` is the sample's own
   * timestamp in ms, else `ParseOptions.defaultTimestampMs`, else undefined.
   */
  sample(name: string, labels: Labels, value: number, timestampMs: number | undefined): void;
  /**
   * The metadata of a family (name without _total/_bucket/... suffixes). Called before the
   * family's first sample, or at the end of its block when it has none; called again at the end of
   * the input if a text-format HELP line came after the family's samples. Families without any
   * HELP/TYPE/UNIT line get no call.
   */
  metadata?(family: string, metadata: MetricMetadata): void;
  /**
   * An OpenMetrics `<family>_created` line of a counter, histogram or summary: when the series
   * started, in ms. `labels` includes __name__ (the `_created` name). Such lines are not passed to
   * `sample` unless `ParseOptions.createdAsSamples` is set.
   */
  created?(family: string, labels: Labels, createdMs: number): void;
  /** An exemplar of the sample just passed to `sample`, with that sample's labels. */
  exemplar?(seriesLabels: Labels, exemplar: Exemplar): void;
}

/** How to parse. */
export interface ParseOptions {
  /** Timestamp (ms) given to samples that carry none; by default they get undefined. */
  readonly defaultTimestampMs?: number;
  /** Pass OpenMetrics `_created` lines to `sample` as ordinary series (Prometheus 2 behaviour). */
  readonly createdAsSamples?: boolean;
  /**
   * OpenMetrics only: also check the semantic rules of OpenMetrics 1.0 (histogram bucket order and
   * totals, non-negative counters, grouping, clashing names, exemplar placement and length...), as
   * the official parser test suite does. Off by default: like Prometheus, a scraper accepts such
   * input. The text format ignores this flag.
   */
  readonly strict?: boolean;
}

/** What a parse saw; the counts match the sink calls made. */
export interface ParseSummary {
  readonly format: ExpositionFormat;
  /** Calls of `sink.sample`. */
  readonly samples: number;
  /** Metric families: distinct in text format, blocks in OpenMetrics. */
  readonly families: number;
  /** Exemplars read (whether or not the sink takes them). */
  readonly exemplars: number;
  /** OpenMetrics `_created` lines routed to `sink.created` (0 with createdAsSamples). */
  readonly created: number;
  /** Lines in the input. */
  readonly lines: number;
}
