/**
 * @module What one target's scrapes write: parses a body into a staging area through the scrape
 * cache (exposed labels → stored labels, built once per series), applies the limits, then appends
 * the samples, the staleness markers and the report series (`up`, `scrape_*`) into one Appender.
 * The logic of Prometheus scrape.go scrapeLoop.append/report/reportStale.
 *
 * Provenance: ported from prometheus/prometheus scrape/scrape.go (Apache-2.0).
 */
import { labelsKey, labelValue, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { isStaleNaN, STALE_NAN } from '../../model/value.ts';
import type { RelabelConfig } from '../../relabel/index.ts';
import { StorageError, type Appender, type MetricMetadata } from '../../storage/interface.ts';
import { parseExposition, type ExpositionSink } from './exposition/index.ts';
import type { ScrapeMetrics } from './metrics.ts';
import { checkLabelLimits, mutateSampleLabels, reportSampleLabels, type LabelLimits } from './sample-labels.ts';
import { ScrapeCache, type CacheEntry } from './scrape-cache.ts';

/** The per-job settings a writer applies. */
export interface SeriesWriterOptions extends LabelLimits {
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  /** 0 = no limit. */
  readonly sampleLimit: number;
  readonly metricRelabelConfigs: readonly RelabelConfig[];
}

/** What parsing one body found. */
export interface ParseOutcome {
  /** Samples in the body (scrape_samples_scraped). */
  readonly total: number;
  /** Samples left after metric relabelling (scrape_samples_post_metric_relabeling). */
  readonly added: number;
  /** Series seen for the first time (only meaningful when error is null). */
  readonly newSeries: number;
  /** Why the scrape fails (parse error, a limit); null when the staged samples may be written. */
  readonly error: Error | null;
}

/** Counts of what a write did. */
export interface WriteOutcome {
  /** New series whose sample was stored (scrape_series_added). */
  readonly seriesAdded: number;
  /** Samples the store refused, by reason (counted in the self-metrics too). */
  readonly outOfOrder: number;
  readonly duplicates: number;
  readonly outOfBounds: number;
}

/** The report series, in Prometheus' order. */
const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

/** The values of the report series of one scrape. */
export interface ScrapeReport {
  readonly up: boolean;
  readonly durationSeconds: number;
  readonly scraped: number;
  readonly postRelabel: number;
  readonly seriesAdded: number;
}

const FLAG_NEW = 1;
const FLAG_TRACKED = 2;
const INITIAL_STAGE = 256;

/** Storage errors that lose one sample but leave the batch usable; counted, not fatal. */
const PER_SAMPLE_CODES: ReadonlySet<string> = new Set(['out_of_order', 'duplicate_sample', 'out_of_bounds', 'too_old']);

/**
 * One target's series state across scrapes. Not safe to use from two scrapes at once: the loop
 * runs parse → write → report synchronously per scrape, with the only await at commit.
 */
export class SeriesWriter implements ExpositionSink {
  #opts: SeriesWriterOptions;
  readonly #target: Labels;
  readonly #metrics: ScrapeMetrics;
  readonly #cache = new ScrapeCache();
  /** Metric metadata of this target by family, as last written. */
  readonly #metadata = new Map<string, MetricMetadata>();
  readonly #reportLabels: Labels[];
  readonly #reportRefs = [0, 0, 0, 0, 0];
  // A Float64Array, not a number[]: V8 may canonicalise the staleness NaN in plain arrays.
  readonly #reportValues = new Float64Array(REPORT_NAMES.length);
  /** Whether report series were written since the last end-of-run markers. */
  #reported = false;

  // The staging area of the scrape being parsed; reused across scrapes.
  #entries: CacheEntry[] = [];
  #t = new Float64Array(INITIAL_STAGE);
  #v = new Float64Array(INITIAL_STAGE);
  #flags = new Uint8Array(INITIAL_STAGE);
  #n = 0;
  #pendingMetadata: Array<[string, MetricMetadata]> = [];
  readonly #refused = { outOfOrder: 0, duplicates: 0, outOfBounds: 0 };
  #defTime = 0;
  #total = 0;
  #added = 0;
  #newSeries = 0;
  #limited = 0;
  #sampleLimitHit = false;

  /** `target` are the target's public labels, added to every series. */
  constructor(target: Labels, opts: SeriesWriterOptions, metrics: ScrapeMetrics) {
    this.#target = target;
    this.#opts = opts;
    this.#metrics = metrics;
    this.#reportLabels = REPORT_NAMES.map((n) => reportSampleLabels(n, target));
  }

  /**
   * Takes new options on a config reload that keeps the series state (Prometheus reuses the cache
   * when only the interval, timeout, sample limit or HTTP settings changed).
   */
  reconfigure(opts: SeriesWriterOptions): void {
    this.#opts = opts;
  }

  /** Series the target exposed in its last successful scrape (for tests and debugging). */
  get cachedSeries(): number {
    return this.#cache.size;
  }

  /** Metadata of the target's metric families. */
  get targetMetadata(): ReadonlyMap<string, MetricMetadata> {
    return this.#metadata;
  }

  /**
   * Starts a scrape at `scrapeTimeMs` and parses `body` into the staging area. Call write() next,
   * with ok = (error === null) and no failure before it.
   */
  parse(body: Uint8Array, contentType: string | undefined, scrapeTimeMs: number): ParseOutcome {
    this.#begin(scrapeTimeMs);
    let error: Error | null = null;
    try {
      parseExposition(body, contentType, this, { createdAsSamples: true });
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    if (this.#sampleLimitHit) {
      this.#metrics.exceededSampleLimit.inc();
      error ??= new Error('sample limit exceeded');
    }
    return { total: this.#total, added: this.#added, newSeries: this.#newSeries, error };
  }

  /** Starts a scrape that produced no body (the request failed). Call write() with ok = false. */
  skip(scrapeTimeMs: number): void {
    this.#begin(scrapeTimeMs);
  }

  /**
   * Appends the staged samples (when `ok`) and staleness markers at the scrape time for series of
   * the previous scrape that are gone (all of them when not `ok`). Per-sample storage errors (out
   * of order, duplicate, out of bounds) are counted; any other error is thrown, and the caller
   * should roll back and call write() again with ok = false on a fresh appender.
   */
  write(app: Appender, ok: boolean): WriteOutcome {
    const cache = this.#cache;
    const iter = cache.iter;
    let seriesAdded = 0;
    this.#refused.outOfOrder = this.#refused.duplicates = this.#refused.outOfBounds = 0;
    if (ok) {
      for (const [family, md] of this.#pendingMetadata) {
        app.updateMetadata(family, md);
        this.#metadata.set(family, md);
      }
      const entries = this.#entries;
      const t = this.#t;
      const v = this.#v;
      const flags = this.#flags;
      for (let i = 0; i < this.#n; i++) {
        const e = entries[i];
        try {
          e.ref = app.append(e.ref, e.labels!, t[i], v[i]);
          if (flags[i] & FLAG_NEW) seriesAdded++;
        } catch (err) {
          this.#countAppendError(err);
        }
      }
      // Only once every sample is in: a fatal error above leaves the previous scrape's tracking intact.
      for (let i = 0; i < this.#n; i++) if (flags[i] & FLAG_TRACKED) entries[i].staleIter = iter;
    }
    this.#appendStale(app, iter - 1, this.#defTime);
    cache.endIter(ok);
    this.#n = 0;
    this.#pendingMetadata.length = 0;
    return { seriesAdded, ...this.#refused };
  }

  /**
   * Appends the report series of a scrape at `timeMs`. Out-of-order and duplicate samples are
   * skipped silently; other storage errors are thrown after trying all five.
   */
  writeReport(app: Appender, timeMs: number, r: ScrapeReport): void {
    this.#reported = true;
    const v = this.#reportValues;
    v[0] = r.up ? 1 : 0;
    v[1] = r.durationSeconds;
    v[2] = r.scraped;
    v[3] = r.postRelabel;
    v[4] = r.seriesAdded;
    this.#appendReport(app, timeMs, v);
  }

  /**
   * The target is gone: appends staleness markers at `timeMs` for every series of its last
   * successful scrape and for its report series (Prometheus endOfRunStaleness). Returns false when
   * there was nothing to mark.
   */
  writeEndOfRun(app: Appender, timeMs: number): boolean {
    if (!this.#reported) return false;
    this.#appendStale(app, this.#cache.iter, timeMs);
    this.#reported = false;
    this.#reportValues.fill(STALE_NAN);
    this.#appendReport(app, timeMs, this.#reportValues);
    return true;
  }

  // ---- ExpositionSink: called by the parser, synchronously ----

  sample(_name: string, labels: Labels, value: number, timestampMs: number | undefined): void {
    this.#total++;
    const opts = this.#opts;
    const cache = this.#cache;
    const iter = cache.iter;
    const explicit = opts.honorTimestamps && timestampMs !== undefined;
    const key = labelsKey(labels);
    let e = cache.get(key);
    let fresh = false;
    if (e === undefined) {
      const stored = mutateSampleLabels(labels, this.#target, opts.honorLabels, opts.metricRelabelConfigs);
      if (stored === null) {
        cache.add(key, null);
        return;
      }
      if (labelValue(stored, METRIC_NAME) === '') throw new Error('missing metric name (__name__ label)');
      const why = checkLabelLimits(stored, opts);
      if (why !== null) {
        this.#metrics.exceededLabelLimits.inc();
        throw new Error(why);
      }
      e = cache.add(key, stored);
      fresh = true;
    } else if (e.labels === null) {
      e.lastIter = iter;
      return;
    } else if (e.lastIter === iter && !explicit) {
      // The same series twice in one scrape: Prometheus counts it as a duplicate and keeps the first.
      this.#added++;
      this.#metrics.sampleDuplicate.inc();
      return;
    }
    e.lastIter = iter;
    this.#added++;
    if (!isStaleNaN(value) && opts.sampleLimit > 0 && ++this.#limited > opts.sampleLimit) this.#sampleLimitHit = true;
    // Past the limit the scrape fails; keep counting (as Prometheus does) but stop staging.
    if (this.#sampleLimitHit) return;
    if (fresh) this.#newSeries++;
    this.#stage(e, explicit ? timestampMs : this.#defTime, value, (fresh ? FLAG_NEW : 0) | (!explicit || opts.trackTimestampsStaleness ? FLAG_TRACKED : 0));
  }

  metadata(family: string, md: MetricMetadata): void {
    const was = this.#metadata.get(family);
    if (was && was.type === md.type && was.unit === md.unit && was.help === md.help) return;
    this.#pendingMetadata.push([family, md]);
  }

  // ---- internals ----

  #begin(scrapeTimeMs: number): void {
    this.#cache.nextIter();
    this.#defTime = scrapeTimeMs;
    this.#n = 0;
    this.#pendingMetadata.length = 0;
    this.#total = 0;
    this.#added = 0;
    this.#newSeries = 0;
    this.#limited = 0;
    this.#sampleLimitHit = false;
  }

  #stage(e: CacheEntry, t: number, v: number, flags: number): void {
    const i = this.#n;
    if (i === this.#t.length) this.#grow();
    this.#entries[i] = e;
    this.#t[i] = t;
    this.#v[i] = v; // a Float64Array keeps NaN payloads intact
    this.#flags[i] = flags;
    this.#n = i + 1;
  }

  #grow(): void {
    const n = this.#t.length * 2;
    const t = new Float64Array(n);
    t.set(this.#t);
    this.#t = t;
    const v = new Float64Array(n);
    v.set(this.#v);
    this.#v = v;
    const f = new Uint8Array(n);
    f.set(this.#flags);
    this.#flags = f;
  }

  #appendStale(app: Appender, trackedIter: number, timeMs: number): void {
    this.#cache.forEachTrackedIn(trackedIter, (e) => {
      try {
        e.ref = app.append(e.ref, e.labels!, timeMs, STALE_NAN);
      } catch (err) {
        // Expected when a target went away and came back with a new loop: the marker is late.
        if (!(err instanceof StorageError && PER_SAMPLE_CODES.has(err.code))) throw err;
      }
    });
  }

  #appendReport(app: Appender, timeMs: number, values: Float64Array): void {
    let first: unknown = null;
    for (let i = 0; i < REPORT_NAMES.length; i++) {
      try {
        this.#reportRefs[i] = app.append(this.#reportRefs[i], this.#reportLabels[i], timeMs, values[i]);
      } catch (err) {
        // Out of order or duplicate is expected when a target went away and came back with a new loop.
        if (!(err instanceof StorageError && (err.code === 'out_of_order' || err.code === 'duplicate_sample'))) first ??= err;
      }
    }
    if (first !== null) throw first;
  }

  #countAppendError(err: unknown): void {
    if (!(err instanceof StorageError) || !PER_SAMPLE_CODES.has(err.code)) throw err;
    if (err.code === 'out_of_order') {
      this.#metrics.sampleOutOfOrder.inc();
      this.#refused.outOfOrder++;
    } else if (err.code === 'duplicate_sample') {
      this.#metrics.sampleDuplicate.inc();
      this.#refused.duplicates++;
    } else {
      this.#metrics.sampleOutOfBounds.inc();
      this.#refused.outOfBounds++;
    }
  }
}
