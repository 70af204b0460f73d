/**
 * @module Bit streams over a growable Uint8Array: BitWriter appends MSB-first, BitReader decodes.
 *
 * The bit order is that of Prometheus tsdb/chunkenc/bstream.go (itself from Damian Gryski's
 * go-tsz): the first bit written is the most significant bit of the first byte. Values travel as
 * plain numbers of at most 32 bits per call; 64-bit fields are written as two 32-bit halves, so the
 * hot path allocates nothing and needs no BigInt.
 */

/** Thrown when a chunk's bytes end early or hold an impossible field. */
export class CorruptChunkError extends Error {
  readonly code = 'corrupt_chunk';
}

const TWO_POW_32 = 4294967296;
/** Bytes a fresh writer reserves; Prometheus starts XOR chunks at 128 too (xor.go NewXORChunk). */
const DEFAULT_CAPACITY_BYTES = 128;

/**
 * An append-only bit stream. Bytes past the written bits are always zero, so writing ORs bits in.
 * bytes() is a view that is invalid after the next write (the buffer may be reallocated); the
 * previous buffer is never modified after a reallocation, which keeps old views readable.
 */
export class BitWriter {
  #buf: Uint8Array;
  #bits = 0;

  constructor(capacityBytes: number = DEFAULT_CAPACITY_BYTES) {
    this.#buf = new Uint8Array(Math.max(8, capacityBytes));
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.#bits;
  }

