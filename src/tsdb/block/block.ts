/**
 * @module One immutable on-disk block (Prometheus tsdb/block.go): opened and verified from its
 * directory, queried through BlockQuerier, with deletions recorded as tombstones.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from '../../log.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Querier, Queryable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { type BlockChunkReader, ChunkReader, ChunkSegments, ColumnCache, DEFAULT_READAHEAD_BYTES } from './chunks.ts';
import { ChunkReaderV1, verifySegmentsV1 } from './chunks-v1.ts';
import { DecodeError } from './encoding.ts';
import { CorruptBlockError } from './errors.ts';
import { writeFileAtomic } from './fs-util.ts';
import { type BlockIndex, IndexReader, openIndex, type OpenedIndex } from './index-reader.ts';
import { parseMeta, serializeMeta, type BlockMeta } from './meta.ts';
import type { PageCache } from './page-cache.ts';
import { postingsForMatchers } from './postings-for-matchers.ts';
import { BlockQuerier } from './querier.ts';
import { addInterval, countIntervals, coversRange, decodeTombstones, encodeTombstones, type TombstoneMap } from './tombstones.ts';
import { isUlid } from './ulid.ts';
import { verifySegmentsV2 } from './verify-chunks.ts';

/** The logging a block needs. */
export type BlockLogger = Pick<Logger, 'warn' | 'info'>;

/** The block's meta.json file name. */
export const META_FILE = 'meta.json';
/** The block's index file name (docs/format/index.md). */
export const INDEX_FILE = 'index';
/** The block's tombstones file name. */
export const TOMBSTONES_FILE = 'tombstones';
/** The block's directory of chunk segments. */
export const CHUNKS_DIR = 'chunks';

/** Options of openBlock. */
export interface OpenBlockOptions {
  logger?: BlockLogger;
  /**
   * 'full' (default) also reads every chunk record, checking its CRC, that the segments hold
   * exactly the chunks the index refers to, and meta.json's sample count. 'quick' checks meta.json,
   * the whole index, the tombstones and the segment headers; chunk CRCs are then checked on read.
   */
  verify?: 'full' | 'quick';
  /** The most bytes read ahead per chunk read at query time (default 256 KiB; it starts at 4 KiB and grows on forward reads). */
  readaheadBytes?: number;
  /** fsync tombstones and meta.json rewrites (default true). */
  fsync?: boolean;
  /** Regex fast paths for select; false only to compare results with the slow path. */
  regexFastPaths?: boolean;
  /**
   * The read cache queries read chunk pages through (format 2), shared by the blocks of a store;
   * without one, each querier reads its own read-ahead windows and checks their pages' CRCs.
   */
  pageCache?: PageCache;
}

/** What compaction reads from a block; release() when done. */
export interface BlockReader {
  readonly meta: BlockMeta;
  readonly index: BlockIndex;
  readonly chunks: BlockChunkReader;
  readonly tombstones: TombstoneMap;
  release(): void;
}

/**
 * An open, verified block. Read-only except for tombstones (delete) and meta.json's bookkeeping
 * fields. Implements Queryable: querier(mint, maxt) with both bounds inclusive, in ms.
 * close() waits for open queriers; a querier is safe across await until its close().
 */
export class Block implements Queryable {
  /** The block directory. */
  readonly dir: string;
  #meta: BlockMeta;
  readonly #index: BlockIndex;
  readonly #segments: ChunkSegments;
  /** Decoded timestamp columns, shared by this block's readers. */
  readonly #columns = new ColumnCache();
  #tombstones: TombstoneMap;
  /** Bytes of index + chunk segments, which never change. */
  readonly #dataBytes: number;
  #tombstonesBytes: number;
  #metaBytes: number;
  readonly #opts: OpenBlockOptions;
  #pending = 0;
  #closing: Promise<void> | null = null;
  #onIdle: (() => void) | null = null;

  private constructor(dir: string, meta: BlockMeta, index: BlockIndex, segments: ChunkSegments, tombstones: TombstoneMap, sizes: { data: number; tombstones: number; meta: number }, opts: OpenBlockOptions) {
    this.dir = dir;
    this.#meta = meta;
    this.#index = index;
    this.#segments = segments;
    this.#tombstones = tombstones;
    this.#dataBytes = sizes.data;
    this.#tombstonesBytes = sizes.tombstones;
    this.#metaBytes = sizes.meta;
    this.#opts = opts;
  }

