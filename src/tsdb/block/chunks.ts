/**
 * @module Chunk segment files of a block (`chunks/000001`, …), format 2: an 8-byte header, then
 * items back to back with nothing between them: each chunk's value stream, preceded the first time
 * by the timestamp column it shares with other chunks (chunkenc/values.ts, timestamps.ts). Where
 * each item lies is in the index; so are the pages that cut the items into runs of about 4 KiB and
 * the CRC-32 of each page. A chunk ref is `segmentIndex × 2^32 + offset` (segment 0 is file
 * 000001). See docs/format/block.md. Format 1 segments are read by chunks-v1.ts.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ChunkEncoding, CorruptChunkError, checkValuesHeader, readTimestamps } from '../chunkenc/index.ts';
import { CorruptBlockError, CorruptChunkReadError } from './errors.ts';
import { FileWriter, fsyncDir } from './fs-util.ts';
import { copyBytes } from '../chunkenc/bstream.ts';
import { PAGE_BAD_CRC, PAGE_GOOD, PAGE_GROUP_BYTES, PAGE_TRUNCATED, PAGE_UNCHECKED, type PageCache, type Pages, pageGroupKey, segmentIds } from './page-cache.ts';
import type { ChunkMeta } from './series-codec.ts';

/** "PCHK": first 4 bytes of every chunk segment. */
export const CHUNKS_MAGIC = 0x5043484b;
/** Chunk segment format version written. */
export const CHUNKS_VERSION = 2;
/** magic u32 · version u8 · 3 zero bytes. */
export const SEGMENT_HEADER_BYTES = 8;
/** Segments are cut before they exceed this; Prometheus uses the same 512 MiB. */
export const DEFAULT_SEGMENT_MAX_BYTES = 512 * 1024 * 1024;
/**
 * A page ends after the first item that takes it to this size. A CRC covers one page, so a query
 * reads and checks at least a page per chunk, and a damaged page costs the chunks in it.
 */
export const DEFAULT_PAGE_BYTES = 4096;
/**
 * The most bytes read ahead per chunk read. The read-ahead starts at MIN_READAHEAD_BYTES and
 * doubles while reads go forward through a segment (a select of neighbouring series), so a select
 * of scattered series reads little more than its chunks' pages.
 */
export const DEFAULT_READAHEAD_BYTES = 256 * 1024;
/** Read-ahead after a jump: one page. */
export const MIN_READAHEAD_BYTES = 4096;

const TWO_POW_32 = 4294967296;
const SEGMENT_NAME_RE = /^\d{6}$/;

/** A chunk ref from a segment index (0-based) and a byte offset in that segment. */
export function chunkRef(segment: number, offset: number): number {
  return segment * TWO_POW_32 + offset;
}

/** The segment file name for a 0-based segment index: 0 → `000001`. */
export function segmentName(segment: number): string {
  return String(segment + 1).padStart(6, '0');
}

/**
 * A chunk as read from its block: its encoding and a view of its bytes (valid for as long as it is
 * referenced). Format 2 chunks are value streams (ChunkEncoding.Values) with the timestamps of
 * their column; format 1 chunks hold their timestamps (`ts` null).
 */
export interface StoredChunk {
  readonly encoding: number;
  readonly data: Uint8Array;
  readonly ts: Float64Array | null;
}

/** Reads the chunks of one block for one querier or compaction. */
export interface BlockChunkReader {
  /** The chunk `meta` describes, checked. Throws CorruptChunkReadError naming segment and offset. */
  read(meta: ChunkMeta): StoredChunk;
}

/** The pages the writer cut, per segment: byte lengths and CRC-32s. */
export type WrittenPages = ReadonlyArray<{ readonly lengths: readonly number[]; readonly crcs: readonly number[] }>;

/** The pages of one segment as the index lists them: starts[i] is the offset of page i, starts[n] the end. */
export interface SegmentPages {
  readonly starts: Float64Array;
  readonly crcs: Uint32Array;
}

/**
 * Writes chunks into numbered segments, cutting a new one before segmentMaxBytes, and cuts the
 * items into CRC-checked pages of about pageBytes.
 */
export class ChunkWriter {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #fsync: boolean;
  readonly #pageBytes: number;
  #w: FileWriter | null = null;
  #segment = -1;
  /** The page being filled: its CRC is taken once, when it ends (a native call per item costs more than the copy). */
  #page: Uint8Array;
  #pageLen = 0;
  readonly #pages: Array<{ lengths: number[]; crcs: number[] }> = [];

