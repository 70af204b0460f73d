/**
 * @module Writes a block from series sorted by labels (Prometheus tsdb/compact.go populateBlock +
 * index.Writer): each chunk is split into its timestamps and its values as it comes; the values
 * stream into segment files at once, each distinct timestamp column once, before the first chunk
 * that uses it. The index needs all symbols before the series, so series entries are spilled to a
 * temporary file and written once the input ends. Memory held: the symbols, the postings (series
 * ordinals per label pair, as varint deltas: ordinal-lists.ts) and the recent timestamp columns
 * (at most COLUMN_DICT_MAX_ENTRIES).
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.ts';
import { compareLabels } from '../../model/labels.ts';
import { ValueType } from '../../model/value.ts';
import type { SampleIterator } from '../../storage/interface.ts';
import { BitWriter, ChunkEncoding, CorruptChunkError, MAX_SAMPLES_PER_CHUNK, checkValuesHeader, chunkFromBytes, writeTimestamps, writeValues } from '../chunkenc/index.ts';
import { decodeXorSamples } from '../chunkenc/xor.ts';
import { CHUNKS_DIR, INDEX_FILE, META_FILE, TOMBSTONES_FILE } from './block.ts';
import { ChunkWriter, DEFAULT_PAGE_BYTES, DEFAULT_SEGMENT_MAX_BYTES, type WrittenPages } from './chunks.ts';
import { Decbuf, Encbuf } from './encoding.ts';
import { FileWriter, TMP_FOR_CREATION, fsyncDir, writeFileAtomic } from './fs-util.ts';
import { IndexWriter, type LabelTableEntry } from './index-writer.ts';
import { META_VERSION, serializeMeta, type BlockCompaction, type BlockMeta } from './meta.ts';
import { OrdinalLists } from './ordinal-lists.ts';
import type { ChunkMetaIn } from './series-codec.ts';
import { encodeTombstones } from './tombstones.ts';
import { newUlid } from './ulid.ts';

/**
 * One chunk to write: its time range (inclusive ms), encoding and bytes. Either a chunk that holds
 * its timestamps (XOR or Delta, header included), which the writer decodes and splits, or a value
 * stream (ChunkEncoding.Values, chunkenc/values.ts) with its `timestamps`, written as it is.
 */
export interface BlockChunk {
  readonly mint: number;
  readonly maxt: number;
  /** A ChunkEncoding value (chunkenc/chunk.ts). */
  readonly encoding: number;
  /** Read during the write call only; the writer copies it. */
  readonly bytes: Uint8Array;
  /** The timestamps of a ChunkEncoding.Values chunk, one per value; read during the write call only. */
  readonly timestamps?: Float64Array;
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
  /** End a CRC page of the chunk segments once it holds this many bytes (default 4096; 1 gives every chunk a page). */
  pageBytes?: number;
  /** fsync every file and directory before the rename (default true; tests may turn it off). */
  fsync?: boolean;
  /** Aborts the write; the temporary directory is removed. */
  signal?: AbortSignal;
}

/** Series written between yields to the event loop. */
const YIELD_EVERY_SERIES = 1024;
const SPILL_FILE = 'index.series.tmp';
/**
 * Distinct timestamp columns remembered while writing; past this the memory starts over, and a
 * column seen again is stored again (costing bytes, never correctness). Series of one scrape or
 * OTLP request come in label order, not together, so the window must span many of them.
 */
const COLUMN_DICT_MAX_ENTRIES = 1 << 16;

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

  const chunks = new ChunkWriter(join(tmp, CHUNKS_DIR), opts.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES, fsync, opts.pageBytes ?? DEFAULT_PAGE_BYTES);
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
    const pages = chunks.close();
    spill.close(false);

    index = new IndexWriter(join(tmp, INDEX_FILE), fsync);
    await col.writeIndex(index, join(tmp, SPILL_FILE), pages, pause);
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

/**
 * Validates the input, splits chunks into columns and value streams and writes them, spills series
 * records and gathers symbols and postings.
 */
