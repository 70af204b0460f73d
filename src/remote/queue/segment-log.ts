/**
 * @module The remote-write buffer on disk: numbered segment files of CRC-checked records, written
 * by one appender and read back by a cursor (docs/format/remote-write-buffer.md). A new segment is
 * started at every open, so a segment is only ever written by one process; only the last one can
 * have a torn tail, and that is truncated at open.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import { isRecordType, RECORD_HEADER_BYTES, recordCrc, type RecordType } from './records.ts';

/** Segment header: magic `PRWQ`, format version u8, 3 reserved zero bytes. */
export const SEGMENT_HEADER_BYTES = 8;
const MAGIC = Buffer.from('PRWQ', 'latin1');
const FORMAT_VERSION = 1;
const SEGMENT_NAME = /^\d{8,}$/;
/** Reads are done in chunks of this size (grown for larger records). */
const READ_CHUNK_BYTES = 1 << 20;

/** One segment file: its number and current size in bytes (header included). */
export interface SegmentInfo {
  readonly index: number;
  size: number;
}

/** A segment's file name: the index, zero-padded to 8 digits. */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** Options of SegmentLog.open. */
export interface SegmentLogOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** The new head segment gets an index above this (keeps numbers rising past a checkpoint). */
  readonly minHeadIndex?: number;
}

/**
 * The segment files of one buffer directory. Writes go to the head segment (created by open());
 * older segments are read-only and can be removed whole. Synchronous: every method finishes its
 * file work before returning, so callers in one event loop see a consistent state.
 */
export class SegmentLog {
  readonly dir: string;
  readonly #logger: Logger;
  readonly #segments: SegmentInfo[];
  #fd: number;
  #totalBytes: number;

  private constructor(dir: string, logger: Logger, segments: SegmentInfo[], fd: number) {
    this.dir = dir;
    this.#logger = logger;
    this.#segments = segments;
    this.#fd = fd;
    this.#totalBytes = segments.reduce((a, s) => a + s.size, 0);
  }

  /** Opens `dir` (created if needed): repairs the last existing segment, then starts a new head. */
  static open(options: SegmentLogOptions): SegmentLog {
    const { dir, logger } = options;
    mkdirSync(dir, { recursive: true });
    const indexes = readdirSync(dir).filter((n) => SEGMENT_NAME.test(n)).map(Number).sort((a, b) => a - b);
    const segments: SegmentInfo[] = [];
    for (const index of indexes) {
      const path = join(dir, segmentName(index));
      const fd = openSync(path, 'r');
      try {
        segments.push({ index, size: fstatSync(fd).size });
      } finally {
        closeSync(fd);
      }
    }
    const last = segments[segments.length - 1];
    if (last && !repairTail(dir, last, logger)) segments.pop();
    const headIndex = Math.max(last?.index ?? 0, options.minHeadIndex ?? 0) + 1;
    const fd = createSegment(dir, headIndex);
    segments.push({ index: headIndex, size: SEGMENT_HEADER_BYTES });
    return new SegmentLog(dir, logger, segments, fd);
  }

  /** The segment being written. */
  get head(): Readonly<SegmentInfo> {
    return this.#segments[this.#segments.length - 1];
  }

  /** All segments, oldest first (the head last). Do not modify. */
  get segments(): readonly Readonly<SegmentInfo>[] {
    return this.#segments;
  }