  /** `dir` is the block's `chunks/` directory, which must exist. */
  constructor(dir: string, segmentMaxBytes = DEFAULT_SEGMENT_MAX_BYTES, fsync = true, pageBytes = DEFAULT_PAGE_BYTES) {
    if (!(segmentMaxBytes > SEGMENT_HEADER_BYTES && segmentMaxBytes < TWO_POW_32)) throw new RangeError(`segmentMaxBytes ${segmentMaxBytes} outside (8, 2^32)`);
    if (!(pageBytes >= 1)) throw new RangeError(`pageBytes ${pageBytes} below 1`);
    this.#dir = dir;
    this.#maxBytes = segmentMaxBytes;
    this.#fsync = fsync;
    this.#pageBytes = pageBytes;
    this.#page = new Uint8Array(Math.max(pageBytes, 64) * 2);
  }

  /** The segment offset of the next byte written. */
  get #offset(): number {
    return this.#w!.offset + this.#pageLen;
  }

  /**
   * Starts the chunks of a series, `bytes` long in all: cuts a new segment first when they would
   * take this one past segmentMaxBytes. Segments are cut only here, so a series' chunks share one.
   */
  beginSeries(bytes: number): void {
    if (this.#w !== null && this.#offset + bytes >= TWO_POW_32 - 64) throw new RangeError(`the chunks of a series (${bytes} bytes) exceed a segment's 4 GiB`);
    if (this.#w === null || (this.#offset + bytes > this.#maxBytes && this.#offset > SEGMENT_HEADER_BYTES)) this.#cut();
  }

  /**
   * Appends one chunk of the series begun last from `src[start, start + columnLen + valuesLen)`:
   * its timestamp column first (columnLen > 0 on the column's first use), then its value stream.
   * Returns the value stream's ref; the column's is that minus columnLen. The bytes are copied.
   */
  write(src: Uint8Array, start: number, columnLen: number, valuesLen: number): number {
    if (valuesLen <= 0 || columnLen < 0) throw new RangeError('empty chunk item');
    if (this.#w === null) this.#cut();
    if (columnLen > 0) this.#item(src, start, columnLen);
    const ref = chunkRef(this.#segment, this.#offset);
    this.#item(src, start + columnLen, valuesLen);
    return ref;
  }

  #item(src: Uint8Array, start: number, len: number): void {
    if (this.#pageLen + len > this.#page.length) {
      const next = new Uint8Array(Math.max(this.#page.length * 2, this.#pageLen + len));
      next.set(this.#page.subarray(0, this.#pageLen));
      this.#page = next;
    }
    const page = this.#page;
    const at = this.#pageLen;
    copyBytes(page, at, src, start, len);
    this.#pageLen = at + len;
    if (this.#pageLen >= this.#pageBytes) this.#endPage();
  }

  #endPage(): void {
    if (this.#pageLen === 0) return;
    const bytes = this.#page.subarray(0, this.#pageLen);
    const seg = this.#pages[this.#segment];
    seg.lengths.push(this.#pageLen);
    seg.crcs.push(crc32(bytes, 0));
    this.#w!.write(bytes);
    this.#pageLen = 0;
  }

  #cut(): void {
    if (this.#w !== null) {
      this.#endPage();
      this.#w.close(this.#fsync);
    }
    this.#segment++;
    this.#pages.push({ lengths: [], crcs: [] });
    this.#w = new FileWriter(join(this.#dir, segmentName(this.#segment)));
    const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
    h.writeUInt32BE(CHUNKS_MAGIC, 0);
    h[4] = CHUNKS_VERSION;
    this.#w.write(h);
    this.#pageLen = 0;
  }

  /**
   * Flushes and closes the last segment (one empty segment when no chunk was written) and returns
   * the pages of every segment, for the index.
   */
  close(): WrittenPages {
    if (this.#w === null) this.#cut();
    this.#endPage();
    this.#w!.close(this.#fsync);
    if (this.#fsync) fsyncDir(this.#dir);
    return this.#pages;
  }

  /** Closes without flushing (error paths). */
  abort(): void {
    this.#w?.abort();
  }
}

/**
 * The open segment files of one block. Opening checks names, headers and that all have the same
 * format version.
 */
export class ChunkSegments {
  readonly #fds: number[];
  readonly sizes: readonly number[];
  /** The segments' format version (1 or 2). */
  readonly version: number;
  /** The read cache id of segment 0; segment i has ids + i (page-cache.ts segmentIds). */
  readonly ids: number;

  private constructor(fds: number[], sizes: number[], version: number) {
    this.#fds = fds;
    this.sizes = sizes;
    this.version = version;
    this.ids = segmentIds(fds.length);
  }

  /** Opens `<blockDir>/chunks/*`; throws CorruptBlockError for a missing, misnamed or bad-header segment. */
  static open(blockDir: string): ChunkSegments {
    const dir = join(blockDir, 'chunks');
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new CorruptBlockError(blockDir, 'chunks', 'missing', undefined, { cause });
      throw cause; // EACCES, EMFILE…: not the block's fault, so not a reason to quarantine it
    }
    if (names.length === 0) throw new CorruptBlockError(blockDir, 'chunks', 'no segment files');
    const fds: number[] = [];
    const sizes: number[] = [];
    let version = 0;
    try {
      for (let i = 0; i < names.length; i++) {
        const file = `chunks/${names[i]}`;
        if (!SEGMENT_NAME_RE.test(names[i]) || names[i] !== segmentName(i)) throw new CorruptBlockError(blockDir, file, `unexpected file, want ${segmentName(i)}`);
        const fd = openSync(join(dir, names[i]), 'r');
        fds.push(fd);
        const size = fstatSync(fd).size;
        sizes.push(size);
        const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
        const n = readSync(fd, h, 0, SEGMENT_HEADER_BYTES, 0);
        if (n < SEGMENT_HEADER_BYTES) throw new CorruptBlockError(blockDir, file, `truncated header (${size} bytes)`, 0);
        if (h.readUInt32BE(0) !== CHUNKS_MAGIC) throw new CorruptBlockError(blockDir, file, `bad magic 0x${h.readUInt32BE(0).toString(16)}`, 0);
        if (h[4] !== 1 && h[4] !== CHUNKS_VERSION) throw new CorruptBlockError(blockDir, file, `unsupported version ${h[4]}`, 4);
        if (i > 0 && h[4] !== version) throw new CorruptBlockError(blockDir, file, `version ${h[4]} after segments of version ${version}`, 4);
        version = h[4];
        if (h[5] !== 0 || h[6] !== 0 || h[7] !== 0) throw new CorruptBlockError(blockDir, file, 'non-zero header padding', 5);
        if (size >= TWO_POW_32) throw new CorruptBlockError(blockDir, file, `segment of ${size} bytes exceeds 4 GiB`);
      }
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      throw err;
    }
    return new ChunkSegments(fds, sizes, version);
  }

  /** Total bytes of all segments. */
  get totalBytes(): number {
    let n = 0;
    for (const s of this.sizes) n += s;
    return n;
  }

  /** Reads `length` bytes at `offset` of a segment into a new buffer (short at the end of the file). */
  readAt(segment: number, offset: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.sizes[segment] - offset));
    // Not from Buffer's shared pool: a page kept in the read cache should hold only its own bytes.
    const buf = Buffer.allocUnsafeSlow(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.#fds[segment], buf, got, n - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  }

  /**
   * Checks that the segments are exactly as long as the pages the index lists for them. Throws
   * CorruptBlockError naming the segment (a truncated file, or bytes no page covers).
   */
  checkPages(blockDir: string, pages: readonly SegmentPages[]): void {
    const n = this.sizes.length;
    if (pages.length < n) throw new CorruptBlockError(blockDir, `chunks/${segmentName(pages.length)}`, `segment not referenced by the index, which lists ${pages.length}`);
    if (pages.length > n) throw new CorruptBlockError(blockDir, `chunks/${segmentName(n)}`, `missing: the index lists ${pages.length} segments`);
    for (let s = 0; s < n; s++) {
      const starts = pages[s].starts;
      const end = starts[starts.length - 1];
      const file = `chunks/${segmentName(s)}`;
      if (this.sizes[s] < end) throw new CorruptBlockError(blockDir, file, `segment of ${this.sizes[s]} bytes, its pages end at ${end} (truncated?)`, this.sizes[s]);
      if (this.sizes[s] > end) throw new CorruptBlockError(blockDir, file, `${this.sizes[s] - end} bytes after the last page, not referenced by the index`, end);
    }
  }

  /** Closes the segment files. */
  close(): void {
    for (const fd of this.#fds) closeSync(fd);
    this.#fds.length = 0;
  }
}

/**
 * Decoded timestamp columns of one block, shared by its readers (columns never change). Holds up to
 * about maxSamples timestamps (default 128 Ki, 1 MiB), then starts over: every open block has one,
 * and decoding a column again costs about as much as a chunk's timestamps did in format 1.
 */
export class ColumnCache {
  readonly #map = new Map<number, Float64Array>();
  #samples = 0;

  constructor(readonly maxSamples = 1 << 17) {}

  get(ref: number): Float64Array | undefined {
    return this.#map.get(ref);
  }

  set(ref: number, ts: Float64Array): void {
    if (this.#samples + ts.length > this.maxSamples) {
      this.#map.clear();
      this.#samples = 0;
    }
    this.#map.set(ref, ts);
    this.#samples += ts.length;
  }
}

const NO_PAGES: Pages = { buf: new Uint8Array(0), start: 0, first: 0, count: 0, state: new Uint8Array(0) };

/**
 * Reads format-2 chunks a page at a time. With a PageCache, through groups of pages kept there
 * (checked when read in); without one (compaction, verification), through a read-ahead window of
 * whole pages of its own, each page's CRC checked the first time an item in it is read. A bad page
 * fails only the chunks in it. Page buffers are never written again once read, so returned views
 * stay valid while referenced. One per querier or compaction.
 */
export class ChunkReader implements BlockChunkReader {
  readonly #segs: ChunkSegments;
  readonly #pages: readonly SegmentPages[];
  readonly #columns: ColumnCache;
  readonly #maxReadahead: number;
  readonly #cache: PageCache | null;
  #readahead = MIN_READAHEAD_BYTES;
  /** The pages read last, of segment #seg; #page is the last page located in them (-1: none). */
  #seg = -1;
  #cur: Pages = NO_PAGES;
  #page = -1;
  /** What #locate found: the item's offset in #cur.buf and where its page ends there. */
  #at = 0;
  #end = 0;
  /** Pages whose CRC this reader has checked (verification counts them). */
  pagesChecked = 0;

  /** `readaheadBytes` caps the read-ahead window (default 256 KiB) when there is no cache. */
  constructor(segs: ChunkSegments, pages: readonly SegmentPages[], columns: ColumnCache, readaheadBytes = DEFAULT_READAHEAD_BYTES, cache: PageCache | null = null) {
    this.#segs = segs;
    this.#pages = pages;
    this.#columns = columns;
    this.#maxReadahead = Math.max(MIN_READAHEAD_BYTES, readaheadBytes);
    this.#cache = cache !== null && cache.maxBytes > 0 ? cache : null;
  }

  read(meta: ChunkMeta): StoredChunk {
    const data = this.item(meta.ref, meta.len);
    return { encoding: ChunkEncoding.Values, data, ts: this.column(meta.colRef) };
  }

  /** The timestamps of the column at `ref`, from the cache or decoded from its page. */
  column(ref: number): Float64Array {
    let ts = this.#columns.get(ref);
    if (ts !== undefined) return ts;
    ts = this.decodeColumn(ref).ts;
    this.#columns.set(ref, ts);
    return ts;
  }

  /** Decodes the column at `ref` from its page, bypassing the cache; `end` is the ref right after it. */
  decodeColumn(ref: number): { ts: Float64Array; end: number } {
    this.#locate(ref);
    const cur = this.#cur;
    try {
      const d = readTimestamps(cur.buf, this.#at, this.#end);
      return { ts: d.ts, end: chunkRef(this.#seg, d.end + cur.start) };
    } catch (err) {
      if (err instanceof CorruptChunkError) throw readError(this.#seg, this.#at + cur.start, `timestamp column: ${err.message}`);
      throw err;
    }
  }

  /** The `len` bytes at `ref`, which must lie in one page. */
  item(ref: number, len: number): Uint8Array {
    this.#locate(ref);
    const at = this.#at;
    if (at + len > this.#end) {
      const start = this.#cur.start;
      throw readError(this.#seg, at + start, `chunk of ${len} bytes crosses the end of its page at ${this.#end + start}`);
    }
    return this.#cur.buf.subarray(at, at + len);
  }

  /** Finds the page holding `ref`, loading it (its CRC checked) if need be; sets #at and #end. */
  #locate(ref: number): void {
    const segment = Math.floor(ref / TWO_POW_32);
    const offset = ref - segment * TWO_POW_32;
    const pages = this.#pages[segment];
    if (pages === undefined) throw readError(segment, offset, 'segment does not exist');
    const starts = pages.starts;
    const n = starts.length - 1;
    if (!(offset >= SEGMENT_HEADER_BYTES && offset < starts[n])) throw readError(segment, offset, `offset outside the pages of the segment (${starts[n]} bytes)`);
    let p = this.#page;
    // Items are mostly read in order: the page of the last one or the next.
    if (segment !== this.#seg || p < 0 || !(starts[p] <= offset && offset < starts[p + 1])) {
      p = segment === this.#seg && p >= 0 && p + 1 < n && starts[p + 1] <= offset && offset < starts[p + 2] ? p + 1 : pageOf(starts, offset);
      let cur = this.#cur;
      if (segment !== this.#seg || p < cur.first || p >= cur.first + cur.count) {
        this.#page = -1;
        cur = this.#cache !== null ? this.#group(segment, p) : this.#window(segment, p);
        this.#cur = cur;
        this.#seg = segment;
      }
      const k = p - cur.first;
      if (cur.state[k] === PAGE_UNCHECKED) cur.state[k] = this.#check(pages, p, cur);
      if (cur.state[k] !== PAGE_GOOD) throw this.#pageError(pages, segment, p, cur);
      this.#page = p;
    }
    const base = this.#cur.start;
    this.#at = offset - base;
    this.#end = starts[p + 1] - base;
  }

  /** The group of pages holding page p, from the cache or read into it (all its pages checked). */
  #group(segment: number, p: number): Pages {
    const cache = this.#cache!;
    const starts = this.#pages[segment].starts;
    const g = Math.floor(starts[p] / PAGE_GROUP_BYTES);
    const key = pageGroupKey(this.#segs.ids + segment, g);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const n = starts.length - 1;
    let first = p;
    while (first > 0 && starts[first - 1] >= g * PAGE_GROUP_BYTES) first--;
    let last = p;
    const groupEnd = (g + 1) * PAGE_GROUP_BYTES;
    while (last + 1 < n && starts[last + 1] < groupEnd) last++;
    const pages = this.#read(segment, first, last + 1);
    for (let k = 0; k < pages.count; k++) pages.state[k] = this.#check(this.#pages[segment], first + k, pages);
    cache.set(key, pages);
    return pages;
  }

  /** Reads pages p… of a segment into a new window: at least page p, up to the read-ahead. */
  #window(segment: number, p: number): Pages {
    const starts = this.#pages[segment].starts;
    const cur = this.#cur;
    const winEnd = cur.start + cur.buf.length;
    // Reading on from about where the window ended: read further ahead next time; a jump: start small.
    const forward = segment === this.#seg && starts[p] >= cur.start && starts[p] <= winEnd + this.#readahead;
    this.#readahead = forward ? Math.min(this.#readahead * 2, this.#maxReadahead) : MIN_READAHEAD_BYTES;
    const n = starts.length - 1;
    let q = p + 1;
    while (q < n && starts[q + 1] - starts[p] <= this.#readahead) q++;
    return this.#read(segment, p, q);
  }

  /** Pages [p, q) of a segment, unchecked, in a buffer of their own (off the V8 heap). */
  #read(segment: number, p: number, q: number): Pages {
    const starts = this.#pages[segment].starts;
    const buf = this.#segs.readAt(segment, starts[p], starts[q] - starts[p]);
    return { buf, start: starts[p], first: p, count: q - p, state: new Uint8Array(q - p) };
  }

  /** Checks page p of `in`: PAGE_GOOD, PAGE_BAD_CRC or PAGE_TRUNCATED. */
  #check(pages: SegmentPages, p: number, held: Pages): number {
    const from = pages.starts[p] - held.start;
    const to = pages.starts[p + 1] - held.start;
    if (to > held.buf.length) return PAGE_TRUNCATED;
    this.pagesChecked++;
    return crc32(held.buf.subarray(from, to)) === pages.crcs[p] ? PAGE_GOOD : PAGE_BAD_CRC;
  }

  #pageError(pages: SegmentPages, segment: number, p: number, held: Pages): CorruptChunkReadError {
    const at = pages.starts[p];
    if (held.state[p - held.first] === PAGE_TRUNCATED) return readError(segment, at, 'page runs past the end of the segment');
    const want = pages.crcs[p];
    const got = crc32(held.buf.subarray(at - held.start, pages.starts[p + 1] - held.start));
    return readError(segment, at, `CRC mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
  }
}

/** A CorruptChunkReadError naming the segment file (built only on failure). */
function readError(segment: number, offset: number, reason: string): CorruptChunkReadError {
  return new CorruptChunkReadError(`chunks/${segmentName(segment)}`, offset, reason);
}

/** The page i with starts[i] <= offset < starts[i + 1]. */
function pageOf(starts: Float64Array, offset: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Checks a value stream's header; rethrows as CorruptChunkReadError. */
export function checkValues(file: string, offset: number, data: Uint8Array): void {
  try {
    checkValuesHeader(data);
  } catch (err) {
    if (err instanceof CorruptChunkError) throw new CorruptChunkReadError(file, offset, err.message);
    throw err;
  }
}
