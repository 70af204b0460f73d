/**
 * @module Reads and verifies an `index` file of format 1 (Prometheus' index v2 layout, adapted;
 * docs/format/index.md#format-1), which blocks written before format 2 have. The whole file is one
 * Buffer (off the V8 heap); open() checks every byte (magic, version, every CRC, zero padding,
 * section boundaries, sort orders and cross references) and keeps only the symbols and the
 * postings offset table decoded. Series entries and postings lists are decoded per query.
 */
import type { Label, Labels } from '../../model/labels.ts';
import { crcOf, Decbuf, alignUp } from './encoding.ts';
import { fail, lowerBound, section, type BlockIndex, type IndexSeries, type IndexWalk } from './index-common.ts';
import { INDEX_HEADER_BYTES, INDEX_MAGIC, TOC_BYTES } from './index-writer.ts';
import type { ChunkMeta } from './series-codec.ts';

/** This reader's format version. */
export const INDEX_VERSION_1 = 1;
/** Series entries start at multiples of this; a series ref is its offset / 16. */
const SERIES_ALIGN = 16;

/** The values of one label name, sorted, with the file offset of each value's postings list. */
interface NameEntry {
  readonly values: readonly string[];
  readonly offsets: readonly number[];
}

const EMPTY = new Uint32Array(0);

/** A verified, read-only view of a format-1 index file. Safe to share; holds no per-query state. */
export class IndexReaderV1 implements BlockIndex {
  readonly version = INDEX_VERSION_1;
  readonly #buf: Buffer;
  readonly #symbols: string[];
  readonly #names: Map<string, NameEntry>;
  readonly #allOffset: number;
  #all: Uint32Array | null = null;

  /** @internal Use IndexReaderV1.open. */
  constructor(buf: Buffer, symbols: string[], names: Map<string, NameEntry>, allOffset: number) {
    this.#buf = buf;
    this.#symbols = symbols;
    this.#names = names;
    this.#allOffset = allOffset;
  }

  /**
   * Verifies `buf` as an index file and returns a reader plus what the walk found. Throws
   * DecodeError (with the offset) at the first problem.
   */
  static open(buf: Buffer, collectChunkRefs: boolean): { reader: IndexReaderV1; walk: IndexWalk } {
    return verifyIndex(buf, collectChunkRefs);
  }

  /** Bytes of the index file. */
  get byteLength(): number {
    return this.#buf.length;
  }

  /** Label names with at least one series, sorted. */
  labelNames(): string[] {
    return [...this.#names.keys()];
  }

  /** The values of a label, sorted, or [] when no series has it. */
  labelValues(name: string): readonly string[] {
    return this.#names.get(name)?.values ?? [];
  }

  /** All series refs, ascending (= label order). */
  allPostings(): Uint32Array {
    if (this.#all === null) this.#all = this.#postingsAt(this.#allOffset);
    return this.#all;
  }

  /** Series refs having name=value, ascending. */
  postings(name: string, value: string): Uint32Array {
    const e = this.#names.get(name);
    if (!e) return EMPTY;
    const i = lowerBound(e.values, value);
    return i < e.values.length && e.values[i] === value ? this.#postingsAt(e.offsets[i]) : EMPTY;
  }

  /** Series refs of the i-th value of `name` (an index into labelValues(name)). */
  postingsOfValue(name: string, i: number): Uint32Array {
    return this.#postingsAt(this.#names.get(name)!.offsets[i]);
  }

  postingsCountOfValue(name: string, i: number): number {
    return this.#buf.readUInt32BE(this.#names.get(name)!.offsets[i] + 4);
  }

  /** Candidates searched for in the list of big-endian u32s, each search starting where the last ended. */
  filterByValue(name: string, i: number, candidates: Uint32Array, keep: boolean): Uint32Array {
    const b = this.#buf;
    const off = this.#names.get(name)!.offsets[i];
    const n = b.readUInt32BE(off + 4);
    const out = new Uint32Array(candidates.length);
    let k = 0;
    let lo = 0;
    for (let c = 0; c < candidates.length; c++) {
      const x = candidates[c];
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b.readUInt32BE(off + 8 + mid * 4) < x) lo = mid + 1;
        else hi = mid;
      }
      const member = lo < n && b.readUInt32BE(off + 8 + lo * 4) === x;
      if (member === keep) out[k++] = x;
    }
    return k === out.length ? out : out.slice(0, k);
  }

