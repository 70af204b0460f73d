/**
 * @module Writes a block's `index` file, format v2 (docs/format/index.md): symbols, series in
 * groups with their offset table, postings, the label table, the chunk pages and the TOC, each
 * covered by a CRC-32. Series are numbered by ordinal in label order; labels are stored as indices
 * into the label table and coded against the previous series, chunk metas as deltas.
 */
import { crc32 } from 'node:zlib';
import { Encbuf } from './encoding.ts';
import { FileWriter } from './fs-util.ts';
import { encodePostings } from './postings-codec.ts';
import { GroupEncoder, type ChunkMetaIn } from './series-codec.ts';
import type { WrittenPages } from './chunks.ts';

/** "PIDX": first 4 bytes of an index file. */
export const INDEX_MAGIC = 0x50494458;
/** Index format version written; the reader also reads version 1 (index-reader-v1.ts). */
export const INDEX_VERSION = 2;
/** magic u32 · version u8. */
export const INDEX_HEADER_BYTES = 5;
/** Six u64 section offsets and a CRC-32. */
export const TOC_BYTES = 6 * 8 + 4;
/**
 * Series per group. A lookup decodes from the start of its group, so larger groups cost more per
 * random lookup (sequential reads decode each series once); each group costs a full label set,
 * an offset and a CRC, about 40 bytes for an OTLP series. 64 rather than 32: in the 1M-series
 * bench:tsdb cut (30 samples a series) that took the index from 6.19 to 5.25 bytes per series,
 * 0.03 bytes per sample, for about a microsecond more per random lookup.
 */
export const SERIES_PER_GROUP = 64;

/** One label name of the label table: its symbol and its values' symbols, ascending. */
export interface LabelTableEntry {
  readonly name: number;
  readonly values: ArrayLike<number>;
}

/**
 * Streams an index file. Call writeSymbols, setLabelTable, addSeries for each series in label
 * order, writePostings for each (name, value) of the label table in its order, then close with
 * the chunk pages. Labels given to addSeries are (name index, value index) into the label table.
 */
