/**
 * @module Sample iterators over block data: one series' chunks clipped to a time range with
 * tombstones applied, and a k-way merge of iterators that drops duplicate timestamps.
 */
import type { SampleIterator } from '../../storage/interface.ts';
import type { ColumnsBuilder } from '../columns.ts';
import { ValueType } from '../../model/value.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { ChunkEncoding } from '../chunkenc/chunk.ts';
import { ValuesIterator, decodeValues } from '../chunkenc/values.ts';
import type { StoredChunk } from './chunks.ts';
import type { Intervals } from './tombstones.ts';

/** A chunk with its time range (inclusive ms), ready to decode. */
export interface LoadedChunk extends StoredChunk {
  readonly mint: number;
  readonly maxt: number;
}

const NO_INTERVALS: Intervals = [];

/**
 * Iterates the samples of a series' chunks (in time order, not overlapping) that lie in
 * [mint, maxt] and outside the deleted intervals. Chunks are decoded lazily through chunkenc, one
 * sample per next(). A chunk that fails to decode ends the iteration and is passed to `onError`.
 */
export class BlockSeriesIterator implements SampleIterator {
  readonly #chunks: readonly LoadedChunk[];
  readonly #mint: number;
  readonly #maxt: number;
  readonly #ivs: Intervals;
  readonly #onError: (err: Error, chunk: LoadedChunk) => void;
  #ci = -1;
  #it: SampleIterator | null = null;
  #di = 0;
  #t = 0;
  #started = false;
  #done = false;
  /** One decoder per encoding, reset for each chunk. */
  readonly #reuse = new Map<number, SampleIterator>();

