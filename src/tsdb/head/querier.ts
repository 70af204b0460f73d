/**
 * @module Reads from the head (Prometheus tsdb/head_read.go): select() resolves matchers through
 * postings, snapshots each series' chunk list (and a copy of its open chunk) so later appends and
 * truncations cannot change what the querier sees, and iterators decode chunks lazily, clipped to
 * the range. A series with out-of-order samples or deleted intervals gets a copy of its
 * out-of-order samples in range, merged at read, and its tombstones applied.
 */
import { compareLabels, type Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { ChunkEncoding } from '../chunkenc/chunk.ts';
import { DeltaIterator } from '../chunkenc/delta.ts';
import { XorIterator, decodeXorSamples } from '../chunkenc/xor.ts';
import type { Querier, SampleColumns, SampleIterator, SelectHints, Series, SeriesSet } from '../../storage/interface.ts';
import { type ColumnsBuilder, columnsBuilder } from '../columns.ts';
import { MergeIterator } from '../block/iterators.ts';
import type { Intervals } from '../block/tombstones.ts';
import type { Head } from './head.ts';
import { ColumnsIterator, DeletedFilterIterator } from './sample-iterators.ts';
import type { ChunkSpill } from './spill.ts';

/** Numbers per chunk in a snapshot: position (-1: the open chunk), length, encoding, mint, maxt. */
const STRIDE = 5;

/** Chunk lists of the series of one select(), flattened. */
class Snapshot {
  data = new Float64Array(64);
  len = 0;
  readonly open: Array<Uint8Array | null> = [];

  push(pos: number, len: number, encoding: number, mint: number, maxt: number): void {
    if (this.len + STRIDE > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const d = this.data;
    const i = this.len;
    d[i] = pos;
    d[i + 1] = len;
    d[i + 2] = encoding;
    d[i + 3] = mint;
    d[i + 4] = maxt;
    this.len = i + STRIDE;
  }
}

/** A cursor over one series' snapshot chunks, within [mint, maxt]. */
class HeadSeriesIterator implements SampleIterator {
  readonly #spill: ChunkSpill;
  readonly #snap: Snapshot;
  readonly #end: number;
  readonly #open: Uint8Array | null;
  readonly #mint: number;
  readonly #maxt: number;
  #idx: number;
  #cur: SampleIterator | null = null;
  #curMaxT = 0;
  #done = false;
  #xor: XorIterator | null = null;
  #delta: DeltaIterator | null = null;

  constructor(spill: ChunkSpill, snap: Snapshot, start: number, end: number, open: Uint8Array | null, mint: number, maxt: number) {
    this.#spill = spill;
    this.#snap = snap;
    this.#idx = start;
    this.#end = end;
    this.#open = open;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  /** Points #cur at the next chunk whose maxt >= target; false when none is left. */
  #load(target: number): boolean {
    const d = this.#snap.data;
    while (this.#idx < this.#end) {
      const i = this.#idx;
      this.#idx += STRIDE;
      if (d[i + 4] < target) continue;
      const pos = d[i];
      const bytes = pos < 0 ? this.#open! : this.#spill.read(pos, d[i + 1]);
      const enc = d[i + 2];
      if (enc === ChunkEncoding.XOR) {
        if (this.#xor === null) this.#xor = new XorIterator(bytes);
        else this.#xor.reset(bytes);
        this.#cur = this.#xor;
      } else if (enc === ChunkEncoding.Delta) {
        if (this.#delta === null) this.#delta = new DeltaIterator(bytes);
        else this.#delta.reset(bytes);
        this.#cur = this.#delta;
      } else {
        this.#cur = chunkFromBytes(enc, bytes).iterator();
      }
      this.#curMaxT = d[i + 4];
      return true;
    }
    return false;
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    for (;;) {
      if (this.#cur === null && !this.#load(this.#mint)) break;
      const cur = this.#cur!;
      if (cur.next() === ValueType.None) {
        this.#cur = null;
        continue;
      }
      const t = cur.atT();
      if (t < this.#mint) continue;
      if (t > this.#maxt) break;
      return ValueType.Float;
    }
    this.#done = true;
    return ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    const target = t > this.#mint ? t : this.#mint;
    for (;;) {
      if (this.#cur === null) {
        if (!this.#load(target)) break;
      } else if (this.#curMaxT < target) {
        this.#cur = null;
        continue;
      }
      const cur = this.#cur!;
      if (cur.seek(target) === ValueType.None) {
        this.#cur = null;
        continue;
      }
      if (cur.atT() > this.#maxt) break;
      return ValueType.Float;
    }
    this.#done = true;
    return ValueType.None;
  }

  atT(): number {
    return this.#cur!.atT();
  }

  atV(): number {
    return this.#cur!.atV();
  }
}

/** What a series adds on the slow path: a copy of its out-of-order samples in range, its deleted intervals. */
interface SlowParts {
  readonly ooo: { readonly t: Float64Array; readonly v: Float64Array } | null;
  readonly ivs: Intervals | undefined;
}

/** One selected series. */
class HeadSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly spill: ChunkSpill,
    private readonly snap: Snapshot,
    private readonly start: number,
    private readonly end: number,
    private readonly open: Uint8Array | null,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly slow: SlowParts | null = null,
  ) {}

  iterator(): SampleIterator {
    return this.#iterator(this.mint, this.maxt);
  }

  #iterator(mint: number, maxt: number): SampleIterator {
    const base = new HeadSeriesIterator(this.spill, this.snap, this.start, this.end, this.open, mint, maxt);
    return this.slow === null ? base : slowIterator(base, this.slow, mint, maxt);
  }

  /** Decodes the samples within [from, to] (clipped to the select range) into fresh arrays. */
  columns(from: number, to: number): SampleColumns {
    const b = columnsBuilder();
    this.appendColumns(b, from, to);
    return b.finish();
  }

  /**
   * Appends the samples within [from, to] (clipped to the select range) to `b`: XOR chunks are
   * decoded in one loop each straight into it (chunks outside the range skipped by their times);
   * other encodings, out-of-order samples and tombstones go through the iterator.
   */
  appendColumns(b: ColumnsBuilder, from: number, to: number): void {
    const mint = Math.max(this.mint, from);
    const maxt = Math.min(this.maxt, to);
    if (mint > maxt) return;
    if (this.slow !== null) {
      b.pushIterator(this.#iterator(mint, maxt), mint, maxt);
      return;
    }
    const d = this.snap.data;
    for (let i = this.start; i < this.end; i += STRIDE) {
      if (d[i + 4] < mint) continue;
      if (d[i + 3] > maxt) break;
      const pos = d[i];
      const bytes = pos < 0 ? this.open! : this.spill.read(pos, d[i + 1]);
      const enc = d[i + 2];
      if (enc === ChunkEncoding.XOR && bytes.length >= 2) {
        b.reserve((bytes[0] << 8) | bytes[1]);
        b.n += decodeXorSamples(bytes, mint, maxt, b.t, b.v, b.n);
      } else {
        b.pushIterator(chunkFromBytes(enc, bytes).iterator(), mint, maxt);
      }
    }
  }
}

/** The in-order iterator merged with the out-of-order samples within [mint, maxt] (in-order wins on equal times), tombstones applied. */
function slowIterator(base: SampleIterator, slow: SlowParts, mint: number, maxt: number): SampleIterator {
  let it = base;
  if (slow.ooo !== null) {
    const { t, v } = slow.ooo;
    let lo = 0;
    while (lo < t.length && t[lo] < mint) lo++;
    let hi = lo;
    while (hi < t.length && t[hi] <= maxt) hi++;
    if (hi > lo) it = new MergeIterator([new ColumnsIterator(t.subarray(lo, hi), v.subarray(lo, hi)), base]);
  }
  return slow.ivs !== undefined ? new DeletedFilterIterator(it, slow.ivs) : it;
}

/** A querier over [mint, maxt] of a head. Keeps spill segments from deletion until close(). */
export class HeadQuerier implements Querier {
  readonly #head: Head;
  readonly #mint: number;
  readonly #maxt: number;
  #closed = false;

  constructor(head: Head, mint: number, maxt: number) {
    this.#head = head;
    this.#mint = mint;
    this.#maxt = maxt;
    head.chunks.spill.pin();
  }

  async select(hints: SelectHints, ...matchers: Matcher[]): Promise<SeriesSet> {
    if (this.#closed) throw new Error('querier is closed');
    if (matchers.every((m) => m.matchesEmpty())) throw new Error('at least one matcher must not match the empty string');
    const head = this.#head;
    const mint = Math.max(this.#mint, hints.start ?? this.#mint);
    const maxt = Math.min(this.#maxt, hints.end ?? this.#maxt);
    const refs = head.postingsFor(matchers);
    const cols = head.chunks.cols;
    const rec = head.chunks.records;
    const spill = head.chunks.spill;
    const snap = new Snapshot();
    const found: HeadSeries[] = [];
    const ooo = head.ooo;
    const tombstones = head.tombstones;
    const slowPath = ooo.size > 0 || tombstones.size > 0;
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      let slow: SlowParts | null = null;
      if (slowPath) {
        const o = ooo.overlaps(ref, mint, maxt) ? ooo.samples(ref, mint, maxt) : null;
        const ivs = tombstones.get(ref);
        if (o !== null || ivs !== undefined) slow = { ooo: o, ivs };
      }
      if (!(cols.minT[ref] <= maxt && cols.lastT[ref] >= mint) && slow?.ooo == null) continue;
      const start = snap.len;
      // Certain: some overlapping chunk has its first or last sample in range. Otherwise a single
      // chunk spans the whole range and must be decoded to know.
      let certain = false;
      for (let id = cols.firstChunk[ref]; id >= 0 && rec.minT[id] <= maxt; id = rec.next[id]) {
        if (rec.maxT[id] < mint) continue;
        snap.push(rec.pos[id], rec.len[id], rec.encoding[id], rec.minT[id], rec.maxT[id]);
        if (rec.minT[id] >= mint || rec.maxT[id] <= maxt) certain = true;
      }
      let open: Uint8Array | null = null;
      if (cols.count[ref] > 0 && cols.headMinT[ref] <= maxt && cols.lastT[ref] >= mint) {
        open = hints.labelsOnly ? null : head.chunks.openChunkBytes(ref);
        snap.push(-1, 0, ChunkEncoding.XOR, cols.headMinT[ref], cols.lastT[ref]);
        if (cols.headMinT[ref] >= mint || cols.lastT[ref] <= maxt) certain = true;
      }
      if (snap.len === start && slow?.ooo == null) continue;
      if (slow !== null) {
        // Out-of-order samples or tombstones: whether any sample is left needs a look.
        if (open === null && cols.count[ref] > 0 && hints.labelsOnly) open = head.chunks.openChunkBytes(ref);
        const s = new HeadSeries(head.labelsOf(ref), spill, snap, start, snap.len, open, mint, maxt, slow);
        if (s.iterator().next() === ValueType.None) {
          snap.len = start;
          continue;
        }
        if (hints.labelsOnly) {
          snap.len = start;
          found.push(new HeadSeries(s.labels, spill, snap, start, start, null, mint, maxt));
        } else {
          found.push(s);
        }
        continue;
      }
      if (hints.labelsOnly) {
        snap.len = start;
        found.push(new HeadSeries(head.labelsOf(ref), spill, snap, start, start, null, mint, maxt));
        continue;
      }
      if (!certain && new HeadSeriesIterator(spill, snap, start, snap.len, open, mint, maxt).next() === ValueType.None) {
        snap.len = start;
        continue;
      }
      found.push(new HeadSeries(head.labelsOf(ref), spill, snap, start, snap.len, open, mint, maxt));
    }
    found.sort((a, b) => compareLabels(a.labels, b.labels));
    if (hints.limit && found.length > hints.limit) found.length = hints.limit;
    let i = -1;
    return { next: () => ++i < found.length, at: () => found[i], warnings: () => [] };
  }

  /** Whether ref has samples overlapping the querier's range (by first and last sample time, in order or not). */
  #inRange(ref: number): boolean {
    const head = this.#head;
    const cols = head.chunks.cols;
    return (cols.minT[ref] <= this.#maxt && cols.lastT[ref] >= this.#mint) || (head.ooo.size > 0 && head.ooo.overlaps(ref, this.#mint, this.#maxt));
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const head = this.#head;
    if (matchers.length === 0) {
      const out: string[] = [];
      for (const name of head.pairs.names()) if (this.#anyInRange(head.pairs.pairsOf(name))) out.push(name);
      return out;
    }
    const refs = head.postingsFor(matchers);
    const pool = head.table.pool();
    const names = new Set<string>();
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (!this.#inRange(ref)) continue;
      const off = head.table.offset(ref);
      for (let i = 0, n = head.table.count(ref); i < n; i++) names.add(head.pairs.label(pool[off + i]).name);
    }
    return [...names].sort();
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const head = this.#head;
    const pairs = head.pairs;
    if (matchers.length === 0) {
      const out: string[] = [];
      const ids = pairs.pairsOf(name);
      for (let i = 0; i < ids.length; i++) if (this.#anyInRange(ids.subarray(i, i + 1))) out.push(pairs.label(ids[i]).value);
      return out;
    }
    const refs = head.postingsFor(matchers);
    const pool = head.table.pool();
    const values = new Set<string>();
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (!this.#inRange(ref)) continue;
      const off = head.table.offset(ref);
      for (let i = 0, n = head.table.count(ref); i < n; i++) {
        const l = pairs.label(pool[off + i]);
        if (l.name === name) {
          values.add(l.value);
          break;
        }
      }
    }
    return [...values].sort();
  }

  /** Whether any series carrying one of the pairs has samples in range. */
  #anyInRange(pairIds: Uint32Array): boolean {
    const postings = this.#head.postings;
    for (let p = 0; p < pairIds.length; p++) {
      const refs = postings.get(pairIds[p]);
      for (let k = 0; k < refs.length; k++) if (this.#inRange(refs[k])) return true;
    }
    return false;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#head.chunks.spill.unpin();
  }
}
