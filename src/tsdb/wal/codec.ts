/**
 * @module Byte codec primitives of WAL records: a growable little-endian writer and a
 * bounds-checked reader over Uint8Array, with LEB128 varints for safe integers (no BigInt).
 * Float64 columns are copied as bytes, never through JS numbers, so NaN payloads (the staleness
 * marker, model/value.ts) stay bit-exact.
 */

/** Whether this host stores typed-array elements little-endian (the on-disk byte order). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Largest value a zigzag varint carries: |x| < 2^52, so 2|x| stays a safe integer. */
export const MAX_ZIGZAG = 2 ** 52 - 1;

/** Most bytes a uvarint of a safe integer takes (7 bits each). */
export const MAX_UVARINT_BYTES = 8;

const TWO_POW_31 = 0x80000000;

/** Thrown when a record's bytes cannot be decoded although its CRC matched (written by a bug or another version). */
export class RecordDecodeError extends Error {
  /** `offset` is the byte position inside the record where decoding failed. */
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

/**
 * A growable write buffer with a cursor. Views returned by `view()` stay valid until `reset()`:
 * growing copies into a new buffer and leaves the old one (and views into it) untouched.
 */
export class ByteWriter {
  #buf: Buffer;
  /** Write position (bytes written since the last reset). */
  pos = 0;

  constructor(capacityBytes = 4096) {
    this.#buf = Buffer.allocUnsafe(capacityBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The buffer itself, for hot loops that write at `pos` after ensure() and then set `pos`. */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** A view of bytes [start, pos). */
  view(start = 0): Uint8Array {
    return this.#buf.subarray(start, this.pos);
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
  }

  u8(b: number): void {
    this.ensure(1);
    this.#buf[this.pos++] = b;
  }

  u32(v: number): void {
    this.ensure(4);
    this.#buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** A float64 from a JS number (only for values that are never NaN-with-payload, e.g. times). */
  f64(v: number): void {
    this.ensure(8);
    this.#buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A non-negative safe integer as 7-bit groups, low group first (Go binary.PutUvarint). */
  uvarint(x: number): void {
    this.ensure(MAX_UVARINT_BYTES);
    this.pos = putUvarint(this.#buf, this.pos, x);
  }

  /** A signed integer with |x| <= MAX_ZIGZAG, zigzag-encoded (Go binary.PutVarint). */
  varint(x: number): void {
    this.uvarint(x >= 0 ? 2 * x : -2 * x - 1);
  }

  /** A string as its UTF-8 byte length (uvarint) and bytes; ASCII is written inline. */
  str(s: string): void {
    const n = s.length;
    this.ensure(n + 5);
    const b = this.#buf;
    const start = this.pos;
    if (n < 0x80) {
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[start] = n;
        this.pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.uvarint(bytes);
    this.ensure(bytes);
    this.#buf.write(s, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.#buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** n float64 values of `src` as little-endian bytes, copied bit for bit. */
  f64Column(src: Float64Array, n: number): void {
    const len = n * 8;
    this.ensure(len);
    const bytes = new Uint8Array(src.buffer, src.byteOffset, len);
    if (HOST_LITTLE_ENDIAN) this.#buf.set(bytes, this.pos);
    else for (let i = 0; i < len; i++) this.#buf[this.pos + i] = bytes[(i & ~7) + 7 - (i & 7)];
    this.pos += len;
  }
}

/** Writes the uvarint of a non-negative safe integer at b[p] (room checked by the caller); returns the next position. */
export function putUvarint(b: Uint8Array, p: number, x: number): number {
  if (x < TWO_POW_31) {
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
  } else {
    while (x >= 0x80) {
      b[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
  }
  b[p++] = x;
  return p;
}

/** Zigzag: 0, -1, 1, -2 → 0, 1, 2, 3, for |x| <= MAX_ZIGZAG. */
export function zigzag(x: number): number {
  return x >= 0 ? 2 * x : -2 * x - 1;
}

/** Inverse of zigzag. */
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** A read cursor over bytes[pos, end). Every read is bounds-checked and throws RecordDecodeError. */
export class ByteReader {
  bytes: Uint8Array = new Uint8Array(0);
  #dv = new DataView(this.bytes.buffer);
  pos = 0;
  end = 0;

  /** Points the cursor at `bytes` (a record), at `pos`. */
  reset(bytes: Uint8Array, pos = 0): void {
    this.bytes = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    this.end = bytes.length;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new RecordDecodeError(`read of ${n} bytes runs past the end (${this.end})`, this.pos);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.#dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.#dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A uvarint that must be a safe integer. */
  uvarint(): number {
    const b = this.bytes;
    let p = this.pos;
    if (p < this.end) {
      const c = b[p];
      if (c < 0x80) {
        this.pos = p + 1;
        return c;
      }
    }
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= this.end) throw new RecordDecodeError('uvarint runs past the end', p);
      const c = b[p++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        if (x > Number.MAX_SAFE_INTEGER) break;
        this.pos = p;
        return x;
      }
      mul *= 0x80;
    }
    throw new RecordDecodeError('uvarint exceeds 2^53', this.pos);
  }

  /** A zigzag varint. */
  varint(): number {
    return unzigzag(this.uvarint());
  }

  /** A uvarint length and that many UTF-8 bytes. */
  str(): string {
    const n = this.uvarint();
    this.need(n);
    const b = this.bytes;
    const start = this.pos;
    this.pos += n;
    if (n <= 32) {
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = b[i];
        if (c >= 0x80) return Buffer.from(b.buffer, b.byteOffset + start, n).toString('utf8');
        s += String.fromCharCode(c);
      }
      return s;
    }
    return Buffer.from(b.buffer, b.byteOffset + start, n).toString('utf8');
  }

  /** n little-endian float64 values into dst[0, n), copied bit for bit. */
  f64Column(dst: Float64Array, n: number): void {
    const len = n * 8;
    this.need(len);
    const out = new Uint8Array(dst.buffer, dst.byteOffset, len);
    const src = this.bytes.subarray(this.pos, this.pos + len);
    if (HOST_LITTLE_ENDIAN) out.set(src);
    else for (let i = 0; i < len; i++) out[i] = src[(i & ~7) + 7 - (i & 7)];
    this.pos += len;
  }
}