export class IndexWriter {
  readonly #w: FileWriter;
  readonly #fsync: boolean;
  readonly #e = new Encbuf(64 * 1024);
  readonly #toc = { symbols: 0, series: 0, groups: 0, postings: 0, labels: 0, pages: 0 };
  #stage = 0;
  #labels: readonly LabelTableEntry[] = [];
  readonly #group = new GroupEncoder();
  #numSeries = 0;
  /** Offset of each group from the series section start, then the section's length. */
  #groupOffsets = new Uint32Array(1024);
  #numGroups = 0;
  #postingsCrc = 0;
  readonly #postingsLengths: number[] = [];

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
    this.#toc.series = this.#w.offset;
  }

  /** The label names (ascending symbols) and their values (ascending symbols); written at close. */
  setLabelTable(labels: readonly LabelTableEntry[]): void {
    this.#enter(2, 'label table');
    this.#labels = labels;
  }

  /**
   * Writes one series; its ordinal is the number of series before it. `names`/`values` hold
   * nLabels label-table indices, names ascending; `chunks` are in stream order.
   */
  addSeries(names: ArrayLike<number>, values: ArrayLike<number>, nLabels: number, chunks: readonly ChunkMetaIn[]): void {
    this.#enter(3, 'series');
    const e = this.#e;
    if (this.#numSeries % SERIES_PER_GROUP === 0) {
      if (this.#numSeries > 0) this.#flushGroup();
      if (this.#numGroups + 1 >= this.#groupOffsets.length) {
        const g = new Uint32Array(this.#groupOffsets.length * 2);
        g.set(this.#groupOffsets);
        this.#groupOffsets = g;
      }
      const off = this.#w.offset - this.#toc.series;
      if (off >= 2 ** 32) throw new RangeError('series section exceeds 4 GiB');
      this.#groupOffsets[this.#numGroups++] = off;
      e.reset();
      const base = chunks[0].newColumn ? chunks[0].colRef : chunks[0].ref;
      this.#group.begin(e, base);
    }
    this.#group.series(e, nLabels, names, values, chunks);
    this.#numSeries++;
  }

  #flushGroup(): void {
    const e = this.#e;
    e.putCrcSince(0);
    this.#w.write(e.bytes());
    e.reset();
  }

  #finishSeries(): void {
    if (this.#stage >= 4) return;
    this.#enter(4, 'postings');
    if (this.#numSeries > 0) this.#flushGroup();
    this.#toc.groups = this.#w.offset;
    const e = this.#e;
    e.reset();
    e.putU32(0);
    e.putU32(this.#numSeries);
    e.putU32(SERIES_PER_GROUP);
    for (let g = 0; g < this.#numGroups; g++) e.putU32(this.#groupOffsets[g]);
    e.putU32(this.#w.offset - this.#toc.series);
    this.#writeSection(e);
    // Postings stream out as they come, so their section has no length in front: it runs to the
    // label table, and the label table holds each list's length.
    this.#toc.postings = this.#w.offset;
  }

  /**
   * Writes the postings list of the next (name, value) of the label table: ascending ordinals of
   * the series having the pair.
   */
  writePostings(ords: ArrayLike<number>, count = ords.length): void {
    this.#finishSeries();
    const e = this.#e;
    e.reset();
    const n = encodePostings(e, ords, count);
    this.#postingsLengths.push(n);
    this.#postingsCrc = crc32(e.bytes(), this.#postingsCrc);
    this.#w.write(e.bytes());
  }

  /**
   * Writes the postings CRC, the label table, the chunk pages and the TOC, then flushes, fsyncs
   * and closes the file. `pages` are the chunk writer's; the series' chunks must tile them.
   */
  close(pages: WrittenPages): void {
    this.#finishSeries();
    if (this.#stage > 4) throw new Error('index writer: closed twice');
    const w = this.#w;
    const e = this.#e;
    let pairs = 0;
    for (const l of this.#labels) pairs += l.values.length;
    if (pairs !== this.#postingsLengths.length) throw new Error(`index writer: ${this.#postingsLengths.length} postings lists for ${pairs} label pairs`);
    e.reset();
    e.putU32(this.#postingsCrc);
    w.write(e.bytes());

    this.#toc.labels = w.offset;
    e.reset();
    e.putU32(0);
    e.putUvarint(this.#labels.length);
    let k = 0;
    let prevName = 0;
    for (const l of this.#labels) {
      e.putUvarint(l.name - prevName);
      prevName = l.name;
      e.putUvarint(l.values.length);
      let prevValue = 0;
      for (let i = 0; i < l.values.length; i++) {
        e.putUvarint(l.values[i] - prevValue);
        prevValue = l.values[i];
        e.putUvarint(this.#postingsLengths[k++]);
      }
    }
    this.#writeSection(e);

    this.#toc.pages = w.offset;
    e.reset();
    e.putU32(0);
    e.putUvarint(pages.length);
    for (const seg of pages) {
      e.putUvarint(seg.lengths.length);
      for (let i = 0; i < seg.lengths.length; i++) {
        e.putUvarint(seg.lengths[i]);
        e.putU32(seg.crcs[i]);
      }
    }
    this.#writeSection(e);

    e.reset();
    const t = this.#toc;
    for (const off of [t.symbols, t.series, t.groups, t.postings, t.labels, t.pages]) e.putU64(off);
    e.putCrcSince(0);
    w.write(e.bytes());
    w.close(this.#fsync);
    this.#stage = 5;
  }

  /** Fills the u32 length placeholder at 0, appends the CRC of what follows it, and writes it out. */
  #writeSection(e: Encbuf): void {
    e.setU32(0, e.length - 4);
    e.putCrcSince(4);
    this.#w.write(e.bytes());
  }

  /** Closes without finishing (error paths). */
  abort(): void {
    this.#w.abort();
  }
}
