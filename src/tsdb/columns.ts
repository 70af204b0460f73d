/**
 * @module Columns (SampleColumns) for the query engine. A selected series' parts (block chunks,
 * head chunks) decode straight into one reusable scratch pair of typed arrays (ColumnsBuilder),
 * which then leaves as one exact-size copy carved out of a shared slab, so a series costs no
 * allocation of its own however many chunks and stores it spans, and never an object per sample.
 * Series sampled at the same instants (every series of one OTLP request or scrape) get the same
 * timestamp array: it is read-only, so the copy of the previous series is handed out again.
 */
import { ValueType } from '../model/value.ts';
import type { SampleColumns, SampleIterator } from '../storage/interface.ts';

let scratchT = new Float64Array(8192);
let scratchV = new Float64Array(8192);

function grow(): void {
  const t = new Float64Array(scratchT.length * 2);
  t.set(scratchT);
  scratchT = t;
  const v = new Float64Array(scratchV.length * 2);
  v.set(scratchV);
  scratchV = v;
}

/** The samples of `it` within [mint, maxt] (inclusive ms), in fresh arrays the caller owns. */
export function collectColumns(it: SampleIterator, mint: number, maxt: number): SampleColumns {
  let n = 0;
  for (let vt = it.seek(mint); vt !== ValueType.None; vt = it.next()) {
    const t = it.atT();
    if (t > maxt) break;
    if (n === scratchT.length) grow();
    scratchT[n] = t;
    scratchV[n] = it.atV();
    n++;
  }
  return { t: scratchT.slice(0, n), v: scratchV.slice(0, n) };
}

/**
 * Columns of parts ordered oldest first, when their samples do not overlap in time (the usual case
 * of blocks and head): concatenated. Returns null when two parts overlap; merge them instead.
 */
export function concatDisjoint(parts: readonly SampleColumns[]): SampleColumns | null {
  let n = 0;
  let last = -Infinity;
  for (const p of parts) {
    const len = p.t.length;
    if (len === 0) continue;
    if (!(p.t[0] > last)) return null;
    last = p.t[len - 1];
    n += len;
  }
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    t.set(p.t, at);
    v.set(p.v, at);
    at += p.t.length;
  }
  return { t, v };
}

/** A series that can decode its samples within a range straight into a ColumnsBuilder. */
export interface ColumnsSource {
  /**
   * Appends the samples within [from, to] (clipped to the select range) in time order. Never
   * throws for bad data: what cannot be decoded is left out with a warning, as the iterator does.
   */
  appendColumns(b: ColumnsBuilder, from: number, to: number): void;
}

/** Whether a series decodes into a ColumnsBuilder. */
export function isColumnsSource<T extends object>(s: T): s is T & ColumnsSource {
  return typeof (s as Partial<ColumnsSource>).appendColumns === 'function';
}

/** Float64s per slab (1 MiB): finished columns are views into slabs, carved one after another. */
const SLAB_LENGTH = 1 << 17;
/** Columns longer than this get an array of their own. */
const OWN_ARRAY_ABOVE = SLAB_LENGTH >> 3;
let slab = new ArrayBuffer(SLAB_LENGTH * 8);
let slabUsed = 0;

/**
 * A fresh read-only array of n float64s. Small ones are views into a shared slab (one ArrayBuffer
 * per 1 MiB of them, not one each: allocating, zeroing and later collecting 10k+ typed arrays of
 * a few KiB per query cost more than decoding them). A view keeps its slab alive.
 */
function allocColumn(n: number): Float64Array {
  if (n > OWN_ARRAY_ABOVE) return new Float64Array(n);
  if (slabUsed + n > SLAB_LENGTH) {
    slab = new ArrayBuffer(SLAB_LENGTH * 8);
    slabUsed = 0;
  }
  const a = new Float64Array(slab, slabUsed * 8, n);
  slabUsed += n;
  return a;
}

const EMPTY = new Float64Array(0);

/**
 * Scratch columns that the parts of one series append to, in time order; finish() copies them
 * out. One module-wide instance (columnsBuilder()): a series' columns are built synchronously,
 * from reset() to finish(), with no await in between.
 */
export class ColumnsBuilder {
  t = new Float64Array(8192);
  v = new Float64Array(8192);
  /** Samples held. */
  n = 0;
  #lastT: Float64Array = EMPTY;

  /** Starts a series. */
  reset(): void {
    this.n = 0;
  }

  /** Makes room for `extra` more samples (t and v may be replaced: read them after). */
  reserve(extra: number): void {
    const need = this.n + extra;
    if (need <= this.t.length) return;
    let len = this.t.length * 2;
    while (len < need) len *= 2;
    const t = new Float64Array(len);
    t.set(this.t.subarray(0, this.n));
    this.t = t;
    const v = new Float64Array(len);
    v.set(this.v.subarray(0, this.n));
    this.v = v;
  }

  /** Appends the samples of `it` within [mint, maxt]. */
  pushIterator(it: SampleIterator, mint: number, maxt: number): void {
    for (let vt = it.seek(mint); vt !== ValueType.None; vt = it.next()) {
      const t = it.atT();
      if (t > maxt) break;
      if (this.n === this.t.length) this.reserve(1);
      this.t[this.n] = t;
      this.v[this.n] = it.atV();
      this.n++;
    }
  }

  /** Exact-size copies of what the series holds (read-only; the timestamps possibly shared). */
  finish(): SampleColumns {
    const n = this.n;
    if (n === 0) return { t: EMPTY, v: EMPTY };
    const st = this.t;
    let t = this.#lastT;
    if (t.length !== n || t[0] !== st[0] || t[n - 1] !== st[n - 1] || !sameValues(t, st, n)) {
      t = allocColumn(n);
      t.set(st.subarray(0, n));
      this.#lastT = t;
    }
    const v = allocColumn(n);
    v.set(this.v.subarray(0, n));
    return { t, v };
  }
}

function sameValues(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

const builder = new ColumnsBuilder();

/** The module's builder, reset: use it from reset to finish() without an await in between. */
export function columnsBuilder(): ColumnsBuilder {
  builder.reset();
  return builder;
}
