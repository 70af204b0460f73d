/**
 * @module Reads and verifies a block's `index` file (docs/format/index.md). The whole file is one
 * Buffer (off the V8 heap). Opening checks every byte of it (magic, version, every CRC, section
 * boundaries, sort orders, cross references, that the chunks tile the pages) and keeps the symbols,
 * the label table and the page table decoded; series groups and postings lists are decoded per
 * query. Format 1 files are read by index-reader-v1.ts; openIndex picks the reader.
 */
import type { Label, Labels } from '../../model/labels.ts';
import type { SegmentPages } from './chunks.ts';
import { crcOf, Decbuf } from './encoding.ts';
import { fail, lowerBound, section, type BlockIndex, type IndexSeries, type IndexWalk } from './index-common.ts';
import { IndexReaderV1, INDEX_VERSION_1 } from './index-reader-v1.ts';
import { INDEX_HEADER_BYTES, INDEX_MAGIC, INDEX_VERSION, TOC_BYTES } from './index-writer.ts';
import { decodePostings, filterByPostings, postingsCount } from './postings-codec.ts';
import { GroupDecoder, nextSegmentStart } from './series-codec.ts';

export type { BlockIndex, IndexSeries, IndexWalk } from './index-common.ts';
export { lowerBound } from './index-common.ts';
export type { ChunkMeta } from './series-codec.ts';

const TWO_POW_32 = 4294967296;
const SEGMENT_DATA_START = 8;

