/**
 * @module Chunk segment files of a block (`chunks/000001`, …), after Prometheus tsdb/chunks:
 * an 8-byte header, then chunk records `uvarint len · encoding u8 · data · crc32 u32`.
 * A chunk ref is `segmentIndex * 2^32 + offset` (segment index 0 is file 000001); see docs/format/block.md.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptBlockError, CorruptChunkReadError } from './errors.ts';
import { FileWriter, fsyncDir } from './fs-util.ts';

/** "PCHK": first 4 bytes of every chunk segment. */
export const CHUNKS_MAGIC = 0x5043484b;
/** Chunk segment format version. */
export const CHUNKS_VERSION = 1;
/** magic u32 · version u8 · 3 zero bytes. */
export const SEGMENT_HEADER_BYTES = 8;
/** Segments are cut before they exceed this; Prometheus uses the same 512 MiB. */
export const DEFAULT_SEGMENT_MAX_BYTES = 512 * 1024 * 1024;
/**
 * The most bytes read ahead per chunk read. The read-ahead starts at MIN_READAHEAD_BYTES and
 * doubles while reads go forward through a segment (a select of neighbouring series), so a select
 * of scattered series reads little more than its chunks.
 */
export const DEFAULT_READAHEAD_BYTES = 256 * 1024;
/** Read-ahead after a jump: one page. */
export const MIN_READAHEAD_BYTES = 4096;

const TWO_POW_32 = 4294967296;
/** The bytes before a chunk's data: at most 5 for a uvarint below 2^32, plus the encoding byte. */
const MAX_RECORD_PREFIX = 6;
const SEGMENT_NAME_RE = /^\d{6}$/;

/** A chunk ref from a segment index (0-based) and a byte offset in that segment. */
export function chunkRef(segment: number, offset: number): number {
  return segment * TWO_POW_32 + offset;
}

/** The segment file name for a 0-based segment index: 0 → `000001`. */
export function segmentName(segment: number): string {
  return String(segment + 1).padStart(6, '0');
}

/** CRC-32 of each possible encoding byte alone: the start value for a record's CRC. */
const ENCODING_CRC = Array.from({ length: 256 }, (_, b) => crc32(Uint8Array.of(b)));

function crcOfRecord(encoding: number, data: Uint8Array): number {
  return crc32(data, ENCODING_CRC[encoding]);
}

/** Writes chunk records into numbered segments, cutting a new one before segmentMaxBytes. */
export class ChunkWriter {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #fsync: boolean;
  #w: FileWriter | null = null;
  #segment = -1;
  readonly #prefix = Buffer.alloc(MAX_RECORD_PREFIX + 4);
  readonly #crc = Buffer.alloc(4);

  /** `dir` is the block's `chunks/` directory, which must exist. */
  constructor(dir: string, segmentMaxBytes = DEFAULT_SEGMENT_MAX_BYTES, fsync = true) {
    if (!(segmentMaxBytes > SEGMENT_HEADER_BYTES && segmentMaxBytes < TWO_POW_32)) throw new RangeError(`segmentMaxBytes ${segmentMaxBytes} outside (8, 2^32)`);
    this.#dir = dir;
    this.#maxBytes = segmentMaxBytes;
    this.#fsync = fsync;
  }

