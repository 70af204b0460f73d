/**
 * @module The scrape loop of one target (Prometheus scrape.go scrapeLoop): waits for the target's
 * offset within the interval, then scrapes on aligned ticks; each scrape is one GET, one parse and
 * one Appender batch (samples, staleness markers, report series) committed once.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log.ts';
import type { Appendable, Appender } from '../../storage/interface.ts';
import type { ScrapeConfig } from './config.ts';
import { formatDuration } from '../../model/duration.ts';
import { BodySizeLimitError, type ScrapeResponse } from './http-scraper.ts';
import type { ScrapeMetrics } from './metrics.ts';
import { SeriesWriter, type ParseOutcome, type SeriesWriterOptions } from './series-writer.ts';
import { scrapeOffsetMs, type Target } from './target.ts';

/** Whether a target's last scrape worked (Prometheus TargetHealth). */
export type TargetHealth = 'up' | 'down' | 'unknown';

/** Fetches a scrape body; HttpScraper in production. */
export interface Scraper {
  scrape(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResponse>;
}

/** What a loop needs. */
export interface ScrapeLoopDeps {
  readonly target: Target;
  readonly config: ScrapeConfig;
  readonly scraper: Scraper;
  readonly appendable: Appendable;
  readonly metrics: ScrapeMetrics;
  readonly logger: Logger;
  /** Wall clock in ms for sample timestamps and the offset. */
  readonly now: () => number;
  /** Mixed into every target's offset (Prometheus: hash of hostname and external labels). */
  readonly offsetSeed: bigint;
  /** The series state of the previous loop of the same target, on a reload that keeps it. */
  readonly writer?: SeriesWriter;
}

/**
 * Prometheus ScrapeTimestampTolerance: a scrape that starts this close (ms) to its aligned tick is
 * stamped with the tick, so intervals between samples stay exact and compress well in the TSDB
 * (prometheus/prometheus#7846). Clamped to 1% of the interval.
 */
const SCRAPE_TIMESTAMP_TOLERANCE_MS = 2;

/** The writer options of a job. */
export function writerOptions(cfg: ScrapeConfig): SeriesWriterOptions {
  return {
    honorLabels: cfg.honorLabels,
    honorTimestamps: cfg.honorTimestamps,
    trackTimestampsStaleness: cfg.trackTimestampsStaleness,
    sampleLimit: cfg.sampleLimit,
    labelLimit: cfg.labelLimit,
    labelNameLengthLimit: cfg.labelNameLengthLimit,
    labelValueLengthLimit: cfg.labelValueLengthLimit,
    metricRelabelConfigs: cfg.metricRelabelConfigs,
  };
}

/** Scrapes one target until stopped. State getters are safe to read at any time. */
export class ScrapeLoop {
  readonly target: Target;
  readonly #deps: ScrapeLoopDeps;
  readonly #writer: SeriesWriter;
  readonly #log: Logger;
  readonly #intervalLabel: string;
  #timer: NodeJS.Timeout | null = null;
  #staleTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #inflight: AbortController | null = null;
  #started = false;
  #stopped = false;
  #aborted = false;
  /** The aligned tick of the current scrape, in ms. */
  #aligned = 0;
  #lastStartPerf = -1;
  #resolveStale: (() => void) | null = null;

  health: TargetHealth = 'unknown';
  /** The last scrape's error message, '' when it worked. */
  lastError = '';
  /** Timestamp (ms) of the last scrape; 0 before the first. */
  lastScrapeMs = 0;
  lastScrapeDurationSeconds = 0;

  constructor(deps: ScrapeLoopDeps) {
    this.#deps = deps;
    this.target = deps.target;
    this.#writer = deps.writer ?? new SeriesWriter(deps.target.publicLabels, writerOptions(deps.config), deps.metrics);
    this.#log = deps.logger;
    this.#intervalLabel = formatDuration(deps.target.intervalMs);
  }

  /** The series state, to hand to the next loop of this target on a reload. */
  get writer(): SeriesWriter {
    return this.#writer;
  }

