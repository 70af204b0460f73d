/**
 * @module The head block: the newest samples of every series, in memory-lean form (Prometheus
 * tsdb/head.go). Series are identified by interned label pairs and a hash table, found by matchers
 * through postings, and their samples live in one open XOR chunk per series (slab memory, off the
 * V8 heap) plus completed chunks in the spill files.
 */
import { join } from 'node:path';
import type { Label, Labels } from '../../model/labels.ts';
import { compareLabels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Appendable, Appender, MetricMetadata, Querier, Queryable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { HeadAppender } from './appender.ts';
import { HeadChunks, type HeadChunkEncoding } from './head-chunks.ts';
import { LabelPairs } from './label-pairs.ts';
import { postingsForMatchers, type MatchOptions } from './matchers.ts';
import { PostingsStore } from './postings.ts';
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
  /** Keep one Labels array per series (of shared Label objects) instead of building it per query (default true). */
  readonly materializeLabels?: boolean;
  /** Samples more than this far past now() are out of bounds (ms, default 10 min). */
  readonly maxFutureMs?: number;
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
}

/** One series for a block writer: labels and its completed chunks in the requested range. */
export interface BlockSeries {
  readonly ref: number;
  readonly labels: Labels;
  /** In time order; `bytes` are a fresh copy owned by the caller. */
  readonly chunks: ReadonlyArray<{ readonly mint: number; readonly maxt: number; readonly encoding: number; readonly bytes: Uint8Array }>;
}

/** What truncate() dropped. */
export interface TruncateResult {
  readonly removedSeries: number;
  readonly removedChunks: number;
}

/** The in-memory head: Appendable and Queryable over the newest samples. */
export class Head implements Appendable, Queryable {
  /** @internal */ readonly pairs = new LabelPairs();
  /** @internal */ readonly table: SeriesTable;
  /** @internal */ readonly postings = new PostingsStore();
  /** @internal */ readonly chunks: HeadChunks;
  /** @internal */ readonly materialize: boolean;
  /** @internal */ readonly maxFutureMs: number;
  /** @internal */ readonly now: () => number;
  /** @internal */ readonly onCommit: ((batch: CommitBatch) => void) | undefined;
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
    this.materialize = options.materializeLabels ?? true;
    this.maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
    this.now = options.now ?? Date.now;
    this.onCommit = options.onCommit;
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

  /** @internal Creates a series (labels canonical, not present) under `ref` or the next free ref. */
  create(labels: Labels, ref = this.#nextRef): number {
    const n = labels.length;
    if (n === 0 || n > MAX_LABELS_PER_SERIES) throw new StorageError('out_of_bounds', `a series needs 1 to ${MAX_LABELS_PER_SERIES} labels, got ${n}`);
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
      // objects in it: the translator's cached series and the head then hold one array between them.
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
    this.create(labels, ref);
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
    for (let ref = 1; ref < this.#nextRef; ref++) {
      if ((cols.flags[ref] & SERIES_ALIVE) === 0) continue;
      if (cols.minT[ref] >= mint && cols.minT[ref] !== Infinity) continue;
      if (this.chunks.truncateSeries(ref, mint)) continue;
      if (this.openAppenders.has(cols.batchOwner[ref])) continue;
      const pool = this.table.pool();
      const off = this.table.offset(ref);
      for (let i = 0, n = this.table.count(ref); i < n; i++) dirty.add(pool[off + i]);
      this.table.remove(ref);
      cols.flags[ref] = 0;
      this.#labels[ref] = undefined;
      removed++;
    }
    if (removed > 0) {
      for (const p of this.postings.removeDead(dirty, (r) => (cols.flags[r] & SERIES_ALIVE) !== 0)) this.pairs.remove(p);
    }
    this.chunks.slab.compact();
    return { removedSeries: removed, removedChunks: chunksBefore - this.chunks.records.size };
  }

  /**
   * Series with completed chunks lying entirely within [mint, maxt] (ms, inclusive), sorted by
   * labels: what a block writer persists. Chunks are read from the spill files as it goes. Open
   * chunks whose chunk range ends within [mint, maxt] are completed first; other open chunks are
   * not included (with block ranges that are multiples of chunkRangeMs, none straddles the block).
   * Do not truncate while iterating.
   */
  *seriesForBlock(mint: number, maxt: number): IterableIterator<BlockSeries> {
    const cols = this.chunks.cols;
    const r = this.chunks.records;
    const refs: number[] = [];
    for (let ref = 1; ref < this.#nextRef; ref++) {
      if ((cols.flags[ref] & SERIES_ALIVE) === 0) continue;
      // An open chunk whose chunk range ended inside the block can take no more samples (the next
      // one would cut it anyway): complete it, or a series that stopped would never be persisted.
      if (cols.count[ref] > 0 && cols.headEnd[ref] <= maxt + 1 && cols.headMinT[ref] >= mint) this.chunks.complete(ref);
      for (let id = cols.firstChunk[ref]; id >= 0 && r.minT[id] <= maxt; id = r.next[id]) {
        if (r.minT[id] >= mint && r.maxT[id] <= maxt) {
          refs.push(ref);
          break;
        }
      }
    }
    const labels = refs.map((ref) => this.labelsOf(ref));
    const order = refs.map((_, i) => i).sort((a, b) => compareLabels(labels[a], labels[b]));
    for (const i of order) {
      const ref = refs[i];
      const chunks: Array<{ mint: number; maxt: number; encoding: number; bytes: Uint8Array }> = [];
      for (let id = cols.firstChunk[ref]; id >= 0 && r.minT[id] <= maxt; id = r.next[id]) {
        if (r.minT[id] < mint || r.maxT[id] > maxt) continue;
        chunks.push({ mint: r.minT[id], maxt: r.maxT[id], encoding: r.encoding[id], bytes: this.chunks.spill.read(r.pos[id], r.len[id]).slice() });
      }
      yield { ref, labels: labels[i], chunks };
    }
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
    return {
      numSeries: this.table.size,
      numSamples: c.numSamples,
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
