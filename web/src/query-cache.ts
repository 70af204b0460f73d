/**
 * @module One view's API answers, shared: panels that read the same query (the status split
 * feeds three of them) send it once. A cache lives as long as its view (service, window,
 * refresh); dispose() aborts what is still in flight when the view changes.
 *
 * The boot script (boot.ts) asks the dashboard's first questions before the app has even been
 * parsed, in a cache it hands over with `handOver`; the caches the page makes next take those
 * answers instead of asking again (each answer once, for a short while).
 */
import { instantVector, labelNames, labelValues, rangeQuery, type InstantSample, type RangeSeries } from './api.ts';

/** How long handed-over answers wait for the page to take them, ms; the view has moved on after that. */
const HANDOVER_TTL_MS = 30_000;

let handedOver: QueryCache | null = null;

/** The API answers of one view, each question asked once; not shared between views. */
export class QueryCache {
  readonly #ac = new AbortController();
  readonly #answers = new Map<string, Promise<unknown>>();

  /** A range query's series over [start, end] (s) every `step` s. */
  range(query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    return this.#once(`r\n${query}\n${start}\n${end}\n${step}`, () => rangeQuery(query, start, end, step, this.#ac.signal).then((r) => r.data.result));
  }

  /** An instant query's vector at `time` (s). */
  instant(query: string, time: number): Promise<InstantSample[]> {
    return this.#once(`i\n${query}\n${time}`, () => instantVector(query, time, this.#ac.signal));
  }

  /** Label names of the series matching any of `match` in [start, end] (s). */
  labelNames(match: readonly string[], start: number, end: number): Promise<string[]> {
    return this.#once(`n\n${match.join('\n')}\n${start}\n${end}`, () => labelNames([...match], start, end, this.#ac.signal));
  }

  /** Values of label `name` on the series matching any of `match` in [start, end] (s). */
  labelValues(name: string, match: readonly string[], start: number, end: number): Promise<string[]> {
    return this.#once(`v\n${name}\n${match.join('\n')}\n${start}\n${end}`, () => labelValues(name, [...match], start, end, this.#ac.signal));
  }

  /** Aborts every request still in flight; later calls fail with an AbortError. */
  dispose(): void {
    this.#ac.abort();
  }

  /** Aborted once the view changed (dispose()). */
  get signal(): AbortSignal {
    return this.#ac.signal;
  }

  /** The answer to `key` if this cache has one, removed from it (a handed-over answer is taken once). */
  #take(key: string): Promise<unknown> | undefined {
    const p = this.#answers.get(key);
    this.#answers.delete(key);
    return p;
  }

  #once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let p = this.#answers.get(key) as Promise<T> | undefined;
    if (!p) {
      const early = handedOver !== null && handedOver !== this ? (handedOver.#take(key) as Promise<T> | undefined) : undefined;
      p = early ?? ask();
      // A failed answer is not kept: the next caller asks again.
      p.catch(() => this.#answers.delete(key));
      this.#answers.set(key, p);
    }
    return p;
  }

  /**
   * Makes `cache`'s answers available to the caches made after it, each answer to the first
   * cache that asks the same question, until HANDOVER_TTL_MS has passed. `cache` is never
   * disposed: its requests run to the end whether or not the page takes them.
   */
  static handOver(cache: QueryCache): void {
    handedOver = cache;
    setTimeout(() => {
      if (handedOver === cache) handedOver = null;
    }, HANDOVER_TTL_MS);
  }
}
