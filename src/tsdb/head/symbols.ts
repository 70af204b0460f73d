/**
 * @module Interned strings of the head: every label name and value once, as a dense u32 id.
 *
 * Ids are assigned in insertion order and never change or get reused, so they can be stored in
 * typed arrays. Strings of series that were garbage-collected stay until the process restarts
 * (Prometheus rebuilds its head symbols at compaction the same way); the block writer reads them
 * through `string(id)`.
 */

/** A string ↔ u32 id table. Not thread-safe; fine across await. */
export class SymbolTable {
  readonly #ids = new Map<string, number>();
  readonly #strings: string[] = [];

  /** Distinct strings interned so far. */
  get size(): number {
    return this.#strings.length;
  }

  /** The id of `s`, interning it when new. */
  intern(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      id = this.#strings.length;
      this.#strings.push(s);
      this.#ids.set(s, id);
    }
    return id;
  }

  /** The id of `s`, or -1 when it was never interned. */
  id(s: string): number {
    const id = this.#ids.get(s);
    return id === undefined ? -1 : id;
  }

  /** The string of an id returned by intern(); throws RangeError for an unknown id. */
  string(id: number): string {
    const s = this.#strings[id];
    if (s === undefined) throw new RangeError(`unknown symbol id ${id}`);
    return s;
  }
}
