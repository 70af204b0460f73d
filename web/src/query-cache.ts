/**
 * @module One view's API answers, shared: panels that read the same query (the status split
 * feeds three of them) send it once. A cache lives as long as its view (service, window,
 * refresh); dispose() aborts what is still in flight when the view changes.
 */
import { instantQuery, rangeQuery, type InstantSample, type RangeSeries } from './api.ts';

export class QueryCache {
  readonly #ac = new AbortController();
  readonly #answers = new Map<string, Promise<unknown>>();

  /** A range query's series over [start, end] (s) every `step` s. */
  range(query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    return this.#once(`r\n${query}\n${start}\n${end}\n${step}`, () => rangeQuery(query, start, end, step, this.#ac.signal).then((r) => r.data.result));
  }

  /** An instant query's vector at `time` (s). */
  instant(query: string, time: number): Promise<InstantSample[]> {
    return this.#once(`i\n${query}\n${time}`, () => instantQuery(query, time, this.#ac.signal).then((r) => r.data.result as InstantSample[]));
  }

  /** Aborts every request still in flight; later calls fail with an AbortError. */
  dispose(): void {
    this.#ac.abort();
  }

  get signal(): AbortSignal {
    return this.#ac.signal;
  }

  #once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let p = this.#answers.get(key) as Promise<T> | undefined;
    if (!p) {
      p = ask();
      // A failed answer is not kept: the next caller asks again.
      p.catch(() => this.#answers.delete(key));
      this.#answers.set(key, p);
    }
    return p;
  }
}