  /** Bytes written so far, counting a partly written last byte. */
  get byteLength(): number {
    return (this.#bits + 7) >>> 3;
  }

  /** The live buffer (may be longer than byteLength); for in-place header updates. */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** A view of the written bytes; invalid after the next write. */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.byteLength);
  }

  /** Forgets everything and starts over on a fresh, zeroed buffer (old views stay intact). */
  reset(capacityBytes: number = DEFAULT_CAPACITY_BYTES): void {
    this.#buf = new Uint8Array(Math.max(8, capacityBytes));
    this.#bits = 0;
  }

  /**
   * Forgets everything but keeps the buffer, zeroing the bytes written so far: for a writer reused
   * across many short encodings. Views taken before are overwritten; copy them first.
   */
  clear(): void {
    this.#buf.fill(0, 0, this.byteLength);
    this.#bits = 0;
  }

  /** Appends one bit (0 or 1). */
  writeBit(bit: number): void {
    const p = this.#bits;
    if (p + 1 > this.#buf.length << 3) this.#grow(1);
    if (bit !== 0) this.#buf[p >>> 3] |= 0x80 >>> (p & 7);
    this.#bits = p + 1;
  }

  /** Appends the low `n` bits of `value` (0 <= n <= 32), most significant first. */
  writeBits(value: number, n: number): void {
    let p = this.#bits;
    if (p + n > this.#buf.length << 3) this.#grow(n);
    const buf = this.#buf;
    this.#bits = p + n;
    while (n > 0) {
      const free = 8 - (p & 7);
      const take = n < free ? n : free;
      n -= take;
      buf[p >>> 3] |= ((value >>> n) & ((1 << take) - 1)) << (free - take);
      p += take;
    }
  }

  /** Appends the low `n` bits (0..64) of the 64-bit value hi:lo (both uint32). */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, n);
    }
  }

  /** The bytes written to `other` (at a byte boundary here), as writeBytes(other.bytes()) without the view. */
  writeBytesOf(other: BitWriter): void {
    const len = other.byteLength;
    if ((this.#bits & 7) !== 0) {
      this.writeBytes(other.bytes());
      return;
    }
    if (this.#bits + len * 8 > this.#buf.length << 3) this.#grow(len * 8);
    copyBytes(this.#buf, this.#bits >>> 3, other.#buf, 0, len);
    this.#bits += len * 8;
  }

  /** Appends whole bytes; a fast copy when the stream is at a byte boundary. */
  writeBytes(bytes: Uint8Array): void {
    if ((this.#bits & 7) !== 0) {
      for (let i = 0; i < bytes.length; i++) this.writeBits(bytes[i], 8);
      return;
    }
    const n = bytes.length * 8;
    if (this.#bits + n > this.#buf.length << 3) this.#grow(n);
    this.#buf.set(bytes, this.#bits >>> 3);
    this.#bits += n;
  }

  /** Appends a non-negative safe integer as 7-bit groups, low group first (Go binary.PutUvarint). */
  writeUvarint(x: number): void {
    while (x >= 0x80) {
      this.writeBits((x % 0x80) | 0x80, 8);
      x = Math.floor(x / 0x80);
    }
    this.writeBits(x, 8);
  }

  /** Appends a safe integer zigzag-encoded as a uvarint (Go binary.PutVarint). */
  writeVarint(x: number): void {
    this.writeUvarint(zigzag(x));
  }

  #grow(extraBits: number): void {
    const needBytes = (this.#bits + extraBits + 7) >>> 3;
    let cap = this.#buf.length * 2;
    while (cap < needBytes) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.byteLength));
    this.#buf = next;
  }
}

/**
 * A cursor over the bits of bytes[startByte, endByte). Reads past the end throw CorruptChunkError.
 * Reusable through reset(); holds no per-read state beyond the bit position.
 */
export class BitReader {
  #buf: Uint8Array;
  #pos: number;
  #endByte: number;
  #endBit: number;

  constructor(buf: Uint8Array = new Uint8Array(0), startByte = 0, endByte: number = buf.length) {
    this.#buf = buf;
    this.#pos = startByte << 3;
    this.#endByte = endByte;
    this.#endBit = endByte << 3;
  }

  /** Points the reader at bytes[startByte, endByte). */
  reset(buf: Uint8Array, startByte = 0, endByte: number = buf.length): void {
    this.#buf = buf;
    this.#pos = startByte << 3;
    this.#endByte = endByte;
    this.#endBit = endByte << 3;
  }

  /** Absolute bit position in the buffer. */
  get bitPosition(): number {
    return this.#pos;
  }

  /** Bits left before the end. */
  get bitsLeft(): number {
    return this.#endBit - this.#pos;
  }

  /** Reads one bit. */
  readBit(): number {
    const p = this.#pos;
    if (p >= this.#endBit) throw this.#eof(1);
    this.#pos = p + 1;
    return (this.#buf[p >>> 3] >>> (7 - (p & 7))) & 1;
  }

  /**
   * The next 32 bits as an int32 (first bit in the sign position), zero-padded past the end,
   * without advancing. Use `>>> (32 - n)` to take n bits, then skip(n).
   */
  peek32(): number {
    const p = this.#pos;
    const i = p >>> 3;
    const off = p & 7;
    const b = this.#buf;
    if (i + 4 < this.#endByte) {
      return (((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) << off) | (b[i + 4] >>> (8 - off));
    }
    const end = this.#endByte;
    const b0 = i < end ? b[i] : 0;
    const b1 = i + 1 < end ? b[i + 1] : 0;
    const b2 = i + 2 < end ? b[i + 2] : 0;
    const b3 = i + 3 < end ? b[i + 3] : 0;
    const b4 = i + 4 < end ? b[i + 4] : 0;
    return (((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) << off) | (b4 >>> (8 - off));
  }

  /** Advances by n bits that were peeked. */
  skip(n: number): void {
    const p = this.#pos + n;
    if (p > this.#endBit) throw this.#eof(n);
    this.#pos = p;
  }

  /** Reads n bits (0 <= n <= 32) as an unsigned number. */
  readBits(n: number): number {
    if (n === 0) return 0;
    const w = this.peek32();
    this.skip(n);
    return w >>> (32 - n);
  }

  /** Reads a uvarint (Go binary.ReadUvarint) of at most 8 groups, i.e. below 2^56. */
  readUvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.readBits(8);
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 0x80;
    }
    throw new CorruptChunkError(`uvarint too long at bit ${this.#pos}`);
  }

  /** Reads a zigzag varint (Go binary.ReadVarint). */
  readVarint(): number {
    return unzigzag(this.readUvarint());
  }

  #eof(n: number): CorruptChunkError {
    return new CorruptChunkError(`read of ${n} bits at bit ${this.#pos} runs past the end (${this.#endBit} bits)`);
  }
}

/**
 * The 32 bits of b[0, len) starting at bit `pos` (MSB first) as an int32, zero-padded past len:
 * BitReader.peek32 for decoders that keep the bit position in a local variable (bulk loops).
 */
export function peekBits32(b: Uint8Array, len: number, pos: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  if (i + 4 < len) return (((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) << off) | (b[i + 4] >>> (8 - off));
  return peekTail(b, len, i, off);
}

function peekTail(b: Uint8Array, len: number, i: number, off: number): number {
  const b0 = i < len ? b[i] : 0;
  const b1 = i + 1 < len ? b[i + 1] : 0;
  const b2 = i + 2 < len ? b[i + 2] : 0;
  const b3 = i + 3 < len ? b[i + 3] : 0;
  const b4 = i + 4 < len ? b[i + 4] : 0;
  return (((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) << off) | (b4 >>> (8 - off));
}

/** The error of a bulk decoder whose reads ran past the end of its bytes (built out of line). */
export function eofError(pos: number, endBit: number): CorruptChunkError {
  return new CorruptChunkError(`read at bit ${pos} runs past the end (${endBit} bits)`);
}

/** Maps a safe integer to a non-negative one: 0, -1, 1, -2 → 0, 1, 2, 3 (Go's varint zigzag). */
export function zigzag(x: number): number {
  return x >= 0 ? 2 * x : -2 * x - 1;
}

/** Inverse of zigzag. */
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bits needed to write a non-negative safe integer (0 for 0). */
export function bitLength(x: number): number {
  return x < TWO_POW_32 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / TWO_POW_32));
}

/** High 32 bits (uint32) of the two's complement of a safe integer. */
export function hi32(x: number): number {
  return Math.floor(x / TWO_POW_32) >>> 0;
}

/** Low 32 bits (uint32) of the two's complement of a safe integer. */
export function lo32(x: number): number {
  return x >>> 0;
}

/** The signed value of a 64-bit two's complement hi:lo; exact while it is a safe integer. */
export function fromHiLo(hi: number, lo: number): number {
  return (hi | 0) * TWO_POW_32 + (lo >>> 0);
}

/**
 * Copies src[start, start + len) to dst at `at`. Short runs (the usual value stream or chunk
 * item, a few dozen bytes) are copied in a loop: creating the subarray for set() costs more.
 */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, start: number, len: number): void {
  if (len <= 64) for (let k = 0; k < len; k++) dst[at + k] = src[start + k];
  else dst.set(src.subarray(start, start + len), at);
}