/** The values of one label name, sorted, with where each value's postings list lies in the file. */
interface NameEntry {
  readonly values: readonly string[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** A verified index of any supported version and what its walk found. */
export interface OpenedIndex {
  readonly reader: BlockIndex;
  readonly walk: IndexWalk;
}

/**
 * Verifies `buf` as an index file of format 1 or 2 and returns a reader plus what the walk found.
 * `collectChunkRefs` asks format 1 for every chunk ref (its segments are verified against them).
 * Throws DecodeError (with the offset) at the first problem.
 */
export function openIndex(buf: Buffer, collectChunkRefs: boolean): OpenedIndex {
  if (buf.length >= INDEX_HEADER_BYTES && buf.readUInt32BE(0) === INDEX_MAGIC && buf[4] === INDEX_VERSION_1) return IndexReaderV1.open(buf, collectChunkRefs);
  return verifyIndex(buf);
}

const EMPTY = new Uint32Array(0);

/**
 * Series read share one Label object per pair of a name with at most this many values, so a
 * query over many series allocates their label arrays only; names of more values (ids) are not
 * cached, which keeps the cache at a few objects per pair of the label table's small names.
 */
const SHARED_LABEL_MAX_VALUES = 4096;

/** A verified, read-only view of a format-2 index file. Safe to share (see #seek). */
export class IndexReader implements BlockIndex {
  readonly version = INDEX_VERSION;
  readonly #buf: Buffer;
  readonly #names: Map<string, NameEntry>;
  readonly #nameList: readonly string[];
  readonly #valueLists: ReadonlyArray<readonly string[]>;
  readonly #valueCounts: Int32Array;
  readonly #numSeries: number;
  readonly #groupSize: number;
  readonly #seriesOff: number;
  readonly #groupOffsets: Uint32Array;
  /** The chunk pages of every segment. */
  readonly pages: readonly SegmentPages[];
  #all: Uint32Array | null = null;
  // A cursor over one group: lookups in ascending order within a group decode each series once.
  readonly #dec: GroupDecoder;
  readonly #d: Decbuf;
  #cursorGroup = -1;
  #cursorNext = 0;
  /** Per name: its shared Label objects by value index, null for a name not shared, undefined until first read. */
  readonly #sharedLabels: Array<Array<Label | undefined> | null | undefined>;

  /** @internal Use openIndex. */
  constructor(buf: Buffer, t: { names: Map<string, NameEntry>; nameList: string[]; valueLists: string[][]; valueCounts: Int32Array; numSeries: number; groupSize: number; seriesOff: number; groupOffsets: Uint32Array; pages: SegmentPages[] }) {
    this.#buf = buf;
    this.#names = t.names;
    this.#nameList = t.nameList;
    this.#valueLists = t.valueLists;
    this.#sharedLabels = new Array(t.nameList.length);
    this.#valueCounts = t.valueCounts;
    this.#numSeries = t.numSeries;
    this.#groupSize = t.groupSize;
    this.#seriesOff = t.seriesOff;
    this.#groupOffsets = t.groupOffsets;
    this.pages = t.pages;
    this.#dec = new GroupDecoder(t.valueCounts);
    this.#d = new Decbuf(buf, 0, 0);
  }

  get byteLength(): number {
    return this.#buf.length;
  }

  /** Series in the index. */
  get numSeries(): number {
    return this.#numSeries;
  }

  labelNames(): string[] {
    return [...this.#nameList];
  }

  labelValues(name: string): readonly string[] {
    return this.#names.get(name)?.values ?? [];
  }

  allPostings(): Uint32Array {
    if (this.#all === null) {
      const a = new Uint32Array(this.#numSeries);
      for (let i = 0; i < a.length; i++) a[i] = i;
      this.#all = a;
    }
    return this.#all;
  }

  postings(name: string, value: string): Uint32Array {
    const e = this.#names.get(name);
    if (!e) return EMPTY;
    const i = lowerBound(e.values, value);
    return i < e.values.length && e.values[i] === value ? this.postingsOfValue(name, i) : EMPTY;
  }

  postingsOfValue(name: string, i: number): Uint32Array {
    const e = this.#names.get(name)!;
    return decodePostings(this.#buf, e.starts[i], e.ends[i], this.#numSeries);
  }

  postingsCountOfValue(name: string, i: number): number {
    const e = this.#names.get(name)!;
    return postingsCount(this.#buf, e.starts[i], e.ends[i]);
  }

  filterByValue(name: string, i: number, candidates: Uint32Array, keep: boolean): Uint32Array {
    const e = this.#names.get(name)!;
    return filterByPostings(this.#buf, e.starts[i], e.ends[i], this.#numSeries, candidates, keep);
  }

  labels(ref: number): Labels {
    this.#seek(ref);
    return this.#labels(this.#dec);
  }

  series(ref: number): IndexSeries {
    this.#seek(ref);
    return { labels: this.#labels(this.#dec), chunks: this.#dec.chunkMetas() };
  }

  /**
   * Every series in order through one decoder (its fields describe the series just yielded), for
   * verifying the chunk segments. Does not disturb lookups.
   */
  *walk(): Generator<GroupDecoder> {
    const dec = new GroupDecoder(this.#valueCounts);
    const d = new Decbuf(this.#buf, 0, 0);
    for (let ord = 0; ord < this.#numSeries; ord++) {
      if (ord % this.#groupSize === 0) this.#startGroup(dec, d, ord / this.#groupSize);
      dec.next(d);
      yield dec;
    }
  }

  #labels(dec: GroupDecoder): Labels {
    const out: Label[] = new Array(dec.n);
    for (let i = 0; i < dec.n; i++) out[i] = this.#label(dec.names[i], dec.values[i]);
    return out;
  }

  #label(name: number, value: number): Label {
    let shared = this.#sharedLabels[name];
    if (shared === undefined) {
      const n = this.#valueLists[name].length;
      shared = this.#sharedLabels[name] = n <= SHARED_LABEL_MAX_VALUES ? new Array<Label | undefined>(n) : null;
    }
    if (shared === null) return { name: this.#nameList[name], value: this.#valueLists[name][value] };
    return (shared[value] ??= { name: this.#nameList[name], value: this.#valueLists[name][value] });
  }

  #startGroup(dec: GroupDecoder, d: Decbuf, g: number): void {
    d.pos = this.#seriesOff + this.#groupOffsets[g];
    d.end = this.#seriesOff + this.#groupOffsets[g + 1] - 4;
    dec.begin(d);
  }

  /**
   * Decodes up to series `ref` with the shared cursor. Lookups are synchronous, so interleaved
   * queriers only cost a restart from the group's first series.
   */
  #seek(ref: number): void {
    if (!(Number.isInteger(ref) && ref >= 0 && ref < this.#numSeries)) throw new RangeError(`series ref ${ref} not in the index (${this.#numSeries} series)`);
    const g = Math.floor(ref / this.#groupSize);
    if (g !== this.#cursorGroup || this.#cursorNext > ref) {
      this.#startGroup(this.#dec, this.#d, g);
      this.#cursorGroup = g;
      this.#cursorNext = g * this.#groupSize;
    }
    while (this.#cursorNext <= ref) {
      this.#dec.next(this.#d);
      this.#cursorNext++;
    }
  }
}

function verifyIndex(buf: Buffer): OpenedIndex {
  const size = buf.length;
  if (size < INDEX_HEADER_BYTES + TOC_BYTES) fail(0, `file of ${size} bytes is too short`);
  if (buf.readUInt32BE(0) !== INDEX_MAGIC) fail(0, `bad magic 0x${buf.readUInt32BE(0).toString(16)}`);
  if (buf[4] !== INDEX_VERSION) fail(4, `unsupported version ${buf[4]}`);

  // TOC: six section offsets, in file order.
  const tocStart = size - TOC_BYTES;
  const tocCrc = crcOf(buf, tocStart, size - 4);
  if (tocCrc !== buf.readUInt32BE(size - 4)) fail(tocStart, 'TOC: CRC mismatch');
  const t = new Decbuf(buf, tocStart, size - 4);
  const symbolsOff = t.u64();
  const seriesOff = t.u64();
  const groupsOff = t.u64();
  const postingsOff = t.u64();
  const labelsOff = t.u64();
  const pagesOff = t.u64();
  if (symbolsOff !== INDEX_HEADER_BYTES) fail(tocStart, `TOC: symbols at ${symbolsOff}, want ${INDEX_HEADER_BYTES}`);
  if (!(seriesOff <= groupsOff && groupsOff < postingsOff && postingsOff + 4 <= labelsOff && labelsOff < pagesOff && pagesOff < tocStart)) fail(tocStart, 'TOC: sections out of order');

  // Symbols: sorted, unique, '' first.
  const sym = section(buf, symbolsOff, 'symbols');
  if (sym.next !== seriesOff) fail(symbolsOff, `symbols: end at ${sym.next}, the series start at ${seriesOff}`);
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

  // Label table: names ascending, each with its values ascending and their postings lists' lengths.
  const lt = section(buf, labelsOff, 'label table');
  if (lt.next !== pagesOff) fail(labelsOff, 'label table: does not end at the page table');
  const ld = new Decbuf(buf, lt.start, lt.end);
  const nNames = ld.uvarint();
  const names = new Map<string, NameEntry>();
  const nameList: string[] = [];
  const valueLists: string[][] = [];
  const valueCounts = new Int32Array(nNames);
  const pairBase = new Int32Array(nNames + 1);
  let postingsAt = postingsOff;
  let nameSym = 0;
  for (let n = 0; n < nNames; n++) {
    const at = ld.pos;
    nameSym += ld.uvarint();
    if (nameSym === 0 || nameSym >= nSymbols || (n > 0 && symbols[nameSym] <= nameList[n - 1])) fail(at, 'label table: bad or unsorted name');
    const count = ld.uvarint();
    if (count === 0) fail(at, 'label table: a name without values');
    const values: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let valueSym = 0;
    for (let v = 0; v < count; v++) {
      const vat = ld.pos;
      const delta = ld.uvarint();
      valueSym += delta;
      if ((v > 0 && delta === 0) || valueSym === 0 || valueSym >= nSymbols) fail(vat, 'label table: bad or unsorted value');
      const len = ld.uvarint();
      if (len === 0) fail(vat, 'label table: empty postings list');
      values.push(symbols[valueSym]);
      starts.push(postingsAt);
      postingsAt += len;
      ends.push(postingsAt);
    }
    names.set(symbols[nameSym], { values, starts, ends });
    nameList.push(symbols[nameSym]);
    valueLists.push(values);
    valueCounts[n] = count;
    pairBase[n + 1] = pairBase[n] + count;
  }
  if (ld.remaining !== 0) fail(ld.pos, 'label table: trailing bytes');
  if (postingsAt !== labelsOff - 4) fail(labelsOff, `label table: postings lists end at ${postingsAt}, the section at ${labelsOff - 4}`);

  // Page table: per segment, each page's length and CRC.
  const pt = section(buf, pagesOff, 'page table');
  if (pt.next !== tocStart) fail(pagesOff, 'page table: does not end at the TOC');
  const pd = new Decbuf(buf, pt.start, pt.end);
  const nSegments = pd.uvarint();
  if (nSegments === 0) fail(pt.start, 'page table: no segments');
  const pages: SegmentPages[] = [];
  for (let s = 0; s < nSegments; s++) {
    const n = pd.uvarint();
    if (n > pd.remaining) fail(pd.pos, 'page table: more pages than bytes');
    const starts = new Float64Array(n + 1);
    const crcs = new Uint32Array(n);
    starts[0] = SEGMENT_DATA_START;
    for (let i = 0; i < n; i++) {
      const len = pd.uvarint();
      if (len === 0) fail(pd.pos, 'page table: empty page');
      starts[i + 1] = starts[i] + len;
      crcs[i] = pd.u32();
    }
    if (starts[n] >= TWO_POW_32) fail(pd.pos, 'page table: segment beyond 4 GiB');
    if (n === 0 && s !== nSegments - 1) fail(pd.pos, 'page table: an empty segment before the last');
    pages.push({ starts, crcs });
  }
  if (pd.remaining !== 0) fail(pd.pos, 'page table: trailing bytes');

  // Group table: the series count, the group size and where each group starts.
  const gt = section(buf, groupsOff, 'group table');
  if (gt.next !== postingsOff) fail(groupsOff, 'group table: does not end at the postings');
  const gd = new Decbuf(buf, gt.start, gt.end);
  const numSeries = gd.u32();
  const groupSize = gd.u32();
  if (groupSize === 0) fail(gt.start, 'group table: group size 0');
  const numGroups = Math.ceil(numSeries / groupSize);
  if (gd.remaining !== (numGroups + 1) * 4) fail(gt.start, `group table: ${gd.remaining} bytes for ${numGroups} groups`);
  const groupOffsets = new Uint32Array(numGroups + 1);
  for (let g = 0; g <= numGroups; g++) {
    groupOffsets[g] = gd.u32();
    if (g === 0 ? groupOffsets[0] !== 0 : groupOffsets[g] < groupOffsets[g - 1] + 5) fail(gt.start + 12 + 4 * g, 'group table: bad group offset');
  }
  if (groupOffsets[numGroups] !== groupsOff - seriesOff) fail(gt.start, 'group table: groups do not end at the group table');

  // Series: each group's CRC, every series decoded and checked; the chunks must tile the pages.
  const dec = new GroupDecoder(valueCounts);
  const d = new Decbuf(buf, 0, 0);
  const pairCounts = new Int32Array(pairBase[nNames]);
  const prevNames = new Int32Array(nNames);
  const prevValues = new Int32Array(nNames);
  let prevN = -1;
  let numChunks = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  let columns = new Float64Array(1024);
  let numColumns = 0;
  let pos = SEGMENT_DATA_START;
  // The chunk stream, item by item: the segment and the end offset of the last item, the page it was in.
  let seg = 0;
  let segEnd = SEGMENT_DATA_START;
  let page = 0;
  const segEnds: number[] = [];
  /** Checks that the item [from, to) (absolute positions, in stream order) lies in one page. */
  const item = (from: number, to: number, at: number) => {
    const s = Math.floor(from / TWO_POW_32);
    if (s !== seg) {
      segEnds.push(segEnd);
      seg = s;
      page = 0;
    }
    const starts = pages[seg]?.starts;
    if (starts === undefined) fail(at, `series: a chunk in segment ${seg}, the page table lists ${nSegments}`);
    const off = from - s * TWO_POW_32;
    while (page < starts.length - 1 && starts[page + 1] <= off) page++;
    if (page >= starts.length - 1 || to - s * TWO_POW_32 > starts[page + 1]) fail(at, 'series: a chunk outside the pages');
    segEnd = to - s * TWO_POW_32;
  };
  for (let g = 0; g < numGroups; g++) {
    const start = seriesOff + groupOffsets[g];
    const end = seriesOff + groupOffsets[g + 1] - 4;
    if (buf.readUInt32BE(end) !== crcOf(buf, start, end)) fail(start, 'series group: CRC mismatch');
    d.pos = start;
    d.end = end;
    const base = dec.begin(d);
    if (base !== pos && base !== nextSegmentStart(pos)) fail(start, `series group: chunks at ${base}, the previous group ended at ${pos}`);
    const last = Math.min(numSeries, (g + 1) * groupSize);
    for (let ord = g * groupSize; ord < last; ord++) {
      const at = d.pos;
      dec.next(d);
      if (prevN >= 0 && dec.compareTo(prevNames, prevValues, prevN) <= 0) fail(at, 'series: not in label order');
      for (let i = 0; i < dec.n; i++) {
        prevNames[i] = dec.names[i];
        prevValues[i] = dec.values[i];
        pairCounts[pairBase[dec.names[i]] + dec.values[i]]++;
      }
      prevN = dec.n;
      for (let k = 0; k < dec.numChunks; k++) {
        const ref = dec.ref[k];
        const colRef = dec.colRef[k];
        if (dec.newColumn[k]) {
          item(colRef, ref, at);
          if (numColumns === columns.length) {
            const c = new Float64Array(columns.length * 2);
            c.set(columns);
            columns = c;
          }
          columns[numColumns++] = colRef;
        } else if (!hasRef(columns, numColumns, colRef)) {
          fail(at, `series: timestamp column at ${colRef} is not one the index placed`);
        }
        item(ref, ref + dec.len[k], at);
        numChunks++;
      }
      minTime = Math.min(minTime, dec.mint[0]);
      maxTime = Math.max(maxTime, dec.maxt[dec.numChunks - 1]);
    }
    if (d.remaining !== 0) fail(d.pos, 'series group: trailing bytes');
    pos = dec.pos;
  }
  segEnds.push(segEnd);
  if (segEnds.length !== nSegments) fail(pagesOff, `page table: ${nSegments} segments, the chunks use ${segEnds.length}`);
  for (let s = 0; s < nSegments; s++) {
    const starts = pages[s].starts;
    if (starts[starts.length - 1] !== segEnds[s]) fail(pagesOff, `page table: segment ${s} pages end at ${starts[starts.length - 1]}, its chunks at ${segEnds[s]}`);
  }

  // Postings: the CRC of the section, every list decoded, one entry per label pair of the series.
  if (buf.readUInt32BE(labelsOff - 4) !== crcOf(buf, postingsOff, labelsOff - 4)) fail(postingsOff, 'postings: CRC mismatch');
  for (let n = 0; n < nNames; n++) {
    const e = names.get(nameList[n])!;
    for (let v = 0; v < e.values.length; v++) {
      const list = decodePostings(buf, e.starts[v], e.ends[v], numSeries);
      if (list.length !== pairCounts[pairBase[n] + v]) fail(e.starts[v], `postings: ${list.length} series for ${nameList[n]}="${e.values[v]}", the series section has ${pairCounts[pairBase[n] + v]}`);
    }
  }

  return {
    reader: new IndexReader(buf, { names, nameList, valueLists, valueCounts, numSeries, groupSize, seriesOff, groupOffsets, pages }),
    walk: { numSeries, numChunks, minTime, maxTime, chunkRefs: null },
  };
}

function hasRef(refs: Float64Array, n: number, r: number): boolean {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (refs[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && refs[lo] === r;
}
