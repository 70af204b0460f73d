/**
 * @module Writes a block's `index` file (Prometheus tsdb/index format v2, adapted; see
 * docs/format/index.md): symbols, series with chunk metas, label indices, postings, the two
 * offset tables and the TOC, each with a CRC-32.
 */
import { alignUp, Encbuf } from './encoding.ts';
import { FileWriter } from './fs-util.ts';

/** "PIDX": first 4 bytes of an index file. */
export const INDEX_MAGIC = 0x50494458;
/** Index format version. */
export const INDEX_VERSION = 1;
/** magic u32 · version u8. */
export const INDEX_HEADER_BYTES = 5;
/** Six u64 section offsets and a CRC-32. */
export const TOC_BYTES = 6 * 8 + 4;
/** Series entries start at multiples of this; a series ref is its offset / 16, so u32 refs reach 64 GiB. */
export const SERIES_ALIGN = 16;

/** One chunk's entry in the index: its time range (inclusive ms) and where its bytes are. */
export interface ChunkMeta {
  readonly mint: number;
  readonly maxt: number;
  /** segmentIndex * 2^32 + offset in that segment (chunks.ts chunkRef). */
  readonly ref: number;
}

/**
 * Encodes the chunk metas of one series as they appear in a series entry: the count, then
 * mint/maxt/ref of the first chunk and deltas for the rest. Chunks must be in time order and
 * not overlap (mint > previous maxt); throws RangeError otherwise.
 */
export function encodeChunkMetas(e: Encbuf, chunks: readonly ChunkMeta[]): void {
  e.putUvarint(chunks.length);
  let prevMaxt = 0;
  let prevRef = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    if (i === 0) {
      e.putVarint(c.mint);
      e.putUvarint(c.maxt - c.mint);
      e.putUvarint(c.ref);
    } else {
      if (c.mint <= prevMaxt) throw new RangeError(`chunk [${c.mint}, ${c.maxt}] overlaps the previous one ending at ${prevMaxt}`);
      e.putUvarint(c.mint - prevMaxt);
      e.putUvarint(c.maxt - c.mint);
      e.putVarint(c.ref - prevRef);
    }
    prevMaxt = c.maxt;
    prevRef = c.ref;
  }
}

/**
 * Streams an index file section by section. Call writeSymbols, addSeries for each series in label
 * order, writeLabelIndex per name, writePostings per list (the all-series list first), then close.
 * Symbols and label/postings references are indices into the sorted symbol table.
 */
export class IndexWriter {
  readonly #w: FileWriter;
  readonly #fsync: boolean;
  readonly #e = new Encbuf(64 * 1024);
  readonly #len = Buffer.alloc(10);
  readonly #toc = { symbols: 0, series: 0, labelIndices: 0, labelOffsetTable: 0, postings: 0, postingsOffsetTable: 0 };
  readonly #labelOffsets = new Encbuf(4096);
  #labelOffsetCount = 0;
  readonly #postingsOffsets = new Encbuf(64 * 1024);
  #postingsOffsetCount = 0;
  #stage = 0;

  constructor(path: string, fsync = true) {
    this.#w = new FileWriter(path);
    this.#fsync = fsync;
    const h = Buffer.alloc(INDEX_HEADER_BYTES);
    h.writeUInt32BE(INDEX_MAGIC, 0);
    h[4] = INDEX_VERSION;
    this.#w.write(h);
  }

  #enter(stage: number, what: string): void {
    if (stage < this.#stage) throw new Error(`index writer: ${what} after a later section`);
    this.#stage = stage;
  }

  /** Writes the symbol table. `symbols` must be sorted, unique and start with ''. */
  writeSymbols(symbols: readonly string[]): void {
    this.#enter(1, 'symbols');
    this.#toc.symbols = this.#w.offset;
    const e = this.#e;
    e.reset();
    e.putU32(0);
    e.putU32(symbols.length);
    for (const s of symbols) e.putUvarintStr(s);
    this.#writeSection(e);
    this.#w.writeZeros(alignUp(this.#w.offset, SERIES_ALIGN) - this.#w.offset);
    this.#toc.series = this.#w.offset;
    this.#stage = 2;
  }

