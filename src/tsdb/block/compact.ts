/**
 * @module Compaction (Prometheus tsdb/compact.go LeveledCompactor.Compact): merges blocks into one
 * new block of level max + 1 whose sources are the union of theirs. Series are merged by labels;
 * chunks that overlap no other chunk and meet no tombstone are copied as they are (value streams
 * with their timestamps; format-1 chunks are split by the writer), the rest are decoded, merged
 * (one sample per timestamp: the later block wins), stripped of deleted samples and re-encoded as
 * value streams.
 */
import { compareLabels, type Labels } from '../../model/labels.ts';
import { ValueType } from '../../model/value.ts';
import type { SampleIterator } from '../../storage/interface.ts';
import { BitWriter, ChunkEncoding, MAX_SAMPLES_PER_CHUNK, writeValues } from '../chunkenc/index.ts';
import type { Block, BlockLogger, BlockReader } from './block.ts';
import { CorruptChunkReadError } from './errors.ts';
import { removeBlockDir } from './fs-util.ts';
import type { IndexSeries } from './index-reader.ts';
import type { ChunkMeta } from './series-codec.ts';
import { BlockSeriesIterator, MergeIterator, type LoadedChunk } from './iterators.ts';
import type { BlockMeta, BlockRef } from './meta.ts';
import { formatLabels } from './querier.ts';
import { coversRange, intersectsRange, type Intervals } from './tombstones.ts';
import { writeBlock, type BlockChunk, type BlockSeries } from './writer.ts';

/** Options of compact. */
export interface CompactOptions {
  /** Samples per re-encoded chunk (default 120, Prometheus' target). */
  samplesPerChunk?: number;
  /** Remove the parent blocks' directories once the new block is in place (default true). */
  deleteParents?: boolean;
  /** fsync the new block (default true). */
  fsync?: boolean;
  /** Passed to writeBlock. */
  segmentMaxBytes?: number;
  signal?: AbortSignal;
  logger?: BlockLogger;
}

/** Samples per re-encoded chunk unless told otherwise. */
export const DEFAULT_SAMPLES_PER_CHUNK = 120;
const YIELD_EVERY_SERIES = 1024;

/**
 * Merges `blocks` (overlapping allowed) into a new block in `parentDir` and returns its meta.
 * Pass blocks oldest first: on equal timestamps the sample of the block later in the list wins.
 * The new block is renamed into place before any parent is removed; a crash in between leaves
 * parents whose sources the new block covers, which openBlocks deletes. The parents' Block objects
 * stay usable (their files stay open) until the caller closes them. A corrupt chunk marks its
 * block's meta.json compaction.failed (so planCompaction skips it) and rejects.
 */