  #postingsAt(off: number): Uint32Array {
    const b = this.#buf;
    const n = b.readUInt32BE(off + 4);
    const out = new Uint32Array(n);
    for (let i = 0, p = off + 8; i < n; i++, p += 4) out[i] = b.readUInt32BE(p);
    return out;
  }

  /** The labels of a series (verified at open, so no CRC check here). */
  labels(ref: number): Labels {
    const d = new Decbuf(this.#buf, ref * SERIES_ALIGN);
    d.uvarint();
    return this.#readLabels(d);
  }

  /** Labels and chunk metas of a series. */
  series(ref: number): IndexSeries {
    const d = new Decbuf(this.#buf, ref * SERIES_ALIGN);
    d.uvarint();
    const labels = this.#readLabels(d);
    return { labels, chunks: readChunkMetas(d) };
  }

  #readLabels(d: Decbuf): Labels {
    const n = d.uvarint();
    const out: Label[] = new Array(n);
    const sym = this.#symbols;
    for (let i = 0; i < n; i++) out[i] = { name: sym[d.uvarint()], value: sym[d.uvarint()] };
    return out;
  }
}

function readChunkMetas(d: Decbuf): ChunkMeta[] {
  const n = d.uvarint();
  const out: ChunkMeta[] = new Array(n);
  let maxt = 0;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    let mint: number;
    if (i === 0) {
      mint = d.varint();
      maxt = mint + d.uvarint();
      ref = d.uvarint();
    } else {
      mint = maxt + d.uvarint();
      maxt = mint + d.uvarint();
      ref += d.varint();
    }
    out[i] = { mint, maxt, ref, len: 0, colRef: -1 };
  }
  return out;
}

function checkZeros(buf: Buffer, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) if (buf[i] !== 0) fail(i, `non-zero padding ${what}`);
}

