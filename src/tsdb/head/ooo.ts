/**
 * @module Out-of-order samples of the head (Prometheus tsdb/ooo_head.go, simplified): samples older
 * than their series' newest, accepted within the out-of-order time window, kept per series apart
 * from the in-order chunks: a small sorted buffer, frozen into an immutable XOR chunk every
 * OOO_CHUNK_SAMPLES samples. Frozen chunks may overlap each other. Reads and block cuts merge them
 * with the in-order samples. Only series that received such samples have an entry, so the
 * in-order hot path never touches this module.
 */
import { ValueType } from '../../model/value.ts';
import type { SampleIterator } from '../../storage/interface.ts';
import { XorChunk, XorIterator } from '../chunkenc/xor.ts';
import { MergeIterator } from '../block/iterators.ts';
import { collectColumns } from '../columns.ts';
import { ColumnsIterator } from './sample-iterators.ts';

/** Samples an out-of-order buffer takes before it is frozen into a chunk (Prometheus' out_of_order_cap_max is 32; a frozen chunk costs ~2 bytes a sample instead of 16). */
export const OOO_CHUNK_SAMPLES = 120;

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);

function sameBits(a: number, b: number): boolean {
  f64[0] = a;
  f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

/** One frozen run of out-of-order samples: an XOR chunk, sorted, immutable. */
interface FrozenChunk {
  readonly mint: number;
  readonly maxt: number;
  readonly n: number;
  readonly bytes: Uint8Array;
}

/** The out-of-order samples of one series. */
class OooSeries {
  t = new Float64Array(8);
  v = new Float64Array(8);
  n = 0;
  chunks: FrozenChunk[] = [];
  mint = Infinity;
  maxt = -Infinity;

  get samples(): number {
    let k = this.n;
    for (const c of this.chunks) k += c.n;
    return k;
  }

  get bytes(): number {
    let b = this.t.byteLength + this.v.byteLength;
    for (const c of this.chunks) b += c.bytes.byteLength;
    return b;
  }
}

/** What insert() did: Added; Same (a sample with these time and value bits was there: nothing changed); Conflict (one at this time with another value was there: nothing changed). */
export const OooInsert = { Added: 0, Same: 1, Conflict: 2 } as const;
export type OooInsert = (typeof OooInsert)[keyof typeof OooInsert];

/** Out-of-order samples by series ref. */
export class OutOfOrderStore {
  readonly #series = new Map<number, OooSeries>();
  /** Samples held. */
  numSamples = 0;

  /** Series with out-of-order samples. */
  get size(): number {
    return this.#series.size;
  }

  /** Whether ref has out-of-order samples within [mint, maxt] (by its bounds). */
  overlaps(ref: number, mint: number, maxt: number): boolean {
    const s = this.#series.get(ref);
    return s !== undefined && s.mint <= maxt && s.maxt >= mint;
  }

  /** The oldest out-of-order sample time of ref (+Infinity when none). */
  minTime(ref: number): number {
    return this.#series.get(ref)?.mint ?? Infinity;
  }

  /** The oldest out-of-order sample time of all series (+Infinity when none). */
  minTimeAll(): number {
    let m = Infinity;
    for (const s of this.#series.values()) if (s.mint < m) m = s.mint;
    return m;
  }

  /** The value at t of ref's out-of-order samples, or undefined. */
  #find(s: OooSeries, t: number): number | undefined {
    const i = lowerBound(s.t, s.n, t);
    if (i < s.n && s.t[i] === t) return s.v[i];
    for (const c of s.chunks) {
      if (t < c.mint || t > c.maxt) continue;
      const it = new XorIterator(c.bytes);
      if (it.seek(t) !== ValueType.None && it.atT() === t) return it.atV();
    }
    return undefined;
  }

  /** What insert(ref, t, v) would do, without doing it. */
  check(ref: number, t: number, v: number): OooInsert {
    const s = this.#series.get(ref);
    if (s === undefined || t < s.mint || t > s.maxt) return OooInsert.Added;
    const old = this.#find(s, t);
    return old === undefined ? OooInsert.Added : sameBits(old, v) ? OooInsert.Same : OooInsert.Conflict;
  }

  /** Inserts (t, v) among ref's out-of-order samples, keeping them sorted; an existing time wins. */
  insert(ref: number, t: number, v: number): OooInsert {
    let s = this.#series.get(ref);
    if (s === undefined) this.#series.set(ref, (s = new OooSeries()));
    else if (t >= s.mint && t <= s.maxt) {
      const old = this.#find(s, t);
      if (old !== undefined) return sameBits(old, v) ? OooInsert.Same : OooInsert.Conflict;
    }
    const i = lowerBound(s.t, s.n, t);
    if (s.n === s.t.length) {
      const nt = new Float64Array(s.t.length * 2);
      nt.set(s.t);
      s.t = nt;
      const nv = new Float64Array(s.v.length * 2);
      nv.set(s.v);
      s.v = nv;
    }
    s.t.copyWithin(i + 1, i, s.n);
    s.v.copyWithin(i + 1, i, s.n);
    s.t[i] = t;
    s.v[i] = v;
    s.n++;
    if (t < s.mint) s.mint = t;
    if (t > s.maxt) s.maxt = t;
    this.numSamples++;
    if (s.n >= OOO_CHUNK_SAMPLES) freeze(s);
    return OooInsert.Added;
  }

  /** ref's out-of-order samples within [mint, maxt] (inclusive ms), sorted, in fresh arrays; null when none. */
  samples(ref: number, mint: number, maxt: number): { t: Float64Array; v: Float64Array } | null {
    const s = this.#series.get(ref);
    if (s === undefined || s.mint > maxt || s.maxt < mint) return null;
    const its: SampleIterator[] = [];
    for (const c of s.chunks) if (c.mint <= maxt && c.maxt >= mint) its.push(new XorIterator(c.bytes));
    if (s.n > 0) its.push(new ColumnsIterator(s.t, s.v, s.n));
    const cols = collectColumns(its.length === 1 ? its[0] : new MergeIterator(its), mint, maxt);
    return cols.t.length > 0 ? { t: cols.t, v: cols.v } : null;
  }

  /** Drops every out-of-order sample before mint; series left without any lose their entry. */
  truncate(mint: number): void {
    for (const [ref, s] of this.#series) {
      if (s.mint >= mint) continue;
      if (s.maxt < mint) {
        this.drop(ref);
        continue;
      }
      const before = s.samples;
      const kept = this.samples(ref, mint, Infinity)!;
      s.chunks = [];
      s.n = 0;
      s.mint = Infinity;
      s.maxt = -Infinity;
      this.numSamples -= before;
      for (let i = 0; i < kept.t.length; i++) this.insert(ref, kept.t[i], kept.v[i]);
    }
  }

  /** Forgets ref's out-of-order samples. */
  drop(ref: number): void {
    const s = this.#series.get(ref);
    if (s === undefined) return;
    this.numSamples -= s.samples;
    this.#series.delete(ref);
  }

  /** Bytes of buffers and frozen chunks. */
  get byteLength(): number {
    let b = 0;
    for (const s of this.#series.values()) b += s.bytes;
    return b;
  }
}

/** Moves a series' buffer into a new frozen XOR chunk. */
function freeze(s: OooSeries): void {
  const c = new XorChunk();
  const app = c.appender();
  for (let i = 0; i < s.n; i++) app.append(s.t[i], s.v[i]);
  s.chunks.push({ mint: s.t[0], maxt: s.t[s.n - 1], n: s.n, bytes: c.bytes().slice() });
  s.n = 0;
  if (s.t.length > 64) {
    s.t = new Float64Array(8);
    s.v = new Float64Array(8);
  }
}

/** The first index in t[0..n) with t[i] >= x. */
function lowerBound(t: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
