/**
 * @module Writes a block from series sorted by labels (Prometheus tsdb/compact.go populateBlock +
 * index.Writer): chunks stream into segment files as they come; the index needs all symbols before
 * the series, so series entries are spilled to a temporary file and written once the input ends.
 * Memory held: the symbols, the postings (series ordinals per label pair) and 4 bytes per series.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.ts';
import { compareLabels } from '../../model/labels.ts';
import { CHUNKS_DIR, INDEX_FILE, META_FILE, TOMBSTONES_FILE } from './block.ts';
import { ChunkWriter, DEFAULT_SEGMENT_MAX_BYTES } from './chunks.ts';
import { Decbuf, Encbuf } from './encoding.ts';
import { FileWriter, TMP_FOR_CREATION, fsyncDir, writeFileAtomic } from './fs-util.ts';
import { encodeChunkMetas, IndexWriter, type ChunkMeta } from './index-writer.ts';
import { META_VERSION, serializeMeta, type BlockCompaction, type BlockMeta } from './meta.ts';
import { encodeTombstones } from './tombstones.ts';
import { newUlid } from './ulid.ts';

/** One chunk to write: its time range (inclusive ms), encoding byte and encoded bytes (header included). */
export interface BlockChunk {
  readonly mint: number;
  readonly maxt: number;
  /** A ChunkEncoding value (chunkenc/chunk.ts). */
  readonly encoding: number;
  /** Read during the write call only; the writer copies it. */
  readonly bytes: Uint8Array;
}

/** One series to write: canonical labels and its chunks in time order, not overlapping. */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly BlockChunk[];
}

/** Options of writeBlock. */
export interface WriteBlockOptions {
  /** Block start, inclusive ms; default the first chunk's mint. Every chunk must lie in [minTime, maxTime). */
  minTime?: number;
  /** Block end, exclusive ms; default the last chunk's maxt + 1. */
  maxTime?: number;
  /** The block's ULID; default a new one. */
  ulid?: string;
  /** Level and sources; default level 1 with the block itself as the only source. */
  compaction?: Omit<BlockCompaction, 'failed'>;
  /** Cut a new chunk segment before one would exceed this (default 512 MiB). */
  segmentMaxBytes?: number;
  /** fsync every file and directory before the rename (default true; tests may turn it off). */
  fsync?: boolean;
  /** Aborts the write; the temporary directory is removed. */
  signal?: AbortSignal;
}

/** Series written between yields to the event loop. */
const YIELD_EVERY_SERIES = 1024;
const SPILL_FILE = 'index.series.tmp';

/**
 * Writes a block into `<parentDir>/<ULID>.tmp-for-creation/`, fsyncs it and renames it to
 * `<parentDir>/<ULID>/`, so a crash leaves no partial block under a loadable name. `input` must be
 * sorted by labels (compareLabels) without duplicates; series without chunks are skipped. Throws
 * RangeError for invalid input, after removing the temporary directory. Resolves to the meta written.
 */
export async function writeBlock(parentDir: string, input: Iterable<BlockSeries> | AsyncIterable<BlockSeries>, opts: WriteBlockOptions = {}): Promise<BlockMeta> {
  const ulid = opts.ulid ?? newUlid();
  const fsync = opts.fsync ?? true;
  const tmp = join(parentDir, ulid + TMP_FOR_CREATION);
  const final = join(parentDir, ulid);
  if (existsSync(final)) throw new Error(`write block: ${final} already exists`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, CHUNKS_DIR), { recursive: true });

  const chunks = new ChunkWriter(join(tmp, CHUNKS_DIR), opts.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES, fsync);
  const spill = new FileWriter(join(tmp, SPILL_FILE));
  let index: IndexWriter | null = null;
  try {
    const col = new Collector(opts);
    const pause = async () => {
      opts.signal?.throwIfAborted();
      await new Promise((r) => setImmediate(r));
    };
    // A sync iterable skips the promise per series that for-await costs.
    if (Symbol.iterator in input) {
      for (const s of input) {
        col.add(s, chunks, spill);
        if (col.seen % YIELD_EVERY_SERIES === 0) await pause();
      }
    } else {
      for await (const s of input) {
        col.add(s, chunks, spill);
        if (col.seen % YIELD_EVERY_SERIES === 0) await pause();
      }
    }
    opts.signal?.throwIfAborted();
    chunks.close();
    spill.close(false);

    index = new IndexWriter(join(tmp, INDEX_FILE), fsync);
    await col.writeIndex(index, join(tmp, SPILL_FILE), pause);
    index = null;
    rmSync(join(tmp, SPILL_FILE));

    writeFileAtomic(join(tmp, TOMBSTONES_FILE), encodeTombstones(new Map()), fsync);
    const minTime = opts.minTime ?? col.minT;
    const maxTime = opts.maxTime ?? col.maxT + 1;
    if (!Number.isSafeInteger(minTime) || !Number.isSafeInteger(maxTime) || minTime >= maxTime) {
      throw new RangeError(`block time range [${minTime}, ${maxTime}) is empty or invalid (no chunks and no minTime/maxTime given?)`);
    }
    const meta: BlockMeta = {
      ulid,
      minTime,
      maxTime,
      stats: { numSamples: col.numSamples, numSeries: col.numSeries, numChunks: col.numChunks, numTombstones: 0 },
      compaction: opts.compaction ? { level: opts.compaction.level, sources: [...opts.compaction.sources].sort(), ...(opts.compaction.parents ? { parents: opts.compaction.parents } : {}) } : { level: 1, sources: [ulid] },
      version: META_VERSION,
    };
    writeFileAtomic(join(tmp, META_FILE), serializeMeta(meta), fsync);
    renameSync(tmp, final);
    if (fsync) fsyncDir(parentDir);
    return meta;
  } catch (err) {
    chunks.abort();
    spill.abort();
    index?.abort();
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof RangeError || (err as Error).name === 'AbortError') throw err;
    throw new Error(`write block ${ulid}: ${(err as Error).message}`, { cause: err });
  }
}