  /**
   * Writes one series entry and returns its ref (offset / 16). `labelSyms` holds name and value
   * symbol indices in pairs, names ascending; `chunkMetas` is the output of encodeChunkMetas.
   */
  addSeries(labelSyms: ArrayLike<number>, nLabels: number, chunkMetas: Uint8Array): number {
    this.#enter(2, 'series');
    const w = this.#w;
    const ref = w.offset / SERIES_ALIGN;
    if (ref >= 2 ** 32) throw new RangeError('series section exceeds 64 GiB');
    const e = this.#e;
    e.reset();
    e.putUvarint(nLabels);
    for (let i = 0; i < nLabels * 2; i++) e.putUvarint(labelSyms[i]);
    e.putBytes(chunkMetas);
    const content = e.bytes();
    let n = 0;
    let len = content.length;
    while (len >= 0x80) {
      this.#len[n++] = (len % 0x80) | 0x80;
      len = Math.floor(len / 0x80);
    }
    this.#len[n++] = len;
    w.write(this.#len.subarray(0, n));
    e.putCrcSince(0);
    w.write(e.bytes());
    w.writeZeros(alignUp(w.offset, SERIES_ALIGN) - w.offset);
    return ref;
  }

  /** Writes the label index of one name: its values' symbol indices, ascending. Names come in order. */
  writeLabelIndex(nameSym: number, valueSyms: ArrayLike<number>): void {
    if (this.#stage < 3) this.#toc.labelIndices = this.#w.offset;
    this.#enter(3, 'label index');
    const off = this.#w.offset;
    const e = this.#e;
    e.reset();
    e.putU32(0);
    e.putU32(1);
    e.putU32(valueSyms.length);
    for (let i = 0; i < valueSyms.length; i++) e.putU32(valueSyms[i]);
    this.#writeSection(e);
    this.#labelOffsets.putByte(1);
    this.#labelOffsets.putUvarint(nameSym);
    this.#labelOffsets.putUvarint(off);
    this.#labelOffsetCount++;
  }

  /**
   * Writes one postings list: ascending series refs of the pair (nameSym, valueSym). The first
   * call must be the list of all series, with both symbols 0 (''); then pairs in ascending order.
   */
  writePostings(nameSym: number, valueSym: number, refs: ArrayLike<number>, count = refs.length): void {
    if (this.#stage < 3) this.#toc.labelIndices = this.#w.offset;
    if (this.#stage < 4) this.#toc.postings = this.#w.offset;
    this.#enter(4, 'postings');
    const off = this.#w.offset;
    const e = this.#e;
    e.reset();
    e.putU32(0);
    e.putU32(count);
    for (let i = 0; i < count; i++) e.putU32(refs[i]);
    this.#writeSection(e);
    this.#postingsOffsets.putByte(2);
    this.#postingsOffsets.putUvarint(nameSym);
    this.#postingsOffsets.putUvarint(valueSym);
    this.#postingsOffsets.putUvarint(off);
    this.#postingsOffsetCount++;
  }

  /** Fills the u32 length placeholder at 0, appends the CRC of what follows it, and writes it out. */
  #writeSection(e: Encbuf): void {
    e.setU32(0, e.length - 4);
    e.putCrcSince(4);
    this.#w.write(e.bytes());
  }

  /** Writes the offset tables and the TOC, then flushes, fsyncs and closes the file. */
  close(): void {
    const w = this.#w;
    if (this.#stage < 2) throw new Error('index writer: closed before symbols');
    if (this.#stage < 4) throw new Error('index writer: closed before the all-series postings list');
    this.#toc.labelOffsetTable = w.offset;
    this.#writeTable(this.#labelOffsetCount, this.#labelOffsets);
    this.#toc.postingsOffsetTable = w.offset;
    this.#writeTable(this.#postingsOffsetCount, this.#postingsOffsets);
    const e = this.#e;
    e.reset();
    const t = this.#toc;
    for (const off of [t.symbols, t.series, t.labelIndices, t.labelOffsetTable, t.postings, t.postingsOffsetTable]) e.putU64(off);
    e.putCrcSince(0);
    w.write(e.bytes());
    w.close(this.#fsync);
    this.#stage = 5;
  }

  #writeTable(count: number, entries: Encbuf): void {
    const e = this.#e;
    e.reset();
    e.putU32(0);
    e.putU32(count);
    e.putBytes(entries.bytes());
    this.#writeSection(e);
  }

  /** Closes without finishing (error paths). */
  abort(): void {
    this.#w.abort();
  }
}