  /** @internal Use openBlock. */
  static async open(dir: string, opts: OpenBlockOptions = {}): Promise<Block> {
    const ulid = basename(dir);
    const corrupt = (file: string, reason: string, offset?: number, cause?: unknown) => new CorruptBlockError(dir, file, reason, offset, cause === undefined ? undefined : { cause });
    if (!isUlid(ulid)) throw corrupt(META_FILE, `directory name ${ulid} is not a ULID`);

    const metaBuf = readBlockFile(dir, META_FILE);
    const metaText = metaBuf.toString('utf8');
    let meta: BlockMeta;
    try {
      meta = parseMeta(metaText, ulid);
    } catch (err) {
      throw corrupt(META_FILE, (err as Error).message, undefined, err);
    }

    const full = (opts.verify ?? 'full') === 'full';
    const indexBuf = readBlockFile(dir, INDEX_FILE);
    let opened: OpenedIndex;
    try {
      opened = openIndex(indexBuf, full);
    } catch (err) {
      if (err instanceof DecodeError) throw corrupt(INDEX_FILE, err.message, err.offset, err);
      throw corrupt(INDEX_FILE, (err as Error).message, undefined, err);
    }
    const { reader: index, walk } = opened;
    const s = meta.stats;
    const disagree = (what: string) => corrupt(META_FILE, `${what} (disagrees with the index)`);
    if (s.numSeries !== walk.numSeries) throw disagree(`stats.numSeries is ${s.numSeries}, the index holds ${walk.numSeries} series`);
    if (s.numChunks !== walk.numChunks) throw disagree(`stats.numChunks is ${s.numChunks}, the index holds ${walk.numChunks} chunks`);
    if (walk.numChunks > 0 && (walk.minTime < meta.minTime || walk.maxTime >= meta.maxTime)) {
      throw disagree(`chunks span [${walk.minTime}, ${walk.maxTime}], outside [minTime, maxTime) = [${meta.minTime}, ${meta.maxTime})`);
    }

    const tombBuf = readBlockFile(dir, TOMBSTONES_FILE);
    let tombstones: Map<number, number[]>;
    try {
      tombstones = decodeTombstones(tombBuf);
    } catch (err) {
      const offset = err instanceof DecodeError ? err.offset : undefined;
      throw corrupt(TOMBSTONES_FILE, (err as Error).message, offset, err);
    }
    const all = index.allPostings();
    for (const ref of tombstones.keys()) if (!hasU32(all, ref)) throw corrupt(TOMBSTONES_FILE, `tombstone for series ref ${ref}, which the index does not have`);

    const segments = ChunkSegments.open(dir);
    try {
      if (segments.version !== index.version) throw corrupt('chunks/000001', `chunk segments of format ${segments.version}, the index is of format ${index.version}`, 4);
      if (index instanceof IndexReader) segments.checkPages(dir, index.pages);
      if (full) {
        const samples = index instanceof IndexReader ? await verifySegmentsV2(dir, segments, index) : await verifySegmentsV1(dir, segments, walk.chunkRefs!, walk.numChunks);
        if (samples !== s.numSamples) throw disagree(`stats.numSamples is ${s.numSamples}, the chunks hold ${samples} samples`);
      }
    } catch (err) {
      segments.close();
      throw err;
    }
    const numTombstones = countIntervals(tombstones);
    if (meta.stats.numTombstones !== numTombstones) meta = { ...meta, stats: { ...meta.stats, numTombstones } };
    const sizes = { data: indexBuf.length + segments.totalBytes, tombstones: tombBuf.length, meta: metaBuf.length };
    return new Block(dir, meta, index, segments, tombstones, sizes, opts);
  }

  /** What meta.json says (stats.numTombstones recounted from the tombstones file). */
  get meta(): BlockMeta {
    return this.#meta;
  }

  /** The block's ULID (its directory name). */
  get ulid(): string {
    return this.#meta.ulid;
  }

  /** Bytes on disk: index, chunk segments, tombstones and meta.json. */
  size(): number {
    return this.#dataBytes + this.#tombstonesBytes + this.#metaBytes;
  }

  /** A Querier over [mint, maxt] (inclusive ms). Throws StorageError('unavailable') after close(). */
  async querier(mint: number, maxt: number): Promise<Querier> {
    const release = this.#acquire();
    return new BlockQuerier(
      {
        ulid: this.#meta.ulid,
        minTime: this.#meta.minTime,
        maxTime: this.#meta.maxTime,
        index: this.#index,
        chunks: this.#chunkReader(this.#opts.readaheadBytes ?? DEFAULT_READAHEAD_BYTES, this.#opts.pageCache ?? null),
        tombstones: this.#tombstones,
        regexFastPaths: this.#opts.regexFastPaths ?? true,
        release,
      },
      mint,
      maxt,
    );
  }

