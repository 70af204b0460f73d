/**
 * @module The head block: the newest samples of every series, in memory-lean form (Prometheus
 * tsdb/head.go). Series are identified by interned label pairs and a hash table, found by matchers
 * through postings, and their samples live in one open XOR chunk per series (slab memory, off the
 * V8 heap) plus completed chunks in the spill files.
 */
import { join } from 'node:path';
import type { Label, Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Appendable, Appender, Deletable, MetricMetadata, Querier, Queryable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import type { SeriesAdmission } from '../../storage/series-limits.ts';
import { packChunks, unpackSeries, type PackedSeries } from '../block/packed-series.ts';
import { addInterval, coversRange, intersectsRange, type Intervals } from '../block/tombstones.ts';
import type { BlockSeries } from '../block/writer.ts';
import { HeadAppender } from './appender.ts';
import { headCardinality } from './cardinality.ts';
import { mergeForBlock, type CutChunk } from './merge-for-block.ts';
import { HeadChunks, type HeadChunkEncoding } from './head-chunks.ts';
import { LabelPairs } from './label-pairs.ts';
import { postingsForMatchers, type MatchOptions } from './matchers.ts';
import { PostingsStore } from './postings.ts';
import { OooInsert, OutOfOrderStore } from './ooo.ts';
import { HeadQuerier } from './querier.ts';
import { SERIES_ALIVE, SERIES_LOGGED } from './series-columns.ts';
import { MAX_LABELS_PER_SERIES, SeriesTable, type PairHash } from './series-table.ts';
import { ChunkSpill, type ChunkSpillOptions } from './spill.ts';

/** Default chunk range: Prometheus' smallest block range, so no chunk straddles a 2h block. */
export const DEFAULT_CHUNK_RANGE_MS = 2 * 60 * 60 * 1000;
/** Default samples per chunk (Prometheus' head target). */
export const DEFAULT_SAMPLES_PER_CHUNK = 120;
/** Default limit of how far in the future a sample may be (ms). */
export const DEFAULT_MAX_FUTURE_MS = 10 * 60_000;

/** One committed batch, handed to onCommit before its samples become visible. */
export interface CommitBatch {
  /** Series the WAL has not seen yet, with their refs; labels are canonical and shared (do not mutate). */
  readonly series: ReadonlyArray<{ readonly ref: number; readonly labels: Labels }>;
  /** Samples: refs[i], t[i] (ms), v[i] for i < n. Views valid only during the call: copy to keep. */
  readonly refs: Uint32Array;
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly n: number;
  /** Out-of-order samples (older than their series' newest, within the window): same layout, oooN of them. */
  readonly oooRefs: Uint32Array;
  readonly oooT: Float64Array;
  readonly oooV: Float64Array;
  readonly oooN: number;
  /** Metadata updates of the batch (last write wins). */
  readonly metadata: ReadonlyMap<string, MetricMetadata>;
}

/** @internal An appender's sample columns, recycled between appenders. */
export interface AppendBuffers {
  readonly refs: Uint32Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
}

/** Options of Head. */
export interface HeadOptions {
  /** Data directory; spill files go to `<dir>/chunks_head/`. */
  readonly dir: string;
  /** Chunks never span a multiple of this (ms, default 2h). Block ranges should be multiples. */
  readonly chunkRangeMs?: number;
  /** A chunk is cut at this many samples (default 120). */
  readonly samplesPerChunk?: number;
  /** 'xor' (default, fastest) or 'smallest': a completed chunk becomes Delta when that is strictly smaller. */
  readonly chunkEncoding?: HeadChunkEncoding;
  /**
   * Keep one Labels array per series (of shared Label objects) instead of building it from the
   * series table per query (default false: 100+ bytes a series; writers that cache refs, as the
   * OTLP translator does, no longer keep theirs either).
   */
  readonly materializeLabels?: boolean;
  /** Samples more than this far past now() are out of bounds (ms, default 10 min). */
  readonly maxFutureMs?: number;
  /**
   * Samples older than their series' newest are accepted when they are at most this much older
   * than the head's newest sample (ms; Prometheus' out_of_order_time_window; default 0 = off,
   * they are rejected as out_of_order). They are never accepted below minValidT (out_of_bounds).
   */
  readonly outOfOrderTimeWindowMs?: number;
  /** Asked before a series is created (admit), told when one is removed (release) or replayed (count). */
  readonly seriesLimiter?: SeriesAdmission;
  readonly now?: () => number;
  /**
   * Called synchronously by commit() with the batch, before its samples become visible (the WAL
   * writes it here). If it throws, the batch is dropped and commit rejects with 'unavailable'.
   */
  readonly onCommit?: (batch: CommitBatch) => void;
  readonly spill?: ChunkSpillOptions;
  /** Replaces the label-set hash (tests force collisions with it). */
  readonly hash?: PairHash;
}

/** Figures of a head, for self-metrics and tests. */
export interface HeadStats {
  readonly numSeries: number;
  readonly numSamples: number;
  /** Completed chunks plus open ones. */
  readonly numChunks: number;
  /** Oldest and newest sample time held (ms); +Infinity / -Infinity when empty. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Bytes of open chunks (slots in use) and of slab pages held. */
  readonly slabBytes: number;
  readonly slabAllocatedBytes: number;
  /** Bytes of chunk data held: completed chunks plus the written part of open ones. */
  readonly chunkBytes: number;
  /** Bytes of spill segment files. */
  readonly spilledBytes: number;
  /** Completed chunks written as Delta (with chunkEncoding 'smallest'). */
  readonly deltaChunks: number;
  /** Bytes of index typed arrays: series table, columns, chunk records, postings. */
  readonly indexBytes: number;
  /** Samples dropped at commit because another appender committed later ones first. */
  readonly outOfOrderAtCommit: number;
  /** Out-of-order samples held (included in numSamples), and series with deleted intervals. */
  readonly outOfOrderSamples: number;
  readonly seriesWithTombstones: number;
}

/** What a delete does, computed before it is logged and applied (Head.planDelete). */
export interface DeletePlan {
  /** Series keeping some samples: refs[i] loses [mint[i], maxt[i]] (inclusive ms). */
  readonly refs: number[];
  readonly mint: number[];
  readonly maxt: number[];
  /** Series losing every sample: removed from the head (the WAL's SeriesDropped 'deleted'). */
  readonly drop: number[];
}

/** Cardinality figures of the head, as Prometheus' /api/v1/status/tsdb reports them. */
export interface HeadCardinality {
  readonly numSeries: number;
  readonly numLabelPairs: number;
  readonly chunkCount: number;
  /** Oldest and newest sample time held (ms); +Infinity / -Infinity when empty. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly numSamples: number;
  /** The `limit` largest of each, by value descending (ties by name). */
  readonly seriesCountByMetricName: ReadonlyArray<{ name: string; value: number }>;
  readonly labelValueCountByLabelName: ReadonlyArray<{ name: string; value: number }>;
  /** UTF-8 bytes of each label name's distinct values (what Prometheus reports). */
  readonly memoryInBytesByLabelName: ReadonlyArray<{ name: string; value: number }>;
  readonly seriesCountByLabelValuePair: ReadonlyArray<{ name: string; value: number }>;
}

/** The chunks part of packForBlock's result, with the refs of the series kept. */
type PackedChunks = Omit<PackedSeries, 'pairNames' | 'pairValues' | 'pairIds' | 'pairStart'> & { readonly refs: readonly number[] };

/** What truncate() dropped. */
export interface TruncateResult {
  readonly removedSeries: number;
  readonly removedChunks: number;
}

/** The in-memory head: Appendable and Queryable over the newest samples. */
export class Head implements Appendable, Queryable, Deletable {
  /** @internal */ readonly pairs = new LabelPairs();
  /** @internal */ readonly table: SeriesTable;
  /** @internal */ readonly postings = new PostingsStore();
  /** @internal */ readonly chunks: HeadChunks;
  /** @internal */ readonly materialize: boolean;
  /** @internal */ readonly maxFutureMs: number;
  /** @internal */ readonly now: () => number;
  /** @internal */ readonly onCommit: ((batch: CommitBatch) => void) | undefined;
  /** @internal 0 = out-of-order samples are rejected. */
  readonly oooWindowMs: number;
  /** @internal Out-of-order samples by series. */
  readonly ooo = new OutOfOrderStore();
  /** @internal Deleted intervals of series that keep other samples, by ref (applied on read and at block cut). */
  readonly tombstones = new Map<number, Intervals>();
  readonly #limiter: SeriesAdmission | undefined;
  /** @internal Appends below this time are out of bounds (raised by truncate). */
  minValidT = -Infinity;
  /** @internal */ maxTime = -Infinity;
  /** @internal Ids of appenders not yet committed or rolled back. */
  readonly openAppenders = new Set<number>();
  /** @internal */ outOfOrderAtCommit = 0;
  #nextRef = 1;
  #nextAppender = 1;
  readonly #labels: Array<Labels | undefined> = [];
  readonly #scratch = new Uint32Array(MAX_LABELS_PER_SERIES);
  readonly #aliases = new Map<number, number>();
  readonly #metadata = new Map<string, MetricMetadata>();
  #closed = false;

  /** Opens a head over `<dir>/chunks_head/` (old spill segments there are deleted). */
  constructor(options: HeadOptions) {
    this.table = new SeriesTable(options.hash);
    this.chunks = new HeadChunks(new ChunkSpill(join(options.dir, 'chunks_head'), options.spill), {
      chunkRangeMs: options.chunkRangeMs ?? DEFAULT_CHUNK_RANGE_MS,
      samplesPerChunk: options.samplesPerChunk ?? DEFAULT_SAMPLES_PER_CHUNK,
      encoding: options.chunkEncoding ?? 'xor',
    });
    this.materialize = options.materializeLabels ?? false;
    this.maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
    this.now = options.now ?? Date.now;
    this.onCommit = options.onCommit;
    this.oooWindowMs = options.outOfOrderTimeWindowMs ?? 0;
    if (!(this.oooWindowMs >= 0)) throw new RangeError(`outOfOrderTimeWindowMs must be >= 0, got ${this.oooWindowMs}`);
    this.#limiter = options.seriesLimiter;
  }

  /** One past the largest ref handed out. */
  get nextRef(): number {
    return this.#nextRef;
  }

  appender(): Appender {
    if (this.#closed) throw new StorageError('unavailable', 'head is closed');
    const id = this.#nextAppender++;
    if (this.#nextAppender > 0xffffffff) this.#nextAppender = 1;
    this.openAppenders.add(id);
    return new HeadAppender(this, id);
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.#closed) throw new StorageError('unavailable', 'head is closed');
    return new HeadQuerier(this, mint, maxt);
  }

  /** Whether ref names a live series (the WAL owner's checkpoint keeps only those). */
  alive(ref: number): boolean {
    return ref > 0 && ref < this.#nextRef && (this.chunks.cols.flags[ref] & SERIES_ALIVE) !== 0;
  }

  /** @internal The ref of a live series with these labels, or 0. */
  lookup(labels: Labels): number {
    const n = labels.length;
    if (n === 0 || n > MAX_LABELS_PER_SERIES) return 0;
    const ids = this.#scratch;
    for (let i = 0; i < n; i++) {
      const id = this.pairs.lookup(labels[i].name, labels[i].value);
      if (id < 0) return 0;
      ids[i] = id;
    }
    return this.table.find(ids, 0, n, this.table.hash(ids, 0, n));
  }

  /**
   * @internal Creates a series (labels canonical, not present) under `ref` or the next free ref.
   * A new series is admitted by the series limiter first (StorageError('series_limit') when it
   * refuses); a replayed one is only counted.
   */
  create(labels: Labels, ref = this.#nextRef, replayed = false): number {
    const n = labels.length;
    if (n === 0 || n > MAX_LABELS_PER_SERIES) throw new StorageError('out_of_bounds', `a series needs 1 to ${MAX_LABELS_PER_SERIES} labels, got ${n}`);
    if (this.#limiter !== undefined) {
      if (replayed) this.#limiter.count(labels);
      else this.#limiter.admit(labels);
    }
    const ids = this.#scratch;
    for (let i = 0; i < n; i++) ids[i] = this.pairs.intern(labels[i].name, labels[i].value);
    this.table.insert(ref, ids, 0, n, this.table.hash(ids, 0, n));
    if (ref >= this.#nextRef) this.#nextRef = ref + 1;
    const cols = this.chunks.cols;
    cols.ensure(ref);
    cols.flags[ref] = SERIES_ALIVE;
    for (let i = 0; i < n; i++) this.postings.add(ids[i], ref);
    this.postings.addSeries(ref);
    if (this.materialize) {
      // Keep the caller's array (the storage contract allows it) with the head's shared Label
      // objects in it: a writer that keeps its array too then shares it with the head.
      const arr: Label[] = Object.isFrozen(labels) ? new Array(n) : (labels as Label[]);
      for (let i = 0; i < n; i++) arr[i] = this.pairs.label(ids[i]);
      while (this.#labels.length < ref) this.#labels.push(undefined);
      this.#labels[ref] = arr;
    }
    return ref;
  }

  /** The labels of a live series (shared: do not mutate). */
  labelsOf(ref: number): Labels {
    const cached = this.#labels[ref];
    if (cached !== undefined) return cached;
    const n = this.table.count(ref);
    const pool = this.table.pool();
    const off = this.table.offset(ref);
    const arr: Label[] = new Array(n);
    for (let i = 0; i < n; i++) arr[i] = this.pairs.label(pool[off + i]);
    return arr;
  }

  /** @internal Sorted refs of series matching all matchers (samples not checked). */
  postingsFor(matchers: readonly Matcher[], options?: MatchOptions): Uint32Array {
    return postingsForMatchers(this.pairs, this.postings, matchers, options);
  }

  /** @internal Records metadata of a committed batch. */
  applyMetadata(metadata: ReadonlyMap<string, MetricMetadata>): void {
    for (const [k, m] of metadata) this.#metadata.set(k, m);
  }

  /** Metadata by metric family, last write wins. */
  metadata(): ReadonlyMap<string, MetricMetadata> {
    return this.#metadata;
  }

  /**
   * WAL replay: creates the series `ref` with `labels` (canonical). If a series with these labels
   * exists under another ref, later replaySamples for `ref` go to that one; returns the ref used.
   */
  replaySeries(ref: number, labels: Labels): number {
    if (!(ref > 0 && ref <= 0xffffffff && Number.isInteger(ref))) throw new RangeError(`bad series ref ${ref}`);
    const existing = this.lookup(labels);
    if (existing !== 0) {
      if (existing !== ref) this.#aliases.set(ref, existing);
      return existing;
    }
    if (this.alive(ref)) throw new RangeError(`series ref ${ref} replayed twice with different labels`);
    this.create(labels, ref, true);
    this.chunks.cols.flags[ref] |= SERIES_LOGGED;
    return ref;
  }

  /**
   * WAL replay: appends samples (refs[i], ts[i], vs[i]) for i < n, skipping those of unknown
   * series, out of order or before the truncation point. Returns how many were applied.
   */
  replaySamples(refs: ArrayLike<number>, ts: Float64Array, vs: Float64Array, n: number): number {
    const cols = this.chunks.cols;
    let applied = 0;
    for (let i = 0; i < n; i++) {
      let ref = refs[i];
      if (this.#aliases.size > 0) ref = this.#aliases.get(ref) ?? ref;
      const t = ts[i];
      if (!this.alive(ref) || !(t > cols.lastT[ref]) || t < this.minValidT || !HeadChunks.validTimestamp(t)) continue;
      this.chunks.append(ref, t, vs[i]);
      if (t > this.maxTime) this.maxTime = t;
      applied++;
    }
    return applied;
  }

  /**
   * WAL replay of out-of-order samples: each goes back among its series' out-of-order samples
   * (whatever the window is now: it was accepted once), or in order when it is newer than the
   * series' last sample (the newer ones were lost). Skips unknown series, samples before the
   * truncation point and times already held. Returns how many were applied.
   */
  replayOutOfOrder(refs: ArrayLike<number>, ts: Float64Array, vs: Float64Array, n: number): number {
    const cols = this.chunks.cols;
    let applied = 0;
    for (let i = 0; i < n; i++) {
      const ref = this.#resolve(refs[i]);
      const t = ts[i];
      if (!this.alive(ref) || t < this.minValidT || !HeadChunks.validTimestamp(t)) continue;
      if (t > cols.lastT[ref]) {
        this.chunks.append(ref, t, vs[i]);
        if (t > this.maxTime) this.maxTime = t;
        applied++;
      } else if (t < cols.lastT[ref] && this.ooo.insert(ref, t, vs[i]) === OooInsert.Added) {
        applied++;
      }
    }
    return applied;
  }

  /** WAL replay of a Tombstones record: refs[i] loses [mint[i], maxt[i]]; unknown series are skipped. */
  replayTombstones(refs: ArrayLike<number>, mint: Float64Array, maxt: Float64Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const ref = this.#resolve(refs[i]);
      if (this.alive(ref)) this.tombstones.set(ref, addInterval(this.tombstones.get(ref) ?? [], mint[i], maxt[i]));
    }
  }

  /** WAL replay of a SeriesDropped record: removes the series again. */
  replaySeriesDropped(refs: ArrayLike<number>, n: number): void {
    const dirty = new Set<number>();
    for (let i = 0; i < n; i++) {
      const ref = this.#resolve(refs[i]);
      this.#aliases.delete(refs[i]);
      if (!this.alive(ref)) continue;
      this.chunks.dropSeries(ref);
      this.#unlink(ref, dirty);
    }
    this.#removePostings(dirty);
  }

  #resolve(ref: number): number {
    return this.#aliases.size > 0 ? (this.#aliases.get(ref) ?? ref) : ref;
  }

  /**
   * What deleting [mint, maxt] (inclusive ms) of the series matching all matchers does, without
   * doing it: like Prometheus, each interval is clipped to the series' samples now, so samples
   * appended later are kept. A series losing every sample is dropped instead (unless an open
   * appender holds samples for it); already-deleted ranges are left out.
   */
  planDelete(mint: number, maxt: number, matchers: readonly Matcher[]): DeletePlan {
    const plan: DeletePlan = { refs: [], mint: [], maxt: [], drop: [] };
    if (matchers.length === 0) throw new Error('delete needs at least one matcher');
    const cols = this.chunks.cols;
    const refs = this.postingsFor(matchers);
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (!this.alive(ref)) continue;
      const first = Math.min(cols.minT[ref], this.ooo.minTime(ref));
      const last = cols.lastT[ref];
      if (!(first <= last)) continue; // no samples yet
      const lo = Math.max(mint, first);
      const hi = Math.min(maxt, last);
      if (lo > hi) continue;
      const ivs = this.tombstones.get(ref);
      if (coversRange(ivs, lo, hi)) continue;
      const all = lo === first && hi === last;
      if (all && (cols.flags[ref] & SERIES_LOGGED) !== 0 && !this.openAppenders.has(cols.batchOwner[ref])) {
        plan.drop.push(ref);
      } else {
        plan.refs.push(ref);
        plan.mint.push(lo);
        plan.maxt.push(hi);
      }
    }
    return plan;
  }

  /** Applies a plan from planDelete (after the WAL took it). Series a select returned before keep the samples it saw; later selects apply it. */
  applyDelete(plan: DeletePlan): void {
    for (let i = 0; i < plan.refs.length; i++) {
      const ref = plan.refs[i];
      if (this.alive(ref)) this.tombstones.set(ref, addInterval(this.tombstones.get(ref) ?? [], plan.mint[i], plan.maxt[i]));
    }
    if (plan.drop.length > 0) this.replaySeriesDropped(plan.drop, plan.drop.length);
  }

  /** Deletes without a WAL (planDelete + applyDelete); the WAL owner logs the plan in between instead. */
  async delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void> {
    this.applyDelete(this.planDelete(mint, maxt, matchers));
  }

  /** Forgets a live series whose chunks are gone: table, flags, labels, limiter, out-of-order samples, tombstones. Adds its pairs to `dirty`. */
  #unlink(ref: number, dirty: Set<number>): void {
    const pool = this.table.pool();
    const off = this.table.offset(ref);
    for (let i = 0, n = this.table.count(ref); i < n; i++) dirty.add(pool[off + i]);
    this.#limiter?.release(this.labelsOf(ref));
    this.table.remove(ref);
    this.chunks.cols.flags[ref] = 0;
    this.#labels[ref] = undefined;
    this.ooo.drop(ref);
    this.tombstones.delete(ref);
  }

  /** Drops removed series from the postings of `dirty` pairs, and pairs left without series. */
  #removePostings(dirty: Set<number>): void {
    if (dirty.size === 0) return;
    const cols = this.chunks.cols;
    for (const p of this.postings.removeDead(dirty, (r) => (cols.flags[r] & SERIES_ALIVE) !== 0)) this.pairs.remove(p);
  }

  /**
   * Drops chunks whose samples all lie before mint, then series with no samples left (unless an
   * open appender has samples pending for them). Later appends before mint are out of bounds.
   * Refs are never reused, so queriers and callers holding old refs stay safe.
   */
  truncate(mint: number): TruncateResult {
    if (mint > this.minValidT) this.minValidT = mint;
    const cols = this.chunks.cols;
    const chunksBefore = this.chunks.records.size;
    const dirty = new Set<number>();
    let removed = 0;
    if (this.ooo.size > 0) this.ooo.truncate(mint);
    for (const [ref, ivs] of this.tombstones) {
      if (ivs[ivs.length - 1] >= mint) continue;
      this.tombstones.delete(ref);
    }
    for (let ref = 1; ref < this.#nextRef; ref++) {
      if ((cols.flags[ref] & SERIES_ALIVE) === 0) continue;
      if (cols.minT[ref] >= mint && cols.minT[ref] !== Infinity) continue;
      if (this.chunks.truncateSeries(ref, mint)) continue;
      if (this.openAppenders.has(cols.batchOwner[ref])) continue;
      if (this.ooo.minTime(ref) !== Infinity) continue;
      this.#unlink(ref, dirty);
      removed++;
    }
    this.#removePostings(dirty);
    this.chunks.slab.compact();
    return { removedSeries: removed, removedChunks: chunksBefore - this.chunks.records.size };
  }

  /**
   * Series with completed chunks lying entirely within [mint, maxt] (ms, inclusive), packed for a
   * block writer (block/packed-series.ts; in ref order, unpackSeries sorts them by labels). Open
   * chunks whose chunk range ends within [mint, maxt] are completed first; other open chunks are
   * not included (with block ranges that are multiples of chunkRangeMs, none straddles the block).
   * A series with out-of-order samples or deleted intervals in the range takes the slow path: its
   * samples are merged (in-order ones win on equal times), the deleted ones left out, and
   * re-encoded as XOR chunks. The result shares nothing with the head.
   */
  packForBlock(mint: number, maxt: number): PackedSeries {
    const cols = this.chunks.cols;
    const r = this.chunks.records;
    const refs: number[] = [];
    const slow = this.ooo.size > 0 || this.tombstones.size > 0;
    for (let ref = 1; ref < this.#nextRef; ref++) {
      if ((cols.flags[ref] & SERIES_ALIVE) === 0) continue;
      // An open chunk whose chunk range ended inside the block can take no more samples (the next
      // one would cut it anyway): complete it, or a series that stopped would never be persisted.
      if (cols.count[ref] > 0 && cols.headEnd[ref] <= maxt + 1 && cols.headMinT[ref] >= mint) this.chunks.complete(ref);
      let found = false;
      for (let id = cols.firstChunk[ref]; id >= 0 && r.minT[id] <= maxt; id = r.next[id]) {
        if (r.minT[id] >= mint && r.maxT[id] <= maxt) {
          found = true;
          break;
        }
      }
      if (found || (slow && this.ooo.overlaps(ref, mint, maxt))) refs.push(ref);
    }
    // The range's chunks, series by series (series i has ids[chunkStart[i], chunkStart[i + 1])),
    // all read from the spill files at once in file order.
    const ids: number[] = [];
    const chunkStart = new Uint32Array(refs.length + 1);
    for (let i = 0; i < refs.length; i++) {
      chunkStart[i] = ids.length;
      for (let id = cols.firstChunk[refs[i]]; id >= 0 && r.minT[id] <= maxt; id = r.next[id]) if (r.minT[id] >= mint && r.maxT[id] <= maxt) ids.push(id);
    }
    chunkStart[refs.length] = ids.length;
    const lens = Uint32Array.from(ids, (id) => r.len[id]);
    const { bytes, offsets } = this.chunks.spill.readMany(Float64Array.from(ids, (id) => r.pos[id]), lens);
    const packed = slow ? this.#packSlow(refs, ids, chunkStart, bytes, offsets, mint, maxt) : this.#packChunks(refs, ids, chunkStart, bytes, offsets);
    const { pairNames, pairValues, pairIds, pairStart } = this.#packPairs(packed.refs);
    return { pairNames, pairValues, pairIds, pairStart, chunkStart: packed.chunkStart, minT: packed.minT, maxT: packed.maxT, encoding: packed.encoding, byteStart: packed.byteStart, bytes: packed.bytes };
  }

  /** The chunks of packForBlock as read, when no series needs merging. */
  #packChunks(refs: number[], ids: number[], chunkStart: Uint32Array, bytes: Uint8Array, offsets: Float64Array): PackedChunks {
    const r = this.chunks.records;
    const n = ids.length;
    const minT = new Float64Array(n);
    const maxT = new Float64Array(n);
    const encoding = new Uint8Array(n);
    const byteStart = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      minT[k] = r.minT[id];
      maxT[k] = r.maxT[id];
      encoding[k] = r.encoding[id];
      byteStart[k] = offsets[k];
    }
    byteStart[n] = bytes.length;
    return { refs, chunkStart, minT, maxT, encoding, byteStart, bytes };
  }

  /** The chunks of packForBlock with out-of-order samples merged in and deleted intervals left out; series left empty are dropped. */
  #packSlow(refs: number[], ids: number[], chunkStart: Uint32Array, bytes: Uint8Array, offsets: Float64Array, mint: number, maxt: number): PackedChunks {
    const r = this.chunks.records;
    const kept: number[] = [];
    const starts: number[] = [0];
    const chunks: CutChunk[] = [];
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      const own: CutChunk[] = [];
      for (let k = chunkStart[i]; k < chunkStart[i + 1]; k++) {
        const id = ids[k];
        own.push({ mint: r.minT[id], maxt: r.maxT[id], encoding: r.encoding[id], bytes: bytes.subarray(offsets[k], offsets[k] + r.len[id]) });
      }
      const ivs = this.tombstones.get(ref);
      const ooo = this.ooo.samples(ref, mint, maxt);
      const out = ooo === null && !intersectsRange(ivs, mint, maxt) ? own : mergeForBlock(own, ooo, ivs, mint, maxt);
      if (out.length === 0) continue;
      kept.push(ref);
      chunks.push(...out);
      starts.push(chunks.length);
    }
    return { refs: kept, chunkStart: Uint32Array.from(starts), ...packChunks(chunks) };
  }

  /** The label pairs of packForBlock's series: their pair ids, and the strings of those pairs only. */
  #packPairs(refs: readonly number[]): Pick<PackedSeries, 'pairNames' | 'pairValues' | 'pairIds' | 'pairStart'> {
    const t = this.table;
    const pool = t.pool();
    const pairStart = new Uint32Array(refs.length + 1);
    for (let i = 0; i < refs.length; i++) pairStart[i + 1] = pairStart[i] + t.count(refs[i]);
    const pairIds = new Uint32Array(pairStart[refs.length]);
    for (let i = 0; i < refs.length; i++) {
      const off = t.offset(refs[i]);
      pairIds.set(pool.subarray(off, off + t.count(refs[i])), pairStart[i]);
    }
    const capacity = this.pairs.capacity;
    const pairNames: string[] = new Array(capacity).fill('');
    const pairValues: string[] = new Array(capacity).fill('');
    for (let k = 0; k < pairIds.length; k++) {
      const id = pairIds[k];
      if (pairNames[id] !== '') continue;
      const l = this.pairs.label(id);
      pairNames[id] = l.name;
      pairValues[id] = l.value;
    }
    return { pairNames, pairValues, pairIds, pairStart };
  }

  /** packForBlock's series as objects, sorted by labels (for tests). */
  seriesForBlock(mint: number, maxt: number): IterableIterator<BlockSeries> {
    return unpackSeries(this.packForBlock(mint, maxt));
  }

  /**
   * Cardinality figures for /api/v1/status/tsdb, from the postings (no sample is read): the
   * `limit` largest of each list. O(label pairs).
   */
  cardinality(limit: number): HeadCardinality {
    return headCardinality(this.stats(), this.pairs, this.postings, limit);
  }

  /** Figures; O(series) for minTime. */
  stats(): HeadStats {
    const cols = this.chunks.cols;
    let minTime = Infinity;
    let open = 0;
    let openBytes = 0;
    for (let ref = 1; ref < this.#nextRef; ref++) {
      if ((cols.flags[ref] & SERIES_ALIVE) === 0) continue;
      if (cols.minT[ref] < minTime) minTime = cols.minT[ref];
      if (cols.count[ref] > 0) {
        open++;
        openBytes += (cols.bits[ref] + 7) >>> 3;
      }
    }
    const c = this.chunks;
    if (this.ooo.size > 0) minTime = Math.min(minTime, this.ooo.minTimeAll());
    return {
      numSeries: this.table.size,
      numSamples: c.numSamples + this.ooo.numSamples,
      numChunks: c.records.size + open,
      minTime,
      maxTime: this.maxTime,
      chunkBytes: c.completedBytes + openBytes,
      slabBytes: c.slab.usedBytes,
      slabAllocatedBytes: c.slab.allocatedBytes + c.slab.spareBytes,
      spilledBytes: c.spill.bytes,
      deltaChunks: c.deltaChunks,
      indexBytes: this.table.byteLength + cols.byteLength + c.records.byteLength + this.postings.byteLength,
      outOfOrderAtCommit: this.outOfOrderAtCommit,
      outOfOrderSamples: this.ooo.numSamples,
      seriesWithTombstones: this.tombstones.size,
    };
  }

  #spareBuffers: AppendBuffers | null = null;

  /** @internal Sample buffers for a new appender: the last returned ones, or fresh. */
  takeBuffers(): AppendBuffers {
    const b = this.#spareBuffers;
    if (b !== null) {
      this.#spareBuffers = null;
      return b;
    }
    return { refs: new Uint32Array(256), ts: new Float64Array(256), vs: new Float64Array(256) };
  }

  /** @internal Keeps an appender's buffers for the next one. */
  returnBuffers(b: AppendBuffers): void {
    if (this.#spareBuffers === null || b.ts.length > this.#spareBuffers.ts.length) this.#spareBuffers = b;
  }

  /** @internal A new appender id's slot closes. */
  appenderDone(id: number): void {
    this.openAppenders.delete(id);
  }

  /** Flushes and closes the spill files. Appenders and queriers fail afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.chunks.spill.close();
  }

  /** @internal */
  get closed(): boolean {
    return this.#closed;
  }
}