export async function compact(parentDir: string, blocks: readonly Block[], opts: CompactOptions = {}): Promise<BlockMeta> {
  if (blocks.length === 0) throw new RangeError('compact needs at least one block');
  const readers = blocks.map((b) => b.reader());
  const metas = readers.map((r) => r.meta);
  const sources = [...new Set(metas.flatMap((m) => m.compaction.sources))].sort();
  const parents: BlockRef[] = metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime }));
  const started = Date.now();
  let meta: BlockMeta;
  try {
    meta = await writeBlock(parentDir, mergeSeries(readers, blocks, opts), {
      minTime: Math.min(...metas.map((m) => m.minTime)),
      maxTime: Math.max(...metas.map((m) => m.maxTime)),
      compaction: { level: Math.max(...metas.map((m) => m.compaction.level)) + 1, sources, parents },
      ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
      ...(opts.segmentMaxBytes !== undefined ? { segmentMaxBytes: opts.segmentMaxBytes } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    for (const r of readers) r.release();
  }
  opts.logger?.info('block: compacted', { block: meta.ulid, level: meta.compaction.level, parents: metas.map((m) => m.ulid).join(','), series: meta.stats.numSeries, duration_ms: Date.now() - started });
  if (opts.deleteParents ?? true) {
    for (const b of blocks) removeBlockDir(b.dir, opts.fsync ?? true);
  }
  return meta;
}

/** A cursor over one parent's series in label order. */
interface Cursor {
  readonly src: number;
  readonly reader: BlockReader;
  readonly refs: Uint32Array;
  pos: number;
  ref: number;
  cur: IndexSeries | null;
}

function advance(c: Cursor): void {
  if (c.pos < c.refs.length) {
    c.ref = c.refs[c.pos++];
    c.cur = c.reader.index.series(c.ref);
  } else {
    c.cur = null;
  }
}

/** One chunk of a merged series, tagged with the parent it comes from. */
interface Part {
  readonly src: number;
  readonly meta: ChunkMeta;
  readonly ivs: Intervals | undefined;
  readonly dirty: boolean;
}

async function* mergeSeries(readers: BlockReader[], blocks: readonly Block[], opts: CompactOptions): AsyncGenerator<BlockSeries> {
  const cursors: Cursor[] = readers.map((reader, src) => ({ src, reader, refs: reader.index.allPostings(), pos: 0, ref: 0, cur: null }));
  for (const c of cursors) advance(c);
  let n = 0;
  for (;;) {
    let labels: Labels | null = null;
    for (const c of cursors) if (c.cur && (labels === null || compareLabels(c.cur.labels, labels) < 0)) labels = c.cur.labels;
    if (labels === null) return;
    const parts: Part[] = [];
    for (const c of cursors) {
      if (!c.cur || compareLabels(c.cur.labels, labels) !== 0) continue;
      const ivs = c.reader.tombstones.get(c.ref);
      for (const m of c.cur.chunks) {
        if (coversRange(ivs, m.mint, m.maxt)) continue;
        parts.push({ src: c.src, meta: m, ivs, dirty: intersectsRange(ivs, m.mint, m.maxt) });
      }
      advance(c);
    }
    let chunks: BlockChunk[];
    try {
      chunks = mergeChunks(parts, readers, opts);
    } catch (err) {
      if (err instanceof SourceChunkError) {
        blocks[err.src].markCompactionFailed();
        throw new Error(`compact: block ${readers[err.src].meta.ulid}: series ${formatLabels(labels)}: ${err.message}`, { cause: err.cause });
      }
      throw err;
    }
    if (chunks.length > 0) yield { labels, chunks };
    if (++n % YIELD_EVERY_SERIES === 0) {
      opts.signal?.throwIfAborted();
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** A chunk of parent `src` that could not be read or decoded. */
class SourceChunkError extends Error {
  constructor(readonly src: number, cause: Error) {
    super(cause.message, { cause });
  }
}

function load(p: Part, readers: BlockReader[]): LoadedChunk {
  try {
    const c = readers[p.src].chunks.read(p.meta);
    return { mint: p.meta.mint, maxt: p.meta.maxt, encoding: c.encoding, data: c.data, ts: c.ts };
  } catch (err) {
    if (err instanceof CorruptChunkReadError) throw new SourceChunkError(p.src, err);
    throw err;
  }
}

/** The output chunks of one series: runs of overlapping parts merged, lone clean parts copied. */
function mergeChunks(parts: Part[], readers: BlockReader[], opts: CompactOptions): BlockChunk[] {
  parts.sort((a, b) => a.meta.mint - b.meta.mint || a.src - b.src);
  const out: BlockChunk[] = [];
  let i = 0;
  while (i < parts.length) {
    let j = i + 1;
    let runMaxt = parts[i].meta.maxt;
    while (j < parts.length && parts[j].meta.mint <= runMaxt) runMaxt = Math.max(runMaxt, parts[j++].meta.maxt);
    const run = parts.slice(i, j);
    if (run.length === 1 && !run[0].dirty) {
      const c = load(run[0], readers);
      out.push({ mint: c.mint, maxt: c.maxt, encoding: c.encoding, bytes: c.data, ...(c.ts !== null ? { timestamps: c.ts } : {}) });
    } else {
      reencode(run, readers, opts, out);
    }
    i = j;
  }
  return out;
}

function reencode(run: Part[], readers: BlockReader[], opts: CompactOptions, out: BlockChunk[]): void {
  // One iterator per parent over its chunks of the run (in time order, never overlapping each
  // other), older parents first, so MergeIterator lets the later parent win on equal timestamps.
  const srcs = [...new Set(run.map((p) => p.src))].sort((a, b) => a - b);
  const its: SampleIterator[] = srcs.map((src) => {
    const parts = run.filter((p) => p.src === src);
    return new BlockSeriesIterator(
      parts.map((p) => load(p, readers)),
      -Infinity,
      Infinity,
      parts[0].ivs,
      (err) => {
        throw new SourceChunkError(src, err);
      },
    );
  });
  const it = its.length === 1 ? its[0] : new MergeIterator(its);
  const perChunk = Math.min(opts.samplesPerChunk ?? DEFAULT_SAMPLES_PER_CHUNK, MAX_SAMPLES_PER_CHUNK);
  const ts = new Float64Array(perChunk);
  const vs = new Float64Array(perChunk);
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    const w = new BitWriter(n * 2);
    writeValues(w, vs, n);
    out.push({ mint: ts[0], maxt: ts[n - 1], encoding: ChunkEncoding.Values, bytes: w.bytes(), timestamps: ts.slice(0, n) });
    n = 0;
  };
  while (it.next() !== ValueType.None) {
    ts[n] = it.atT();
    vs[n] = it.atV();
    if (++n >= perChunk) flush();
  }
  flush();
}