  /** Bytes of all segment files together. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** The segment with this index, or undefined when there is none (never was, or removed). */
  segment(index: number): Readonly<SegmentInfo> | undefined {
    for (const s of this.#segments) if (s.index === index) return s;
    return undefined;
  }

  /** The first segment with an index above `index`, or undefined. */
  after(index: number): Readonly<SegmentInfo> | undefined {
    for (const s of this.#segments) if (s.index > index) return s;
    return undefined;
  }

  path(index: number): string {
    return join(this.dir, segmentName(index));
  }

  /**
   * Appends framed records to the head in one write and returns the offset they start at.
   * On failure nothing counts as written: the head's size stays, and the next write overwrites.
   */
  write(bytes: Uint8Array): number {
    const head = this.#segments[this.#segments.length - 1];
    const at = head.size;
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done, at + done);
    } catch (err) {
      try { ftruncateSync(this.#fd, at); } catch { /* best effort: a reopen truncates the tail anyway */ }
      throw new Error(`write ${bytes.length} bytes to remote write buffer segment ${this.path(head.index)} at offset ${at}`, { cause: err });
    }
    head.size += bytes.length;
    this.#totalBytes += bytes.length;
    return at;
  }

  /** Closes the head and starts the next segment. */
  roll(): void {
    const next = this.head.index + 1;
    const fd = createSegment(this.dir, next);
    closeSync(this.#fd);
    this.#fd = fd;
    this.#segments.push({ index: next, size: SEGMENT_HEADER_BYTES });
    this.#totalBytes += SEGMENT_HEADER_BYTES;
  }

  /** Deletes a segment that is not the head. */
  remove(index: number): void {
    if (index === this.head.index) throw new Error(`cannot remove the head segment ${index}`);
    const i = this.#segments.findIndex((s) => s.index === index);
    if (i < 0) return;
    unlinkSync(this.path(index));
    this.#totalBytes -= this.#segments[i].size;
    this.#segments.splice(i, 1);
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

function createSegment(dir: string, index: number): number {
  const fd = openSync(join(dir, segmentName(index)), 'wx');
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[4] = FORMAT_VERSION;
  writeSync(fd, header, 0, header.length, 0);
  return fd;
}

/**
 * Truncates a torn or corrupt tail of `seg` (logging segment, offset and bytes dropped) and
 * updates its size. Returns false when the segment had no valid header and was deleted.
 */
function repairTail(dir: string, seg: SegmentInfo, logger: Logger): boolean {
  const path = join(dir, segmentName(seg.index));
  const reader = new SegmentReader(path, SEGMENT_HEADER_BYTES);
  let end = SEGMENT_HEADER_BYTES;
  let problem = '';
  try {
    for (;;) {
      const r = reader.next(seg.size);
      if (r.kind === 'end') break;
      if (r.kind === 'corrupt') { problem = r.reason; end = r.offset; break; }
      end = reader.offset;
    }
  } finally {
    reader.close();
  }
  if (end >= seg.size) return true;
  if (end < SEGMENT_HEADER_BYTES || problem.startsWith('segment header')) {
    logger.warn('remote write buffer: segment without a valid header deleted', { segment: path, size: seg.size, reason: problem });
    unlinkSync(path);
    return false;
  }
  logger.warn('remote write buffer: torn or corrupt tail truncated', { segment: path, offset: end, dropped_bytes: seg.size - end, reason: problem });
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, end);
  } finally {
    closeSync(fd);
  }
  seg.size = end;
  return true;
}

/** What SegmentReader.next() found. `payload` is a view valid until the next call. */
export type ReadResult =
  | { readonly kind: 'record'; readonly type: RecordType; readonly offset: number; readonly payload: Buffer }
  | { readonly kind: 'end' }
  | { readonly kind: 'corrupt'; readonly offset: number; readonly reason: string };

/**
 * A forward cursor over the records of one segment file, reading in 1 MiB chunks. The caller
 * passes the readable size to each next() (the head grows while it is read). The segment header
 * is checked on the first call.
 */
export class SegmentReader {
  readonly path: string;
  #fd: number;
  #buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  #bufStart = 0;
  #bufEnd = 0;
  #offset: number;
  #checkedHeader = false;

  constructor(path: string, startOffset = SEGMENT_HEADER_BYTES) {
    this.path = path;
    this.#fd = openSync(path, 'r');
    this.#offset = Math.max(SEGMENT_HEADER_BYTES, startOffset);
  }

  /** Offset of the next record. */
  get offset(): number {
    return this.#offset;
  }

  /** The record at offset() if it lies wholly below `limit`, 'end' at `limit`, or what is wrong. */
  next(limit: number): ReadResult {
    if (!this.#checkedHeader) {
      if (limit < SEGMENT_HEADER_BYTES || !this.#fill(0, SEGMENT_HEADER_BYTES, limit)) return { kind: 'corrupt', offset: 0, reason: 'segment header truncated' };
      const h = this.#view(0, SEGMENT_HEADER_BYTES);
      if (!h.subarray(0, 4).equals(MAGIC)) return { kind: 'corrupt', offset: 0, reason: 'segment header has the wrong magic' };
      if (h[4] !== FORMAT_VERSION) return { kind: 'corrupt', offset: 0, reason: `segment header names format version ${h[4]}, this reader knows ${FORMAT_VERSION}` };
      this.#checkedHeader = true;
    }
    const at = this.#offset;
    if (at >= limit) return { kind: 'end' };
    if (at + RECORD_HEADER_BYTES > limit || !this.#fill(at, RECORD_HEADER_BYTES, limit)) return { kind: 'corrupt', offset: at, reason: 'record header truncated' };
    const h = this.#view(at, RECORD_HEADER_BYTES);
    const type = h[0];
    const len = h.readUInt32LE(1);
    const crc = h.readUInt32LE(5);
    if (!isRecordType(type)) return { kind: 'corrupt', offset: at, reason: `unknown record type ${type}` };
    if (at + RECORD_HEADER_BYTES + len > limit) return { kind: 'corrupt', offset: at, reason: `record of ${len} bytes runs past the end (${limit})` };
    if (!this.#fill(at, RECORD_HEADER_BYTES + len, limit)) return { kind: 'corrupt', offset: at, reason: 'record truncated' };
    const payload = this.#view(at + RECORD_HEADER_BYTES, len);
    if (recordCrc(type, payload) !== crc) return { kind: 'corrupt', offset: at, reason: 'record checksum mismatch' };
    this.#offset = at + RECORD_HEADER_BYTES + len;
    return { kind: 'record', type, offset: at, payload };
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #view(at: number, n: number): Buffer {
    return this.#buf.subarray(at - this.#bufStart, at - this.#bufStart + n);
  }

  /** Makes [at, at+n) available in the buffer; false when the file is shorter. */
  #fill(at: number, n: number, limit: number): boolean {
    if (at >= this.#bufStart && at + n <= this.#bufEnd) return true;
    const want = Math.min(Math.max(n, READ_CHUNK_BYTES), Math.max(n, limit - at));
    if (this.#buf.length < want) this.#buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = readSync(this.#fd, this.#buf, got, want - got, at + got);
      if (r === 0) break;
      got += r;
    }
    this.#bufStart = at;
    this.#bufEnd = at + got;
    return got >= n;
  }
}