  constructor(chunks: readonly LoadedChunk[], mint: number, maxt: number, ivs: Intervals | undefined, onError: (err: Error, chunk: LoadedChunk) => void) {
    this.#chunks = chunks;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#ivs = ivs ?? NO_INTERVALS;
    this.#onError = onError;
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    this.#started = true;
    try {
      for (;;) {
        if (this.#it === null && !this.#open(this.#mint)) return this.#finish();
        if (this.#it!.next() === ValueType.None) {
          this.#it = null;
          continue;
        }
        const t = this.#it!.atT();
        if (t < this.#mint || this.#deleted(t)) continue;
        if (t > this.#maxt) return this.#finish();
        this.#t = t;
        return ValueType.Float;
      }
    } catch (err) {
      return this.#fail(err as Error);
    }
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#started && this.#it !== null && this.#t >= t) return ValueType.Float;
    this.#started = true;
    const target = Math.max(t, this.#mint);
    try {
      // Skip whole chunks that end before the target without decoding them.
      if (this.#it !== null && this.#chunks[this.#ci].maxt < target) this.#it = null;
      if (this.#it === null && !this.#open(target)) return this.#finish();
      if (this.#it!.seek(target) === ValueType.None) {
        this.#it = null;
        return this.next();
      }
      const at = this.#it!.atT();
      if (this.#deleted(at)) return this.next();
      if (at > this.#maxt) return this.#finish();
      this.#t = at;
      return ValueType.Float;
    } catch (err) {
      return this.#fail(err as Error);
    }
  }

  atT(): number {
    return this.#t;
  }

  atV(): number {
    return this.#it!.atV();
  }

  /** Opens the next chunk that may hold samples >= from; false when none is left. */
  #open(from: number): boolean {
    const chunks = this.#chunks;
    while (++this.#ci < chunks.length) {
      const c = chunks[this.#ci];
      if (c.mint > this.#maxt) return false;
      if (c.maxt < from) continue;
      if (c.ts !== null) {
        // A value stream with the timestamps of its column (blocks of format 2).
        let it = this.#reuse.get(ChunkEncoding.Values) as ValuesIterator | undefined;
        if (it === undefined) this.#reuse.set(ChunkEncoding.Values, (it = new ValuesIterator()));
        it.reset(c.ts, c.data);
        this.#it = it;
        return true;
      }
      const reuse = this.#reuse.get(c.encoding);
      const it = chunkFromBytes(c.encoding, c.data).iterator(reuse);
      if (it !== reuse) this.#reuse.set(c.encoding, it);
      this.#it = it;
      return true;
    }
    return false;
  }

  #deleted(t: number): boolean {
    const ivs = this.#ivs;
    while (this.#di < ivs.length && ivs[this.#di + 1] < t) this.#di += 2;
    return this.#di < ivs.length && ivs[this.#di] <= t;
  }

  #finish(): ValueType {
    this.#done = true;
    return ValueType.None;
  }

  #fail(err: Error): ValueType {
    this.#done = true;
    this.#onError(err, this.#chunks[Math.min(this.#ci, this.#chunks.length - 1)]);
    return ValueType.None;
  }
}

/**
 * Appends the samples of `chunks` (in time order, not overlapping) within [mint, maxt] to `b`,
 * when every chunk is a value stream with its timestamps (format 2); else appends nothing and
 * returns false. Chunks outside the range are skipped by their mint and maxt; timestamps are
 * copied from the columns and values decoded in one pass per chunk, with no iterator per sample.
 * Throws CorruptChunkError for a value stream that does not decode, having appended part of the
 * samples (the caller then rewinds and takes the iterator, which drops that chunk with a warning).
 */
export function appendChunkColumns(b: ColumnsBuilder, chunks: readonly LoadedChunk[], mint: number, maxt: number): boolean {
  for (let k = 0; k < chunks.length; k++) if (chunks[k].ts === null) return false;
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k];
    if (c.maxt < mint) continue;
    if (c.mint > maxt) break;
    const ts = c.ts!;
    const lo = c.mint >= mint ? 0 : firstAtOrAfter(ts, mint);
    const hi = c.maxt <= maxt ? ts.length : firstAtOrAfter(ts, maxt + 1);
    if (hi === lo) continue;
    b.reserve(hi - lo);
    b.t.set(lo === 0 && hi === ts.length ? ts : ts.subarray(lo, hi), b.n);
    decodeValues(c.data, ts.length, lo, hi, b.v, b.n);
    b.n += hi - lo;
  }
  return true;
}

/** The first index i with ts[i] >= x (ts ascending). */
function firstAtOrAfter(ts: Float64Array, x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NOT_STARTED = 0;
const HAS = 1;
const DONE = 2;

/**
 * Merges iterators ascending by time. When several hold the same timestamp, the one latest in
 * the list wins and the others' samples are dropped, so pass older sources first.
 */
export class MergeIterator implements SampleIterator {
  readonly #its: readonly SampleIterator[];
  readonly #state: Uint8Array;
  readonly #ts: Float64Array;
  #cur = -1;
  #started = false;

  constructor(its: readonly SampleIterator[]) {
    this.#its = its;
    this.#state = new Uint8Array(its.length);
    this.#ts = new Float64Array(its.length);
  }

  next(): ValueType {
    const its = this.#its;
    if (!this.#started) {
      this.#started = true;
      for (let i = 0; i < its.length; i++) this.#advance(i, its[i].next());
    } else if (this.#cur >= 0) {
      const t = this.#ts[this.#cur];
      for (let i = 0; i < its.length; i++) if (this.#state[i] === HAS && this.#ts[i] === t) this.#advance(i, its[i].next());
    } else {
      return ValueType.None;
    }
    return this.#pick();
  }

  seek(t: number): ValueType {
    const its = this.#its;
    if (this.#started && this.#cur >= 0 && this.#ts[this.#cur] >= t) return ValueType.Float;
    if (this.#started && this.#cur < 0) return ValueType.None;
    for (let i = 0; i < its.length; i++) {
      if (this.#state[i] === NOT_STARTED || (this.#state[i] === HAS && this.#ts[i] < t)) this.#advance(i, its[i].seek(t));
    }
    this.#started = true;
    return this.#pick();
  }

  atT(): number {
    return this.#ts[this.#cur];
  }

  atV(): number {
    return this.#its[this.#cur].atV();
  }

  #advance(i: number, vt: ValueType): void {
    if (vt === ValueType.None) {
      this.#state[i] = DONE;
    } else {
      this.#state[i] = HAS;
      this.#ts[i] = this.#its[i].atT();
    }
  }

  #pick(): ValueType {
    let best = -1;
    for (let i = 0; i < this.#its.length; i++) {
      if (this.#state[i] !== HAS) continue;
      if (best < 0 || this.#ts[i] <= this.#ts[best]) best = i;
    }
    this.#cur = best;
    return best < 0 ? ValueType.None : ValueType.Float;
  }
}
