/**
 * @module Interned label pairs: each distinct (name, value) gets a dense u32 pair id and one shared
 * `Label` object, so a series stores its label set as pair ids and a materialised `Labels` array
 * costs one array of pointers, never N new objects.
 */
import type { Label } from '../../model/labels.ts';
import { SymbolTable } from './symbols.ts';

interface NameEntry {
  readonly name: string;
  /** value → pair id. */
  readonly values: Map<string, number>;
  /** Pair ids sorted by value; null when a value was added or removed since the last sort. */
  sorted: Uint32Array | null;
}

/**
 * The (name, value) → pair id table. Pair ids of pairs that no live series uses any more are
 * reused after remove(); callers must drop every reference to a removed id first.
 */
export class LabelPairs {
  /** The strings behind every pair. */
  readonly symbols = new SymbolTable();
  readonly #byName = new Map<string, NameEntry>();
  #nameSym = new Uint32Array(256);
  #valueSym = new Uint32Array(256);
  readonly #labels: Array<Label | null> = [];
  readonly #free: number[] = [];
  #sortedNames: string[] | null = null;

  /** One past the largest pair id handed out (ids below may be free). */
  get capacity(): number {
    return this.#labels.length;
  }

  /** Live pairs. */
  get size(): number {
    return this.#labels.length - this.#free.length;
  }

  /** The pair id of (name, value), or -1 when absent. */
  lookup(name: string, value: string): number {
    const e = this.#byName.get(name);
    if (e === undefined) return -1;
    const id = e.values.get(value);
    return id === undefined ? -1 : id;
  }

  /** The pair id of (name, value), adding the pair when new. */
  intern(name: string, value: string): number {
    let e = this.#byName.get(name);
    if (e === undefined) {
      e = { name: this.symbols.string(this.symbols.intern(name)), values: new Map(), sorted: null };
      this.#byName.set(e.name, e);
      this.#sortedNames = null;
    }
    const found = e.values.get(value);
    if (found !== undefined) return found;
    const nameSym = this.symbols.intern(name);
    const valueSym = this.symbols.intern(value);
    const id = this.#free.length > 0 ? this.#free.pop()! : this.#labels.length;
    if (id >= this.#nameSym.length) {
      const cap = Math.ceil(this.#nameSym.length * 1.5) + 16;
      const n = new Uint32Array(cap);
      n.set(this.#nameSym);
      this.#nameSym = n;
      const v = new Uint32Array(cap);
      v.set(this.#valueSym);
      this.#valueSym = v;
    }
    this.#nameSym[id] = nameSym;
    this.#valueSym[id] = valueSym;
    // Both strings come from the symbol table, so every pair of a name shares one name string.
    const label: Label = { name: e.name, value: this.symbols.string(valueSym) };
    if (id === this.#labels.length) this.#labels.push(label);
    else this.#labels[id] = label;
    e.values.set(label.value, id);
    e.sorted = null;
    return id;
  }

  /** Forgets a pair; its id may be handed out again by intern(). */
  remove(id: number): void {
    const label = this.#labels[id];
    if (!label) return;
    const e = this.#byName.get(label.name)!;
    e.values.delete(label.value);
    e.sorted = null;
    if (e.values.size === 0) {
      this.#byName.delete(label.name);
      this.#sortedNames = null;
    }
    this.#labels[id] = null;
    this.#free.push(id);
  }

  /** Whether id is a live pair. */
  has(id: number): boolean {
    return id < this.#labels.length && this.#labels[id] !== null;
  }

  /** The shared Label object of a live pair. */
  label(id: number): Label {
    return this.#labels[id]!;
  }

  /** Symbol id of a live pair's name. */
  nameSymbol(id: number): number {
    return this.#nameSym[id];
  }

  /** Symbol id of a live pair's value. */
  valueSymbol(id: number): number {
    return this.#valueSym[id];
  }

  /** Label names with at least one live pair, sorted. The array is shared: do not mutate it. */
  names(): readonly string[] {
    if (this.#sortedNames === null) this.#sortedNames = [...this.#byName.keys()].sort();
    return this.#sortedNames;
  }

  /** Pair ids of one name, sorted by value (empty for an unknown name). Shared; valid until the next intern/remove. */
  pairsOf(name: string): Uint32Array {
    const e = this.#byName.get(name);
    if (e === undefined) return EMPTY;
    if (e.sorted === null) {
      const ids = Uint32Array.from(e.values.values());
      const labels = this.#labels;
      // Sort a plain array of ids by value, then pack it: TypedArray#sort with a comparator is slower.
      const arr = Array.from(ids).sort((a, b) => {
        const x = labels[a]!.value;
        const y = labels[b]!.value;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      e.sorted = Uint32Array.from(arr);
    }
    return e.sorted;
  }

  /** The value → pair id map of one name, for direct lookups (undefined for an unknown name). */
  valuesOf(name: string): ReadonlyMap<string, number> | undefined {
    return this.#byName.get(name)?.values;
  }
}

const EMPTY = new Uint32Array(0);