/** Validates the input, streams chunks out, spills series records and gathers symbols and postings. */
class Collector {
  readonly #opts: WriteBlockOptions;
  /** Symbol → id in order of first appearance; sorted once the input ends. */
  readonly #symbols = new Map<string, number>([['', 0]]);
  readonly #symbolList: string[] = [''];
  /** name id → value id → ordinals of the series having that pair, ascending. */
  readonly #postings = new Map<number, Map<number, number[]>>();
  readonly #metas = new Encbuf(256);
  readonly #rec = new Encbuf(512);
  readonly #len = Buffer.alloc(4);
  #prev: Labels | null = null;
  /** Series given so far, including those skipped for having no chunks. */
  seen = 0;
  numSeries = 0;
  numChunks = 0;
  numSamples = 0;
  minT = Infinity;
  maxT = -Infinity;

  constructor(opts: WriteBlockOptions) {
    this.#opts = opts;
  }

  #sym(s: string): number {
    let id = this.#symbols.get(s);
    if (id === undefined) {
      id = this.#symbolList.length;
      this.#symbols.set(s, id);
      this.#symbolList.push(s);
    }
    return id;
  }

  add(s: BlockSeries, chunks: ChunkWriter, spill: FileWriter): void {
    const labels = s.labels;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i].name === '' || labels[i].value === '' || (i > 0 && !(labels[i - 1].name < labels[i].name))) {
        throw new RangeError(`series ${JSON.stringify(labels)}: labels must be sorted by name, unique and non-empty`);
      }
    }
    if (this.#prev !== null && compareLabels(this.#prev, labels) >= 0) {
      throw new RangeError(`series ${JSON.stringify(labels)} is not after ${JSON.stringify(this.#prev)} in label order (unsorted or duplicate input)`);
    }
    this.#prev = labels;
    this.seen++;
    if (s.chunks.length === 0) return;

    // Validate every chunk before writing any of them.
    const { minTime = -Infinity, maxTime = Infinity } = this.#opts;
    let samples = 0;
    for (let i = 0; i < s.chunks.length; i++) {
      const c = s.chunks[i];
      if (!Number.isSafeInteger(c.mint) || !Number.isSafeInteger(c.maxt) || c.mint > c.maxt) throw new RangeError(`series ${JSON.stringify(labels)}: chunk ${i} has a bad range [${c.mint}, ${c.maxt}]`);
      if (i > 0 && c.mint <= s.chunks[i - 1].maxt) throw new RangeError(`series ${JSON.stringify(labels)}: chunk ${i} overlaps or precedes the previous one`);
      if (c.mint < minTime || c.maxt >= maxTime) throw new RangeError(`series ${JSON.stringify(labels)}: chunk [${c.mint}, ${c.maxt}] is outside the block range [${minTime}, ${maxTime})`);
      if (c.bytes.length < 2 || ((c.bytes[0] << 8) | c.bytes[1]) === 0) throw new RangeError(`series ${JSON.stringify(labels)}: chunk ${i} holds no samples`);
      samples += (c.bytes[0] << 8) | c.bytes[1];
    }
    const metas: ChunkMeta[] = new Array(s.chunks.length);
    for (let i = 0; i < s.chunks.length; i++) {
      const c = s.chunks[i];
      metas[i] = { mint: c.mint, maxt: c.maxt, ref: chunks.write(c.encoding, c.bytes) };
    }
    this.#metas.reset();
    encodeChunkMetas(this.#metas, metas);

    const ordinal = this.numSeries++;
    const rec = this.#rec;
    rec.reset();
    rec.putUvarint(labels.length);
    for (const l of labels) {
      const n = this.#sym(l.name);
      const v = this.#sym(l.value);
      rec.putUvarint(n);
      rec.putUvarint(v);
      let byValue = this.#postings.get(n);
      if (!byValue) this.#postings.set(n, (byValue = new Map()));
      let ords = byValue.get(v);
      if (!ords) byValue.set(v, (ords = []));
      ords.push(ordinal);
    }
    rec.putBytes(this.#metas.bytes());
    this.#len.writeUInt32BE(rec.length);
    spill.write(this.#len);
    spill.write(rec.bytes());

    this.numChunks += s.chunks.length;
    this.numSamples += samples;
    this.minT = Math.min(this.minT, s.chunks[0].mint);
    this.maxT = Math.max(this.maxT, s.chunks[s.chunks.length - 1].maxt);
  }

  /**
   * Sorts the symbols and writes the whole index, re-reading the spilled series in order; calls
   * `pause` every YIELD_EVERY_SERIES series and postings lists so the event loop keeps serving.
   */
  async writeIndex(iw: IndexWriter, spillPath: string, pause: () => Promise<void>): Promise<void> {
    const list = this.#symbolList;
    const order = list.map((_, i) => i).sort((a, b) => (list[a] < list[b] ? -1 : list[a] > list[b] ? 1 : 0));
    const remap = new Uint32Array(list.length);
    const sorted: string[] = new Array(list.length);
    for (let k = 0; k < order.length; k++) {
      remap[order[k]] = k;
      sorted[k] = list[order[k]];
    }
    iw.writeSymbols(sorted);

    const refs = new Uint32Array(this.numSeries);
    const pairs = new Uint32Array(512);
    const reader = new SpillReader(spillPath);
    try {
      for (let k = 0; k < this.numSeries; k++) {
        const d = reader.next();
        const n = d.uvarint();
        const buf = n * 2 <= pairs.length ? pairs : new Uint32Array(n * 2);
        for (let i = 0; i < n * 2; i++) buf[i] = remap[d.uvarint()];
        refs[k] = iw.addSeries(buf, n, d.buf.subarray(d.pos, d.end));
        if ((k + 1) % YIELD_EVERY_SERIES === 0) await pause();
      }
    } finally {
      reader.close();
    }

    const names = [...this.#postings.keys()].sort((a, b) => remap[a] - remap[b]);
    const valuesOf = new Map<number, number[]>();
    for (const n of names) {
      const values = [...this.#postings.get(n)!.keys()].sort((a, b) => remap[a] - remap[b]);
      valuesOf.set(n, values);
      iw.writeLabelIndex(remap[n], values.map((v) => remap[v]));
    }
    iw.writePostings(0, 0, refs);
    const scratch = new Uint32Array(this.numSeries);
    let written = 0;
    for (const n of names) {
      const byValue = this.#postings.get(n)!;
      for (const v of valuesOf.get(n)!) {
        const ords = byValue.get(v)!;
        for (let i = 0; i < ords.length; i++) scratch[i] = refs[ords[i]];
        iw.writePostings(remap[n], remap[v], scratch, ords.length);
        // Postings cost about their length: yield after about as many entries as series between yields.
        written += ords.length + 16;
        if (written >= YIELD_EVERY_SERIES * 8) {
          written = 0;
          await pause();
        }
      }
    }
    iw.close();
  }
}

/** Reads back the spilled `u32 length · record` entries in order through a 1 MiB buffer. */
class SpillReader {
  readonly #fd: number;
  #buf = Buffer.allocUnsafe(1 << 20);
  #start = 0;
  #end = 0;
  #filePos = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'r');
  }

  /** A decoder over the next record; valid until the next call. */
  next(): Decbuf {
    this.#ensure(4);
    const len = this.#buf.readUInt32BE(this.#start);
    this.#ensure(4 + len);
    const d = new Decbuf(this.#buf, this.#start + 4, this.#start + 4 + len);
    this.#start += 4 + len;
    return d;
  }

  #ensure(n: number): void {
    if (this.#end - this.#start >= n) return;
    const have = this.#end - this.#start;
    const next = n > this.#buf.length ? Buffer.allocUnsafe(n * 2) : this.#buf;
    this.#buf.copy(next, 0, this.#start, this.#end);
    this.#buf = next;
    this.#start = 0;
    this.#end = have;
    while (this.#end < n) {
      const r = readSync(this.#fd, this.#buf, this.#end, this.#buf.length - this.#end, this.#filePos);
      if (r === 0) throw new Error('spilled series file ended early');
      this.#end += r;
      this.#filePos += r;
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}