  /** @internal A reader for compaction; holds the block open until release(). */
  reader(): BlockReader {
    const release = this.#acquire();
    // Compaction reads each page once: past the read cache, so queries keep theirs.
    return { meta: this.#meta, index: this.#index, chunks: this.#chunkReader(4 << 20, null), tombstones: this.#tombstones, release };
  }

  #chunkReader(readaheadBytes: number, cache: PageCache | null): BlockChunkReader {
    const ix = this.#index;
    return ix instanceof IndexReader ? new ChunkReader(this.#segments, ix.pages, this.#columns, readaheadBytes, cache) : new ChunkReaderV1(this.#segments, readaheadBytes);
  }

  /**
   * Deletes the samples in [mint, maxt] (inclusive ms, clipped to the block) of every series
   * matching all matchers, by adding tombstones: the tombstones file is replaced atomically, then
   * meta.json's stats.numTombstones. Queriers opened before keep their snapshot. Resolves to the
   * number of series that got a tombstone. Not to be run while this block is being compacted.
   */
  async delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<number> {
    if (matchers.length === 0) throw new Error('delete needs at least one matcher');
    if (this.#closing) throw new StorageError('unavailable', `block ${this.ulid} is closed`);
    const lo = Math.max(mint, this.#meta.minTime);
    const hi = Math.min(maxt, this.#meta.maxTime - 1);
    if (lo > hi) return 0;
    const next = new Map(this.#tombstones);
    let count = 0;
    for (const ref of postingsForMatchers(this.#index, matchers)) {
      const ivs = next.get(ref);
      const hit = this.#index.series(ref).chunks.some((c) => c.maxt >= lo && c.mint <= hi && !coversRange(ivs, Math.max(c.mint, lo), Math.min(c.maxt, hi)));
      if (!hit) continue;
      next.set(ref, addInterval(ivs ?? [], lo, hi));
      count++;
    }
    if (count === 0) return 0;
    const fsync = this.#opts.fsync ?? true;
    const bytes = encodeTombstones(next);
    writeFileAtomic(join(this.dir, TOMBSTONES_FILE), bytes, fsync);
    this.#tombstonesBytes = bytes.length;
    this.#tombstones = next;
    this.#writeMeta({ ...this.#meta, stats: { ...this.#meta.stats, numTombstones: countIntervals(next) } });
    this.#opts.logger?.info('block: tombstones written', { block: this.ulid, series: count, mint: lo, maxt: hi });
    return count;
  }

  /** @internal Records in meta.json that a compaction of this block failed, so the planner skips it. */
  markCompactionFailed(): void {
    this.#writeMeta({ ...this.#meta, compaction: { ...this.#meta.compaction, failed: true } });
  }

  #writeMeta(meta: BlockMeta): void {
    const bytes = serializeMeta(meta);
    writeFileAtomic(join(this.dir, META_FILE), bytes, this.#opts.fsync ?? true);
    this.#meta = meta;
    this.#metaBytes = bytes.length;
  }

  #acquire(): () => void {
    if (this.#closing) throw new StorageError('unavailable', `block ${this.#meta.ulid} is closed`);
    this.#pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#pending === 0 && this.#onIdle) this.#onIdle();
    };
  }

  /** Closes the chunk files once every open querier and reader is closed. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      const done = () => {
        this.#segments.close();
        this.#opts.pageCache?.dropSegments(this.#segments.ids, this.#segments.sizes.length);
        resolve();
      };
      if (this.#pending === 0) done();
      else this.#onIdle = done;
    });
    return this.#closing;
  }
}

/** Opens and verifies the block in `dir`. Throws CorruptBlockError when a file fails verification. */
export function openBlock(dir: string, opts: OpenBlockOptions = {}): Promise<Block> {
  return Block.open(dir, opts);
}

/** A block file's bytes; a missing file is corruption of the block, other I/O errors pass through. */
function readBlockFile(dir: string, file: string): Buffer {
  try {
    return readFileSync(join(dir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new CorruptBlockError(dir, file, 'missing', undefined, { cause: err });
    }
    throw err;
  }
}

function hasU32(a: Uint32Array, x: number): boolean {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length && a[lo] === x;
}
