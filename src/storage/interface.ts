/**
 * @module The storage seam: Appendable/Appender for writes, Queryable/Querier for reads.
 * Shapes and contracts follow Prometheus storage/interface.go, so the embedded TSDB and a remote
 * Prometheus-compatible store are interchangeable. Times are int milliseconds since the epoch.
 * Values must travel in Float64Array or object fields, never in plain JS number arrays: V8
 * canonicalises NaNs there, which would erase the staleness marker (model/value.ts).
 */
import type { Labels } from '../model/labels.ts';
import type { Matcher } from '../model/matcher.ts';
import type { ValueType } from '../model/value.ts';

/** An opaque, store-assigned handle to a series; 0 means "unknown, look it up by labels". */
export type SeriesRef = number;

/** What a metric family is (Prometheus metadata TYPE). */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/** Metadata of one metric family (the name without _bucket/_sum/_count). */
export interface MetricMetadata {
  readonly type: MetricType;
  readonly unit: string;
  readonly help: string;
}

/** Something that hands out appenders. */
export interface Appendable {
  appender(): Appender;
}

/**
 * One batch of writes. Not reusable after commit or rollback. Keeps per-series order.
 * Samples become visible to queriers at commit, all together.
 */
export interface Appender {
  /**
   * Adds a sample. `labels` must be canonical (model/labels.ts) and include __name__; the store
   * may keep the array (and replace its elements with equal Label objects of its own), so the
   * caller must not mutate it afterwards. Returns the series ref to
   * pass next time for the same labels. Throws StorageError for a sample that cannot be stored
   * (out of order, out of bounds, duplicate); the batch stays usable, only that sample is lost.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /**
   * Optional fast path: adds a sample to the series `ref` names, when ref is one this store's
   * append() returned and the series is still there; true then. False adds nothing, and the caller
   * calls append() with the labels. So a writer that caches refs need not keep every series'
   * labels in memory. Throws StorageError as append() does for the sample itself. A store or
   * wrapper that needs the labels of every sample (relabelling, remote write) does not offer it.
   */
  appendRef?(ref: SeriesRef, t: number, v: number): boolean;
  /** Records the metadata of a metric family; last write wins. */
  updateMetadata(metricFamily: string, metadata: MetricMetadata): void;
  /** Resolves once the batch is durable (for the embedded store: written to the WAL). */
  commit(): Promise<void>;
  /** Drops the batch. */
  rollback(): void;
}

/** A store whose series can be deleted (what Prometheus' admin API calls TSDB Delete). */
export interface Deletable {
  /**
   * Deletes the samples in [mint, maxt] (inclusive ms; ±Infinity for open ends) of every series
   * matching all matchers (at least one). Resolves once the delete is durable; samples appended
   * afterwards are not affected.
   */
  delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void>;
}

/** Something that opens queriers over a time range. */
export interface Queryable {
  /** A querier over [mint, maxt], both inclusive, in ms. */
  querier(mint: number, maxt: number): Promise<Querier>;
}

/** Hints for select: what the caller will read, so a store may read less. All in ms. */
export interface SelectHints {
  readonly start: number;
  readonly end: number;
  readonly step?: number;
  readonly func?: string;
  readonly range?: number;
  /** Only labels are needed (the /api/v1/series case). */
  readonly labelsOnly?: boolean;
  /** Stop after this many series (0 = no limit). */
  readonly limit?: number;
}

/** Reads over a fixed time range. Safe across await until close(). */
export interface Querier {
  /**
   * Series matching all matchers, sorted by labels (model/labels.ts compareLabels).
   * At least one matcher must not match the empty string, as in Prometheus.
   */
  select(hints: SelectHints, ...matchers: Matcher[]): Promise<SeriesSet>;
  /** Label names present in matching series (all series when no matchers), sorted. */
  labelNames(...matchers: Matcher[]): Promise<string[]>;
  /** Values of one label in matching series (all series when no matchers), sorted, without ''. */
  labelValues(name: string, ...matchers: Matcher[]): Promise<string[]>;
  close(): void;
}

/** A cursor over series; call next() before the first at(). Synchronous inside. */
export interface SeriesSet {
  next(): boolean;
  at(): Series;
  /** Non-fatal problems, e.g. a secondary store that failed. */
  warnings(): readonly string[];
}

/** One series: its labels and a way to read its samples in time order. */
export interface Series {
  readonly labels: Labels;
  /** A fresh iterator over samples within the querier's range, ascending by time. */
  iterator(): SampleIterator;
  /**
   * Stores that keep samples in columns may hand out read-only views of those within [mint, maxt]
   * instead, so a query reads them without copying. The views never change afterwards.
   */
  columns?(mint: number, maxt: number): SampleColumns;
}

/** Read-only views of one series' samples: times (ms), values and start times (0: unknown), same length. */
export interface SampleColumns {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly st?: Float64Array;
}

/**
 * A cursor over samples (Prometheus chunkenc.Iterator). next()/seek() return ValueType.None when
 * exhausted; atT()/atV() read the current sample without allocating.
 */
export interface SampleIterator {
  next(): ValueType;
  /** Advances to the first sample with time >= t (never moves backwards). */
  seek(t: number): ValueType;
  atT(): number;
  atV(): number;
  /**
   * The current sample's start timestamp in ms (OTLP start_time_unix_nano, Prometheus' "ST"),
   * or 0 when unknown. Stores that do not keep start timestamps omit the method.
   */
  atST?(): number;
}

/** Why a sample or request could not be stored; `code` is stable and used as a metric label. */
export type StorageErrorCode = 'out_of_order' | 'out_of_bounds' | 'too_old' | 'duplicate_sample' | 'series_limit' | 'unavailable';

/** A storage error with a stable code. 'unavailable' means retry later (maps to 503). */
export class StorageError extends Error {
  constructor(readonly code: StorageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