function verifyIndex(buf: Buffer, collectChunkRefs: boolean): { reader: IndexReaderV1; walk: IndexWalk } {
  const size = buf.length;
  if (size < INDEX_HEADER_BYTES + TOC_BYTES) fail(0, `file of ${size} bytes is too short`);
  if (buf.readUInt32BE(0) !== INDEX_MAGIC) fail(0, `bad magic 0x${buf.readUInt32BE(0).toString(16)}`);
  if (buf[4] !== INDEX_VERSION_1) fail(4, `unsupported version ${buf[4]}`);

  // TOC: six section offsets, in file order.
  const tocStart = size - TOC_BYTES;
  const tocCrc = crcOf(buf, tocStart, size - 4);
  if (tocCrc !== buf.readUInt32BE(size - 4)) fail(tocStart, 'TOC: CRC mismatch');
  const t = new Decbuf(buf, tocStart, size - 4);
  const symbolsOff = t.u64();
  const seriesOff = t.u64();
  const labelIndicesOff = t.u64();
  const labelOffsetTableOff = t.u64();
  const postingsOff = t.u64();
  const postingsOffsetTableOff = t.u64();
  if (symbolsOff !== INDEX_HEADER_BYTES) fail(tocStart, `TOC: symbols at ${symbolsOff}, want ${INDEX_HEADER_BYTES}`);
  if (!(seriesOff <= labelIndicesOff && labelIndicesOff <= postingsOff && postingsOff < labelOffsetTableOff && labelOffsetTableOff < postingsOffsetTableOff && postingsOffsetTableOff < tocStart)) {
    fail(tocStart, 'TOC: sections out of order');
  }

  // Symbols: sorted, unique, '' first.
  const sym = section(buf, symbolsOff, 'symbols');
  if (sym.next > seriesOff) fail(symbolsOff, 'symbols: overlap the series section');
  const sd = new Decbuf(buf, sym.start, sym.end);
  const nSymbols = sd.u32();
  const symbols: string[] = new Array(nSymbols);
  for (let i = 0; i < nSymbols; i++) {
    const at = sd.pos;
    symbols[i] = sd.uvarintStr();
    if (i === 0 ? symbols[0] !== '' : !(symbols[i - 1] < symbols[i])) fail(at, `symbols: entry ${i} out of order`);
  }
  if (nSymbols === 0) fail(sym.start, 'symbols: empty table (the empty string is always present)');
  if (sd.remaining !== 0) fail(sd.pos, 'symbols: trailing bytes');
  if (seriesOff !== alignUp(sym.next, SERIES_ALIGN)) fail(sym.next, `series section at ${seriesOff}, want ${alignUp(sym.next, SERIES_ALIGN)}`);
  checkZeros(buf, sym.next, seriesOff, 'before the series section');

  // Series: 16-aligned entries `uvarint len · content · crc32`, zero padded, in label order.
  let refs: Uint32Array = new Uint32Array(1024);
  let nSeries = 0;
  let chunkRefs: Float64Array | null = collectChunkRefs ? new Float64Array(1024) : null;
  let nChunks = 0;
  let nLabelPairs = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  let prev: number[] = [];
  let cur: number[] = [];
  let prevChunkRef = -1;
  let off = seriesOff;
  while (off < labelIndicesOff) {
    const d = new Decbuf(buf, off, labelIndicesOff);
    const len = d.uvarint();
    const start = d.pos;
    d.skip(len);
    const end = d.pos;
    if (d.u32() !== crcOf(buf, start, end)) fail(off, `series entry: CRC mismatch`);
    const c = new Decbuf(buf, start, end);
    const nl = c.uvarint();
    cur.length = 0;
    let prevName = 0;
    for (let i = 0; i < nl; i++) {
      const n = c.uvarint();
      const v = c.uvarint();
      if (n >= nSymbols || v >= nSymbols) fail(off, 'series entry: symbol reference out of range');
      if (n <= prevName || v === 0) fail(off, 'series entry: labels not sorted, duplicated or empty');
      prevName = n;
      cur.push(n, v);
    }
    nLabelPairs += nl;
    if (nSeries > 0 && compareSyms(prev, cur) >= 0) fail(off, 'series entry: not in label order');
    [prev, cur] = [cur, prev];
    const metas = readChunkMetas(c);
    if (c.remaining !== 0) fail(c.pos, 'series entry: trailing bytes');
    if (metas.length === 0) fail(off, 'series entry: no chunks');
    for (let i = 0; i < metas.length; i++) {
      const m = metas[i];
      if (i > 0 && m.mint <= metas[i - 1].maxt) fail(off, 'series entry: chunks overlap');
      if (m.ref <= prevChunkRef) fail(off, 'series entry: chunk refs not ascending');
      prevChunkRef = m.ref;
      if (chunkRefs) {
        if (nChunks === chunkRefs.length) chunkRefs = grow64(chunkRefs);
        chunkRefs[nChunks] = m.ref;
      }
      nChunks++;
    }
    minTime = Math.min(minTime, metas[0].mint);
    maxTime = Math.max(maxTime, metas[metas.length - 1].maxt);
    if (nSeries === refs.length) refs = grow32(refs);
    refs[nSeries++] = off / SERIES_ALIGN;
    const next = alignUp(end + 4, SERIES_ALIGN);
    if (next > labelIndicesOff) fail(off, 'series entry: runs into the label indices');
    checkZeros(buf, end + 4, next, 'after a series entry');
    off = next;
  }
  refs = refs.subarray(0, nSeries);

  // Label indices: `len · 1 · n · n × value symbol · crc`, one per name, contiguous.
  const labelIndexOffsets: number[] = [];
  const labelIndexValues: Uint32Array[] = [];
  off = labelIndicesOff;
  while (off < postingsOff) {
    const s = section(buf, off, 'label index');
    if (s.next > postingsOff) fail(off, 'label index: runs into the postings');
    const d = new Decbuf(buf, s.start, s.end);
    if (d.u32() !== 1) fail(off, 'label index: more than one name per entry');
    const n = d.u32();
    if (d.remaining !== n * 4) fail(off, 'label index: length does not match its entry count');
    const vals = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      vals[i] = d.u32();
      if (vals[i] === 0 || vals[i] >= nSymbols || (i > 0 && vals[i] <= vals[i - 1])) fail(off, 'label index: bad or unsorted value reference');
    }
    labelIndexOffsets.push(off);
    labelIndexValues.push(vals);
    off = s.next;
  }

  // Postings: `len · n · n × series ref · crc`, contiguous; the first is every series.
  const postingsOffsets: number[] = [];
  let nPostingEntries = 0;
  off = postingsOff;
  while (off < labelOffsetTableOff) {
    const s = section(buf, off, 'postings');
    if (s.next > labelOffsetTableOff) fail(off, 'postings: run into the label offset table');
    const d = new Decbuf(buf, s.start, s.end);
    const n = d.u32();
    if (d.remaining !== n * 4) fail(off, 'postings: length does not match the entry count');
    const first = postingsOffsets.length === 0;
    if (first && n !== nSeries) fail(off, `postings: the all-series list has ${n} refs, the series section ${nSeries}`);
    let last = -1;
    for (let i = 0; i < n; i++) {
      const r = d.u32();
      if (r <= last) fail(off, 'postings: refs not ascending');
      if (first ? r !== refs[i] : !hasRef(refs, r)) fail(off, `postings: ref ${r} is not a series`);
      last = r;
    }
    if (!first) nPostingEntries += n;
    postingsOffsets.push(off);
    off = s.next;
  }
  if (postingsOffsets.length === 0) fail(postingsOff, 'postings: the all-series list is missing');
  if (nPostingEntries !== nLabelPairs) fail(postingsOff, `postings: ${nPostingEntries} entries for ${nLabelPairs} label pairs of the series`);

  // Label offset table: one entry per label index, names ascending.
  const lot = section(buf, labelOffsetTableOff, 'label offset table');
  if (lot.next !== postingsOffsetTableOff) fail(labelOffsetTableOff, 'label offset table: does not end at the postings offset table');
  const ld = new Decbuf(buf, lot.start, lot.end);
  const nNames = ld.u32();
  if (nNames !== labelIndexOffsets.length) fail(labelOffsetTableOff, `label offset table: ${nNames} entries for ${labelIndexOffsets.length} label indices`);
  const nameSyms: number[] = [];
  for (let i = 0; i < nNames; i++) {
    if (ld.u8() !== 1) fail(ld.pos - 1, 'label offset table: entry without exactly one name');
    const n = ld.uvarint();
    if (n === 0 || n >= nSymbols || (i > 0 && n <= nameSyms[i - 1])) fail(ld.pos, 'label offset table: bad or unsorted name');
    if (ld.uvarint() !== labelIndexOffsets[i]) fail(ld.pos, 'label offset table: offset does not point at its label index');
    nameSyms.push(n);
  }
  if (ld.remaining !== 0) fail(ld.pos, 'label offset table: trailing bytes');

  // Postings offset table: ('', '') first, then (name, value) ascending; one entry per list.
  const pot = section(buf, postingsOffsetTableOff, 'postings offset table');
  if (pot.next !== tocStart) fail(postingsOffsetTableOff, 'postings offset table: does not end at the TOC');
  const pd = new Decbuf(buf, pot.start, pot.end);
  const nEntries = pd.u32();
  if (nEntries !== postingsOffsets.length) fail(postingsOffsetTableOff, `postings offset table: ${nEntries} entries for ${postingsOffsets.length} lists`);
  const names = new Map<string, NameEntry>();
  let prevN = 0;
  let prevV = 0;
  let values: string[] = [];
  let offsets: number[] = [];
  let nameIdx = -1;
  for (let i = 0; i < nEntries; i++) {
    const at = pd.pos;
    if (pd.u8() !== 2) fail(at, 'postings offset table: entry without a name and a value');
    const n = pd.uvarint();
    const v = pd.uvarint();
    const o = pd.uvarint();
    if (o !== postingsOffsets[i]) fail(at, 'postings offset table: offset does not point at its postings list');
    if (i === 0) {
      if (n !== 0 || v !== 0) fail(at, "postings offset table: first entry is not the all-series list ('', '')");
      continue;
    }
    if (n === 0 || v === 0 || n >= nSymbols || v >= nSymbols || n < prevN || (n === prevN && v <= prevV)) fail(at, 'postings offset table: bad or unsorted entry');
    if (n !== prevN) {
      nameIdx++;
      if (nameSyms[nameIdx] !== n) fail(at, 'postings offset table: names differ from the label offset table');
      values = [];
      offsets = [];
      names.set(symbols[n], { values, offsets });
    }
    const li = labelIndexValues[nameIdx];
    if (li[values.length] !== v) fail(at, 'postings offset table: values differ from the label index');
    values.push(symbols[v]);
    offsets.push(o);
    prevN = n;
    prevV = v;
  }
  if (pd.remaining !== 0) fail(pd.pos, 'postings offset table: trailing bytes');
  if (nameIdx + 1 !== nNames) fail(postingsOffsetTableOff, 'postings offset table: names differ from the label offset table');
  for (let i = 0; i < nNames; i++) {
    if (names.get(symbols[nameSyms[i]])!.values.length !== labelIndexValues[i].length) fail(labelIndexOffsets[i], 'label index: values differ from the postings offset table');
  }

  return {
    reader: new IndexReaderV1(buf, symbols, names, postingsOffsets[0]),
    walk: { numSeries: nSeries, numChunks: nChunks, minTime, maxTime, chunkRefs: chunkRefs ? chunkRefs.subarray(0, nChunks) : null },
  };
}

function compareSyms(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function hasRef(refs: Uint32Array, r: number): boolean {
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (refs[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo < refs.length && refs[lo] === r;
}

function grow32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

function grow64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
