/**
 * @module A target's memory of the series it exposes (Prometheus scrape/cache.go scrapeCache):
 * exposed label set → stored labels and series ref, plus what staleness needs to know.
 */
import type { Labels } from '../../model/labels.ts';
import type { SeriesRef } from '../../storage/interface.ts';

/** One exposed series. Mutable by the scrape loop only; never shared across targets. */
export interface CacheEntry {
  /** The exposed labels' canonical key (labelsKey). */
  readonly key: string;
  /** The store's ref from the last append (a hint; 0 = unknown). */
  ref: SeriesRef;
  /** Labels it is stored under, built once; null when metric relabelling drops it. */
  readonly labels: Labels | null;
  /** Scrape iteration that created the entry. */
  readonly createdIter: number;
  /** Scrape iteration in which the target last exposed it. */
  lastIter: number;
  /** Last successful iteration in which it counted for staleness (no explicit timestamp); -1: never. */
  staleIter: number;
}

// Prometheus' heuristic: a cache that doubled (plus 1000) since the last successful scrape is flushed.
const RUNAWAY_SLACK = 1000;

/** Exposed series by exposed-labels key. Iterations count scrapes, failed ones included. */
export class ScrapeCache {
  readonly #series = new Map<string, CacheEntry>();
  #iter = 0;
  #successfulSize = 0;

  /** The current scrape iteration (0 before the first). */
  get iter(): number {
    return this.#iter;
  }

  get size(): number {
    return this.#series.size;
  }

  /** Starts the next scrape iteration and returns its number. */
  nextIter(): number {
    return ++this.#iter;
  }

  get(key: string): CacheEntry | undefined {
    return this.#series.get(key);
  }

  /** Adds an entry seen for the first time in the current iteration. */
  add(key: string, labels: Labels | null): CacheEntry {
    const e: CacheEntry = { key, ref: 0, labels, createdIter: this.#iter, lastIter: this.#iter, staleIter: -1 };
    this.#series.set(key, e);
    return e;
  }

  /** Calls `f` for every stored series that counted for staleness in iteration `iter`. */
  forEachTrackedIn(iter: number, f: (e: CacheEntry) => void): void {
    for (const e of this.#series.values()) if (e.labels !== null && e.staleIter === iter) f(e);
  }

  /**
   * Ends the current iteration. After a successful scrape, forgets series it did not expose (their
   * staleness markers are written by then); after a failed one, forgets only the entries the failed
   * scrape created, unless the cache has run away.
   */
  endIter(success: boolean): void {
    const iter = this.#iter;
    if (success || this.#series.size > this.#successfulSize * 2 + RUNAWAY_SLACK) {
      for (const [k, e] of this.#series) if (e.lastIter !== iter) this.#series.delete(k);
    }
    if (success) this.#successfulSize = this.#series.size;
    else for (const [k, e] of this.#series) if (e.createdIter === iter) this.#series.delete(k);
  }
}