  /** Starts scraping after the target's offset. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const now = Math.floor(this.#deps.now());
    const offset = scrapeOffsetMs(this.target, this.target.intervalMs, this.#deps.offsetSeed, now);
    // Ticks sit at the target's phase of the interval, so a loop restarted for the same target
    // stamps the same times and the old loop's late staleness markers collide instead of landing.
    this.#aligned = now + offset;
    this.#timer = setTimeout(() => this.#tick(), offset);
  }

  /**
   * Stops scraping and waits for a scrape in flight to finish. With `staleness`, the target's
   * series get staleness markers later: after two more intervals and a tenth, stamped with the
   * time of the next tick, so a target that comes back under a new loop meanwhile is not marked
   * (its markers are then out of order and dropped), as Prometheus' endOfRunStaleness does.
   * `staleMarkers` settles once those are written, or at once when none are due.
   */
  async stop(opts: { staleness: boolean }): Promise<{ staleMarkers: Promise<void> }> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#running) await this.#running;
    if (!opts.staleness || this.lastScrapeMs === 0 || this.#aborted) return { staleMarkers: Promise.resolve() };
    const interval = this.target.intervalMs;
    const now = this.#deps.now();
    let staleTime = this.#aligned;
    while (staleTime <= now) staleTime += interval;
    const waitMs = staleTime - now + interval + interval / 10;
    const staleMarkers = new Promise<void>((resolve) => {
      this.#resolveStale = resolve;
      this.#staleTimer = setTimeout(() => {
        this.#staleTimer = null;
        this.#writeEndOfRun(staleTime).finally(resolve);
      }, waitMs);
    });
    return { staleMarkers };
  }

  /**
   * Stops at once, for shutdown: aborts a scrape in flight without writing anything for it and
   * drops pending staleness markers (Prometheus writes none on shutdown either, since a restart
   * continues the series). Resolves once nothing of this loop runs.
   */
  async abort(): Promise<void> {
    this.#stopped = true;
    this.#aborted = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#staleTimer) clearTimeout(this.#staleTimer);
    this.#timer = this.#staleTimer = null;
    this.#resolveStale?.();
    this.#inflight?.abort();
    if (this.#running) await this.#running;
  }

  #tick(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const interval = this.target.intervalMs;
    const tolerance = Math.min(interval / 100, SCRAPE_TIMESTAMP_TOLERANCE_MS);
    const now = Math.floor(this.#deps.now());
    // Timers may fire a little early by the wall clock; a Go ticker never does, so wait it out.
    if (this.#aligned - now > tolerance) {
      this.#timer = setTimeout(() => this.#tick(), this.#aligned - now);
      return;
    }
    while (now - this.#aligned >= interval) this.#aligned += interval; // ticks missed while busy
    const scrapeTime = now - this.#aligned <= tolerance ? this.#aligned : now;
    this.#running = this.#scrapeAndReport(scrapeTime).finally(() => {
      this.#running = null;
      if (this.#stopped) return;
      // Like Go's ticker: the next tick, at once if this scrape overran it, never a backlog.
      this.#aligned += interval;
      this.#timer = setTimeout(() => this.#tick(), Math.max(0, this.#aligned - this.#deps.now()));
    });
  }

  /** One scrape: GET, parse, write samples + staleness + report in one batch, commit. */
  async #scrapeAndReport(scrapeTime: number): Promise<void> {
    const { scraper, appendable, metrics, target } = this.#deps;
    const startPerf = performance.now();
    if (this.#lastStartPerf >= 0) metrics.intervalLength.labels(this.#intervalLabel).observe((startPerf - this.#lastStartPerf) / 1000);
    this.#lastStartPerf = startPerf;

    let res: ScrapeResponse | null = null;
    let err: Error | null = null;
    const ac = new AbortController();
    this.#inflight = ac;
    try {
      res = await scraper.scrape(target.url, target.timeoutMs, ac.signal);
    } catch (e) {
      err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof BodySizeLimitError) metrics.exceededBodySizeLimit.inc();
    } finally {
      this.#inflight = null;
    }
    if (this.#aborted) return;

    const writer = this.#writer;
    let parsed: ParseOutcome = { total: 0, added: 0, newSeries: 0, error: null };
    if (res !== null) parsed = writer.parse(res.body, res.contentType, scrapeTime);
    else writer.skip(scrapeTime);
    err ??= parsed.error;
    if (err !== null) this.#log.debug('Scrape failed', { target: target.url, err });

    let app: Appender = appendable.appender();
    let seriesAdded = parsed.newSeries;
    try {
      const w = writer.write(app, err === null);
      if (err === null) seriesAdded = w.seriesAdded;
      if (w.outOfOrder > 0) this.#log.warn('Error on ingesting out-of-order samples', { target: target.url, num_dropped: w.outOfOrder });
      if (w.duplicates > 0) this.#log.warn('Error on ingesting samples with different value but same timestamp', { target: target.url, num_dropped: w.duplicates });
      if (w.outOfBounds > 0) this.#log.warn('Error on ingesting samples that are too old or are too far into the future', { target: target.url, num_dropped: w.outOfBounds });
    } catch (fatal) {
      // The store refused the batch (not one sample): start over with staleness markers only.
      app.rollback();
      err ??= fatal instanceof Error ? fatal : new Error(String(fatal));
      this.#log.debug('Append failed', { target: target.url, err: fatal });
      app = appendable.appender();
      try {
        writer.write(app, false);
      } catch (e) {
        app.rollback();
        app = appendable.appender();
        this.#log.warn('Append failed', { target: target.url, err: e });
      }
    }

    const durationSeconds = (performance.now() - startPerf) / 1000;
    this.health = err === null ? 'up' : 'down';
    this.lastError = err === null ? '' : err.message;
    this.lastScrapeMs = scrapeTime;
    this.lastScrapeDurationSeconds = durationSeconds;
    try {
      writer.writeReport(app, scrapeTime, { up: err === null, durationSeconds, scraped: parsed.total, postRelabel: parsed.added, seriesAdded });
    } catch (e) {
      this.#log.warn('Appending scrape report failed', { target: target.url, err: e });
    }
    try {
      await app.commit();
    } catch (e) {
      this.#log.error('Scrape commit failed', { target: target.url, err: e });
    }
  }

  async #writeEndOfRun(staleTime: number): Promise<void> {
    const app = this.#deps.appendable.appender();
    try {
      if (!this.#writer.writeEndOfRun(app, staleTime)) {
        app.rollback();
        return;
      }
    } catch (e) {
      app.rollback();
      this.#log.warn('Stale append failed', { target: this.target.url, err: e });
      return;
    }
    try {
      await app.commit();
    } catch (e) {
      this.#log.warn('Stale commit failed', { target: this.target.url, err: e });
    }
  }
}
