/**
 * @module A cursor over the framed records of one segment file, reading it in 1 MiB chunks
 * (grown only for a larger record), so a segment is never loaded whole. It stops at the first
 * frame that is torn, has an impossible length or fails its CRC, and says where and why.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FRAME_HEADER_BYTES, MAX_RECORD_BYTES, recordCrc } from './segment.ts';

/** Frame header of the old single-file WAL: type u8, length u32, crc32 u32. */
const LEGACY_HEADER_BYTES = 9;

/** Bytes read per read(2). */
export const READ_CHUNK_BYTES = 1 << 20; // 1 MiB

/**
 * Why a segment stops being readable at some offset:
 * - `torn`: the file ends inside the frame (a write cut short: crash, full disk, power loss);
 * - `bad_length`: the length field is 0 or above MAX_RECORD_BYTES (zero fill, garbage);
 * - `crc_mismatch`: the record's bytes do not match their CRC (bit rot, overwritten bytes).
 */
export type CorruptionReason = 'torn' | 'bad_length' | 'crc_mismatch';

/** Where a segment's readable records end and why. */
export interface Corruption {
  /** Byte offset of the first bad frame. */
  readonly offset: number;
  readonly reason: CorruptionReason;
}

/**
 * Frame layouts: `wal` is [length u32][crc32 u32][record]; `legacy` is the old single-file WAL of
 * db.ts, [type u8][length u32][crc32 u32][payload], read only to convert it (legacy.ts).
 */
export type Framing = 'wal' | 'legacy';

/** Options of SegmentReader. */
export interface SegmentReaderOptions {
  readonly chunkBytes?: number;
  readonly framing?: Framing;
}

/**
 * Reads one closed segment file (nothing may append to it meanwhile). Call next() before the
 * first record(); the record view is valid until the following next().
 */
export class SegmentReader {
  readonly path: string;
  readonly size: number;
  #fd: number;
  #buf: Buffer;
  /** File offset of #buf[0]; #buf holds file bytes [#bufStart, #bufStart + #filled). */
  #bufStart = 0;
  #filled = 0;
  /** File offset of the next frame. */
  #pos = 0;
  #offset = -1;
  #record: Uint8Array = new Uint8Array(0);
  #failure: Corruption | null = null;
  readonly #legacy: boolean;
  readonly #header: number;
  #type = 0;

  constructor(path: string, options: SegmentReaderOptions = {}) {
    const chunkBytes = options.chunkBytes ?? READ_CHUNK_BYTES;
    this.path = path;
    this.#legacy = options.framing === 'legacy';
    this.#header = this.#legacy ? LEGACY_HEADER_BYTES : FRAME_HEADER_BYTES;
    this.#fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.#fd).size;
    } catch (cause) {
      closeSync(this.#fd);
      throw cause;
    }
    this.#buf = Buffer.allocUnsafe(Math.max(this.#header, Math.min(chunkBytes, this.size)));
  }

  /** Byte offset of the current record's frame. */
  get offset(): number {
    return this.#offset;
  }

  /** File offset just past the last good record read so far. */
  get goodEnd(): number {
    return this.#pos;
  }

  /** The current record (type byte first; with legacy framing the payload only). */
  record(): Uint8Array {
    return this.#record;
  }

  /** The current record's type byte. */
  type(): number {
    return this.#type;
  }

  /** Set once next() returned false because of a bad frame; null at a clean end. */
  failure(): Corruption | null {
    return this.#failure;
  }

  /** Advances to the next good record; false at the end of the file or at the first bad frame. */
  next(): boolean {
    if (this.#failure !== null || this.#pos >= this.size) return false;
    const pos = this.#pos;
    const header = this.#header;
    if (this.size - pos < header) return this.#fail('torn');
    this.#ensure(pos, header);
    const at = pos - this.#bufStart;
    const h = this.#legacy ? 1 : 0;
    const len = this.#buf.readUInt32LE(at + h);
    const crc = this.#buf.readUInt32LE(at + h + 4);
    if (this.#legacy ? this.#buf[at] !== 1 && this.#buf[at] !== 2 : len === 0) return this.#fail('bad_length');
    if (len > MAX_RECORD_BYTES) return this.#fail('bad_length');
    if (len > this.size - pos - header) return this.#fail('torn');
    this.#ensure(pos, header + len);
    const start = pos - this.#bufStart + header;
    const record = this.#buf.subarray(start, start + len);
    if (recordCrc(record) !== crc) return this.#fail('crc_mismatch');
    this.#record = record;
    this.#type = this.#legacy ? this.#buf[at] : record[0];
    this.#offset = pos;
    this.#pos = pos + header + len;
    return true;
  }

  #fail(reason: CorruptionReason): false {
    this.#failure = { offset: this.#pos, reason };
    return false;
  }

  /** Makes #buf hold file bytes [pos, pos + n) (the caller checked they exist). */
  #ensure(pos: number, n: number): void {
    if (pos >= this.#bufStart && pos + n <= this.#bufStart + this.#filled) return;
    let keep = 0;
    if (pos >= this.#bufStart && pos < this.#bufStart + this.#filled) keep = this.#bufStart + this.#filled - pos;
    if (n > this.#buf.length) {
      const next = Buffer.allocUnsafe(Math.max(n, Math.min(this.#buf.length * 2, this.size)));
      if (keep > 0) this.#buf.copy(next, 0, pos - this.#bufStart, pos - this.#bufStart + keep);
      this.#buf = next;
    } else if (keep > 0) {
      this.#buf.copyWithin(0, pos - this.#bufStart, pos - this.#bufStart + keep);
    }
    this.#bufStart = pos;
    this.#filled = keep;
    const want = Math.min(this.#buf.length, this.size - pos);
    while (this.#filled < n) {
      const got = readSync(this.#fd, this.#buf, this.#filled, want - this.#filled, pos + this.#filled);
      if (got === 0) throw new Error(`${this.path}: file shrank while reading at ${pos + this.#filled}`);
      this.#filled += got;
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