class Collector {
  readonly #opts: WriteBlockOptions;
  /** Symbol → id in order of first appearance; sorted once the input ends. */
  readonly #symbols = new Map<string, number>([['', 0]]);
  readonly #symbolList: string[] = [''];
  /** name id → value id → its list in #ordinals: the ordinals of the series having that pair. */
  readonly #postings = new Map<number, Map<number, number>>();
  readonly #ordinals = new OrdinalLists();
  /** Encoded timestamp column (as a latin1 string) → its ref. */
  readonly #columns = new Map<string, number>();
  readonly #rec = new Encbuf(512);
  /** A series' encoded chunks (column, values, column, values…) and their sizes, before they are written. */
  readonly #items = new Encbuf(4096);
  /** Per chunk of the series: the bytes of its column in #items (0 when written before), then of its values. */
  readonly #sizes: number[] = [];
  readonly #keys: string[] = [];
  /** The previous series' chunk columns: their timestamps and dictionary keys. */
  readonly #lastColumns: Array<{ readonly ts: Float64Array; readonly key: string }> = [];
  readonly #len = Buffer.alloc(4);
  readonly #tw = new BitWriter(256);
  readonly #vw = new BitWriter(256);
  #ts = new Float64Array(256);
  #vs = new Float64Array(256);
  readonly #decoders = new Map<number, SampleIterator>();
  #prev: Labels | null = null;
  /** The last series written (with chunks) and, per label position, its pair's symbols and postings list. */
  #prevWritten: Labels | null = null;
  readonly #pairNames: number[] = [];
  readonly #pairValues: number[] = [];
  readonly #pairLists: number[] = [];
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
      if (labels[i].name === '' || labels[i].value === '' || (i > 0 && !(labels[i - 1].name < labels[i].name))) throw bad(labels, 'labels must be sorted by name, unique and non-empty');
    }
    if (this.#prev !== null && compareLabels(this.#prev, labels) >= 0) throw bad(labels, `is not after ${JSON.stringify(this.#prev)} in label order (unsorted or duplicate input)`);
    this.#prev = labels;
    this.seen++;
    if (s.chunks.length === 0) return;

    // Validate every chunk's range before writing any of them.
    const { minTime = -Infinity, maxTime = Infinity } = this.#opts;
    for (let i = 0; i < s.chunks.length; i++) {
      const problem = chunkProblem(s.chunks, i, minTime, maxTime);
      if (problem !== null) throw bad(labels, problem);
    }
    // Encode every chunk first (its values, and its column unless written before): the series'
    // chunks go into one segment, cut before them if they do not fit.
    const buf = this.#items;
    buf.reset();
    const sizes = this.#sizes;
    sizes.length = 0;
    const keys = this.#keys;
    keys.length = 0;
    if (this.#columns.size + s.chunks.length > COLUMN_DICT_MAX_ENTRIES) this.#columns.clear();
    for (let i = 0; i < s.chunks.length; i++) {
      const c = s.chunks[i];
      let ts: Float64Array;
      let n: number;
      // A chunk's own value stream, or null when it was encoded into #vw.
      let values: Uint8Array | null = null;
      try {
        if (c.encoding === ChunkEncoding.Values) {
          ts = c.timestamps!;
          n = ts.length;
          checkValuesHeader(c.bytes);
          values = c.bytes;
        } else {
          n = this.#decode(c);
          ts = this.#ts;
          this.#vw.clear();
          writeValues(this.#vw, this.#vs, n);
        }
      } catch (err) {
        if (err instanceof CorruptChunkError) throw bad(labels, `chunk ${i}: ${err.message}`, err);
        throw err;
      }
      if (ts[0] !== c.mint || ts[n - 1] !== c.maxt) throw bad(labels, `chunk ${i} holds samples in [${ts[0]}, ${ts[n - 1]}], its range says [${c.mint}, ${c.maxt}]`);
      // Neighbours in label order mostly share timestamps: compare with the previous series' chunk i
      // before encoding the column again to look it up.
      const last = this.#lastColumns[i];
      let key: string;
      let column: Uint8Array | null = null;
      if (last !== undefined && sameTimestamps(last.ts, ts, n)) {
        key = last.key;
      } else {
        column = this.#encodeColumn(ts, n);
        key = Buffer.from(column.buffer, column.byteOffset, column.length).toString('latin1');
        this.#lastColumns[i] = { ts: ts.slice(0, n), key };
      }
      if (this.#columns.has(key)) {
        sizes.push(0);
      } else {
        column ??= this.#encodeColumn(ts, n);
        buf.putBytes(column);
        sizes.push(column.length);
      }
      if (values !== null) {
        buf.putBytes(values);
        sizes.push(values.length);
      } else {
        const vw = this.#vw;
        buf.putRange(vw.buffer, 0, vw.byteLength);
        sizes.push(vw.byteLength);
      }
      keys.push(key);
      this.numSamples += n;
    }
    const metas: ChunkMetaIn[] = new Array(s.chunks.length);
    const bytes = buf.bytes();
    chunks.beginSeries(bytes.length);
    let at = 0;
    for (let i = 0; i < s.chunks.length; i++) {
      const c = s.chunks[i];
      const columnLen = sizes[2 * i];
      const valuesLen = sizes[2 * i + 1];
      let colRef = this.#columns.get(keys[i]);
      const newColumn = colRef === undefined;
      let ref: number;
      if (colRef === undefined) {
        ref = chunks.write(bytes, at, columnLen, valuesLen);
        colRef = ref - columnLen;
        this.#columns.set(keys[i], colRef);
      } else {
        // Written by an earlier chunk of this series: its bytes here are not needed.
        ref = chunks.write(bytes, at + columnLen, 0, valuesLen);
      }
      at += columnLen + valuesLen;
      metas[i] = { mint: c.mint, maxt: c.maxt, ref, len: valuesLen, colRef, newColumn };
    }

    const ordinal = this.numSeries++;
    const rec = this.#rec;
    rec.reset();
    rec.putUvarint(labels.length);
    // Neighbours in label order share most pairs at the same position: reuse the previous series'
    // symbols and postings list for those, and look up only the pairs that changed.
    const prev = this.#prevWritten;
    const pairNames = this.#pairNames;
    const pairValues = this.#pairValues;
    const pairLists = this.#pairLists;
    const ordinals = this.#ordinals;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (prev === null || i >= prev.length || prev[i].name !== l.name || prev[i].value !== l.value) {
        const n = this.#sym(l.name);
        const v = this.#sym(l.value);
        let byValue = this.#postings.get(n);
        if (!byValue) this.#postings.set(n, (byValue = new Map()));
        let list = byValue.get(v);
        if (list === undefined) byValue.set(v, (list = ordinals.add()));
        pairNames[i] = n;
        pairValues[i] = v;
        pairLists[i] = list;
      }
      rec.putUvarint(pairNames[i]);
      rec.putUvarint(pairValues[i]);
      ordinals.push(pairLists[i], ordinal);
    }
    this.#prevWritten = labels;
    rec.putUvarint(metas.length);
    for (const m of metas) {
      rec.putVarint(m.mint);
      rec.putUvarint(m.maxt - m.mint);
      rec.putUvarint(m.ref);
      rec.putUvarint(m.len);
      rec.putUvarint(m.colRef);
      rec.putByte(m.newColumn ? 1 : 0);
    }
    this.#len.writeUInt32BE(rec.length);
    spill.write(this.#len);
    spill.write(rec.bytes());

    this.numChunks += s.chunks.length;
    this.minT = Math.min(this.minT, s.chunks[0].mint);
    this.maxT = Math.max(this.maxT, s.chunks[s.chunks.length - 1].maxt);
  }

  /** The column of ts[0, n), in #tw (valid until the next call). */
  #encodeColumn(ts: Float64Array, n: number): Uint8Array {
    const tw = this.#tw;
    tw.clear();
    writeTimestamps(tw, ts, n);
    return tw.bytes();
  }

  /** Decodes a chunk that holds its timestamps into #ts/#vs; returns the sample count. */
  #decode(c: BlockChunk): number {
    const want = (c.bytes[0] << 8) | c.bytes[1];
    if (this.#ts.length < want) {
      const cap = Math.min(MAX_SAMPLES_PER_CHUNK, Math.max(want, this.#ts.length * 2));
      this.#ts = new Float64Array(cap);
      this.#vs = new Float64Array(cap);
    }
    const ts = this.#ts;
    const vs = this.#vs;
    if (c.encoding === ChunkEncoding.XOR) {
      if (want > ts.length) throw new CorruptChunkError(`its header says ${want} samples, more than a chunk holds`);
      // The head's chunks: one bulk decode loop instead of an iterator call per sample.
      const n = decodeXorSamples(c.bytes, -Infinity, Infinity, ts, vs, 0);
      if (n !== want) throw new CorruptChunkError(`${n} samples, its header says ${want}`);
      return n;
    }
    const reuse = this.#decoders.get(c.encoding);
    const it = chunkFromBytes(c.encoding, c.bytes).iterator(reuse);
    if (it !== reuse) this.#decoders.set(c.encoding, it);
    let n = 0;
    while (it.next() !== ValueType.None) {
      if (n === want) throw new CorruptChunkError(`more samples than the ${want} of its header`);
      ts[n] = it.atT();
      vs[n] = it.atV();
      n++;
    }
    if (n !== want) throw new CorruptChunkError(`${n} samples, its header says ${want}`);
    return n;
  }

  /**
   * Sorts the symbols and writes the whole index, re-reading the spilled series in order; calls
   * `pause` every YIELD_EVERY_SERIES series and postings lists so the event loop keeps serving.
   */
  async writeIndex(iw: IndexWriter, spillPath: string, pages: WrittenPages, pause: () => Promise<void>): Promise<void> {
    const list = this.#symbolList;
    const order = list.map((_, i) => i).sort((a, b) => (list[a] < list[b] ? -1 : list[a] > list[b] ? 1 : 0));
    const remap = new Uint32Array(list.length);
    const sorted: string[] = new Array(list.length);
    for (let k = 0; k < order.length; k++) {
      remap[order[k]] = k;
      sorted[k] = list[order[k]];
    }
    iw.writeSymbols(sorted);

    // The label table: names by symbol order, and per name its values; labels become indices into it.
    const names = [...this.#postings.keys()].sort((a, b) => remap[a] - remap[b]);
    const nameIdx = new Map<number, number>();
    const valueIdx: Array<Map<number, number>> = [];
    const valuesOf: number[][] = [];
    const table: LabelTableEntry[] = [];
    for (let i = 0; i < names.length; i++) {
      const values = [...this.#postings.get(names[i])!.keys()].sort((a, b) => remap[a] - remap[b]);
      nameIdx.set(names[i], i);
      valueIdx.push(new Map(values.map((v, k) => [v, k])));
      valuesOf.push(values);
      table.push({ name: remap[names[i]], values: values.map((v) => remap[v]) });
    }
    iw.setLabelTable(table);

    let ln = new Int32Array(64);
    let lv = new Int32Array(64);
    const metas: ChunkMetaIn[] = [];
    const reader = new SpillReader(spillPath);
    try {
      for (let k = 0; k < this.numSeries; k++) {
        const d = reader.next();
        const n = d.uvarint();
        if (n > ln.length) {
          ln = new Int32Array(n * 2);
          lv = new Int32Array(n * 2);
        }
        for (let i = 0; i < n; i++) {
          const ni = nameIdx.get(d.uvarint())!;
          ln[i] = ni;
          lv[i] = valueIdx[ni].get(d.uvarint())!;
        }
        const nc = d.uvarint();
        metas.length = 0;
        for (let i = 0; i < nc; i++) {
          const mint = d.varint();
          const maxt = mint + d.uvarint();
          const ref = d.uvarint();
          const len = d.uvarint();
          const colRef = d.uvarint();
          metas.push({ mint, maxt, ref, len, colRef, newColumn: d.u8() === 1 });
        }
        iw.addSeries(ln, lv, n, metas);
        if ((k + 1) % YIELD_EVERY_SERIES === 0) await pause();
      }
    } finally {
      reader.close();
    }

    let written = 0;
    const ordinals = this.#ordinals;
    let ords = new Uint32Array(64);
    for (let i = 0; i < names.length; i++) {
      const byValue = this.#postings.get(names[i])!;
      for (const v of valuesOf[i]) {
        const list = byValue.get(v)!;
        if (ordinals.count(list) > ords.length) ords = new Uint32Array(Math.max(ordinals.count(list), ords.length * 2));
        const n = ordinals.read(list, ords);
        iw.writePostings(ords, n);
        // Postings cost about their length: yield after about as many entries as series between yields.
        written += n + 16;
        if (written >= YIELD_EVERY_SERIES * 8) {
          written = 0;
          await pause();
        }
      }
    }
    iw.close(pages);
  }
}

/**
 * The RangeError for bad input. Errors are built out of line: template literals thrown from a hot
 * loop make V8's optimized code of the whole loop many times slower.
 */
function bad(labels: Labels, problem: string, cause?: Error): RangeError {
  return new RangeError(`series ${JSON.stringify(labels)}${problem.startsWith('is ') ? ' ' : ': '}${problem}`, cause ? { cause } : undefined);
}

/** Whether a[0, n) and b[0, n) hold the same timestamps (a holding exactly n). */
function sameTimestamps(a: Float64Array, b: Float64Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** What is wrong with chunks[i] (its range, order and sample count), or null. */
function chunkProblem(chunks: readonly BlockChunk[], i: number, minTime: number, maxTime: number): string | null {
  const c = chunks[i];
  if (!Number.isSafeInteger(c.mint) || !Number.isSafeInteger(c.maxt) || c.mint > c.maxt) return `chunk ${i} has a bad range [${c.mint}, ${c.maxt}]`;
  if (i > 0 && c.mint <= chunks[i - 1].maxt) return `chunk ${i} overlaps or precedes the previous one`;
  if (c.mint < minTime || c.maxt >= maxTime) return `chunk [${c.mint}, ${c.maxt}] is outside the block range [${minTime}, ${maxTime})`;
  const empty = c.encoding === ChunkEncoding.Values ? (c.timestamps?.length ?? 0) === 0 : c.bytes.length < 2 || ((c.bytes[0] << 8) | c.bytes[1]) === 0;
  return empty ? `chunk ${i} holds no samples` : null;
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