  /** Appends one chunk and returns its ref. `data` is copied into the write buffer. */
  write(encoding: number, data: Uint8Array): number {
    if (!(Number.isInteger(encoding) && encoding >= 0 && encoding <= 255)) throw new RangeError(`chunk encoding ${encoding} is not a byte`);
    if (data.length >= TWO_POW_32 - 64) throw new RangeError(`chunk of ${data.length} bytes is too large`);
    const p = this.#prefix;
    let n = 0;
    let len = data.length;
    while (len >= 0x80) {
      p[n++] = (len % 0x80) | 0x80;
      len = Math.floor(len / 0x80);
    }
    p[n++] = len;
    p[n++] = encoding;
    const recordBytes = n + data.length + 4;
    if (this.#w === null || (this.#w.offset + recordBytes > this.#maxBytes && this.#w.offset > SEGMENT_HEADER_BYTES)) this.#cut();
    const w = this.#w!;
    const ref = chunkRef(this.#segment, w.offset);
    w.write(p.subarray(0, n));
    w.write(data);
    this.#crc.writeUInt32BE(crcOfRecord(encoding, data));
    w.write(this.#crc);
    return ref;
  }

  #cut(): void {
    this.#w?.close(this.#fsync);
    this.#segment++;
    this.#w = new FileWriter(join(this.#dir, segmentName(this.#segment)));
    const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
    h.writeUInt32BE(CHUNKS_MAGIC, 0);
    h[4] = CHUNKS_VERSION;
    this.#w.write(h);
  }

  /** Flushes and closes the last segment; writes one empty segment when no chunk was written. */
  close(): void {
    if (this.#w === null) this.#cut();
    this.#w!.close(this.#fsync);
    if (this.#fsync) fsyncDir(this.#dir);
  }

  /** Closes without flushing (error paths). */
  abort(): void {
    this.#w?.abort();
  }
}

/** A chunk as stored: its encoding byte and a view of its bytes (valid for as long as it is referenced). */
export interface StoredChunk {
  readonly encoding: number;
  readonly data: Uint8Array;
}

/**
 * The open segment files of one block. Opening checks names, headers and sizes; chunk CRCs are
 * checked when a chunk is read, or all at once by verify().
 */
export class ChunkSegments {
  readonly #fds: number[];
  readonly sizes: readonly number[];

  private constructor(fds: number[], sizes: number[]) {
    this.#fds = fds;
    this.sizes = sizes;
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
        if (h[4] !== CHUNKS_VERSION) throw new CorruptBlockError(blockDir, file, `unsupported version ${h[4]}`, 4);
        if (h[5] !== 0 || h[6] !== 0 || h[7] !== 0) throw new CorruptBlockError(blockDir, file, 'non-zero header padding', 5);
        if (size >= TWO_POW_32) throw new CorruptBlockError(blockDir, file, `segment of ${size} bytes exceeds 4 GiB`);
      }
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      throw err;
    }
    return new ChunkSegments(fds, sizes);
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
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.#fds[segment], buf, got, n - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  }

  /** Closes the segment files. */
  close(): void {
    for (const fd of this.#fds) closeSync(fd);
    this.#fds.length = 0;
  }
}

/**
 * Reads chunk records through a read-ahead window per segment. Windows are fresh buffers that are
 * never written again, so returned chunk views stay valid while referenced. One per querier or
 * compaction; not shared across concurrent users only for locality (it holds no mutable views).
 */
export class ChunkReader {
  readonly #segs: ChunkSegments;
  readonly #maxReadahead: number;
  #readahead = MIN_READAHEAD_BYTES;
  #winSeg = -1;
  #winStart = 0;
  #win: Buffer = Buffer.alloc(0);
  /** Offset right after the last record read: lets verify() walk records in order. */
  lastEnd = 0;

  /** `readaheadBytes` caps the read-ahead window (default 256 KiB). */
  constructor(segs: ChunkSegments, readaheadBytes = DEFAULT_READAHEAD_BYTES) {
    this.#segs = segs;
    this.#maxReadahead = Math.max(MIN_READAHEAD_BYTES, readaheadBytes);
  }

  /** The chunk at `ref`, CRC-checked. Throws CorruptChunkReadError naming segment and offset. */
  read(ref: number): StoredChunk {
    const segment = Math.floor(ref / TWO_POW_32);
    const offset = ref - segment * TWO_POW_32;
    return this.readRecord(segment, offset);
  }

  /** The chunk record at `offset` of `segment`; sets lastEnd to the offset after it. */
  readRecord(segment: number, offset: number): StoredChunk {
    const file = `chunks/${segmentName(segment)}`;
    if (segment >= this.#segs.sizes.length) throw new CorruptChunkReadError(file, offset, 'segment does not exist');
    const size = this.#segs.sizes[segment];
    if (offset < SEGMENT_HEADER_BYTES || offset >= size) throw new CorruptChunkReadError(file, offset, `offset outside the segment (${size} bytes)`);
    let win = this.#window(segment, offset, MAX_RECORD_PREFIX);
    let p = offset - this.#winStart;
    let len = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i === 5 || p >= win.length) throw new CorruptChunkReadError(file, offset, 'bad chunk length');
      const b = win[p++];
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    const prefix = p - (offset - this.#winStart) + 1;
    const total = prefix + len + 4;
    if (offset + total > size) throw new CorruptChunkReadError(file, offset, `chunk of ${len} bytes runs past the end of the segment (${size} bytes)`);
    win = this.#window(segment, offset, total);
    const start = offset - this.#winStart;
    const encoding = win[start + prefix - 1];
    const data = win.subarray(start + prefix, start + prefix + len);
    const want = win.readUInt32BE(start + prefix + len);
    const got = crcOfRecord(encoding, data);
    if (got !== want) throw new CorruptChunkReadError(file, offset, `CRC mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    this.lastEnd = offset + total;
    return { encoding, data };
  }

  /** A window holding [offset, offset + need) of the segment (or up to its end). */
  #window(segment: number, offset: number, need: number): Buffer {
    const size = this.#segs.sizes[segment];
    const end = Math.min(offset + need, size);
    const winEnd = this.#winStart + this.#win.length;
    if (segment === this.#winSeg && offset >= this.#winStart && end <= winEnd) return this.#win;
    // Reading on from about where the window ended: read further ahead next time; a jump: start small.
    const forward = segment === this.#winSeg && offset >= this.#winStart && offset <= winEnd + this.#readahead;
    this.#readahead = forward ? Math.min(this.#readahead * 2, this.#maxReadahead) : MIN_READAHEAD_BYTES;
    this.#win = this.#segs.readAt(segment, offset, Math.max(need, this.#readahead));
    this.#winSeg = segment;
    this.#winStart = offset;
    return this.#win;
  }
}

/**
 * Reads every chunk record of every segment in order, checking each CRC and that the records are
 * exactly the chunks the index refers to (`refs`, in index order), with no bytes between or after
 * them. Returns the number of samples (from the chunk headers). Throws CorruptBlockError.
 */
export async function verifySegments(blockDir: string, segs: ChunkSegments, refs: Float64Array, numRefs: number): Promise<number> {
  const reader = new ChunkReader(segs, 4 << 20);
  let k = 0;
  let samples = 0;
  for (let s = 0; s < segs.sizes.length; s++) {
    const file = `chunks/${segmentName(s)}`;
    let off = SEGMENT_HEADER_BYTES;
    while (off < segs.sizes[s]) {
      if (k >= numRefs || refs[k] !== chunkRef(s, off)) {
        throw new CorruptBlockError(blockDir, file, k >= numRefs ? 'chunk not referenced by the index' : `index refers to chunk ${refs[k]}, segment has one at ${chunkRef(s, off)}`, off);
      }
      let c: StoredChunk;
      try {
        c = reader.readRecord(s, off);
      } catch (err) {
        if (err instanceof CorruptChunkReadError) throw new CorruptBlockError(blockDir, file, err.reason, err.offset, { cause: err });
        throw err;
      }
      if (c.data.length < 2) throw new CorruptBlockError(blockDir, file, 'chunk without a sample-count header', off);
      samples += (c.data[0] << 8) | c.data[1];
      off = reader.lastEnd;
      k++;
      if ((k & 0xffff) === 0) await new Promise((r) => setImmediate(r));
    }
  }
  if (k !== numRefs) {
    const last = segs.sizes.length - 1;
    throw new CorruptBlockError(blockDir, `chunks/${segmentName(last)}`, `segments end after ${k} of the ${numRefs} chunks the index refers to (truncated?)`, segs.sizes[last]);
  }
  return samples;
}
