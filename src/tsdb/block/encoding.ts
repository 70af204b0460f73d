/**
 * @module Byte codecs for block files: a growable big-endian encoder, a bounds-checked decoder and
 * Go-compatible varints for safe integers (up to 2^53, so no BigInt travels past the codec).
 */
import { crc32 } from 'node:zlib';
import { copyBytes } from '../chunkenc/bstream.ts';

const TWO_POW_32 = 4294967296;

/** Thrown by Decbuf when bytes end early or hold an impossible field; the block reader adds the file. */
export class DecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Maps a safe integer to a non-negative one: 0, -1, 1, -2 → 0, 1, 2, 3 (Go's varint zigzag). */
export function zigzag(x: number): number {
  return x >= 0 ? 2 * x : -2 * x - 1;
}

/** Inverse of zigzag. */
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bytes of the uvarint encoding of a non-negative safe integer. */
export function uvarintSize(x: number): number {
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

/** CRC-32 (IEEE, zlib's polynomial) of bytes[start, end). */
export function crcOf(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32(bytes.subarray(start, end));
}

/**
 * A growable write buffer with a cursor. `bytes()` is a view that goes stale on the next put.
 * Reset and reuse it between entries; it never shrinks.
 */
export class Encbuf {
  #buf: Buffer;
  #len = 0;

  constructor(capacityBytes = 1024) {
    this.#buf = Buffer.alloc(capacityBytes);
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.#len;
  }

  reset(): void {
    this.#len = 0;
  }

  /** A view of the bytes written; invalid after the next put or reset. */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = Buffer.alloc(cap);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  putByte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b;
  }

  /** A big-endian uint32. */
  putU32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v >>> 0, this.#len);
    this.#len += 4;
  }

  /** Overwrites a big-endian uint32 at an earlier position (a length placeholder). */
  setU32(at: number, v: number): void {
    this.#buf.writeUInt32BE(v >>> 0, at);
  }

  /** A big-endian uint64 from a non-negative safe integer. */
  putU64(v: number): void {
    this.#ensure(8);
    this.#buf.writeUInt32BE(Math.floor(v / TWO_POW_32), this.#len);
    this.#buf.writeUInt32BE(v >>> 0, this.#len + 4);
    this.#len += 8;
  }

  /** A non-negative safe integer as 7-bit groups, low group first (Go binary.PutUvarint). */
  putUvarint(x: number): void {
    this.#ensure(8);
    const b = this.#buf;
    while (x >= 0x80) {
      b[this.#len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    b[this.#len++] = x;
  }

  /** A safe integer, zigzag-encoded as a uvarint (Go binary.PutVarint). */
  putVarint(x: number): void {
    this.putUvarint(zigzag(x));
  }

  putBytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** src[start, start + len): putBytes without a view to copy from (cheaper for the short items of a block). */
  putRange(src: Uint8Array, start: number, len: number): void {
    this.#ensure(len);
    copyBytes(this.#buf, this.#len, src, start, len);
    this.#len += len;
  }

  /** A string as its UTF-8 byte length (uvarint) and bytes. */
  putUvarintStr(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.putUvarint(n);
    this.#ensure(n);
    this.#buf.write(s, this.#len, n, 'utf8');
    this.#len += n;
  }

  /** The CRC-32 of everything from `start` to the cursor, appended big-endian. */
  putCrcSince(start: number): void {
    const c = crc32(this.#buf.subarray(start, this.#len));
    this.putU32(c);
  }
}

/** A read cursor over buf[pos, end). Every read is bounds-checked and throws DecodeError. */
export class Decbuf {
  constructor(readonly buf: Buffer, public pos: number, public end: number = buf.length) {
    if (pos < 0 || end > buf.length || pos > end) throw new DecodeError(`range [${pos}, ${end}) outside ${buf.length} bytes`, pos);
  }

  /** Bytes left before end. */
  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`read of ${n} bytes at offset ${this.pos} runs past ${this.end}`, this.pos);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A big-endian uint64 that must be a safe integer. */
  u64(): number {
    this.#need(8);
    const hi = this.buf.readUInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    if (hi >= 0x200000) throw new DecodeError(`uint64 ${hi.toString(16)}${lo.toString(16).padStart(8, '0')} exceeds 2^53`, this.pos);
    this.pos += 8;
    return hi * TWO_POW_32 + lo;
  }

  /** A uvarint that must be a safe integer. */
  uvarint(): number {
    const b = this.buf;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new DecodeError(`uvarint runs past ${this.end}`, this.pos);
      const c = b[this.pos++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        if (x > Number.MAX_SAFE_INTEGER) break;
        return x;
      }
      mul *= 0x80;
    }
    throw new DecodeError('uvarint exceeds 2^53', this.pos);
  }

  varint(): number {
    return unzigzag(this.uvarint());
  }

  /** A uvarint length and that many UTF-8 bytes. */
  uvarintStr(): string {
    const n = this.uvarint();
    this.#need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Buffer {
    this.#need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.#need(n);
    this.pos += n;
  }
}

/** `x` rounded up to a multiple of `align` (a power of two). */
export function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}
