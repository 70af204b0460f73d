/**
 * @module Prometheus' XOR chunk (Gorilla compression), bit-for-bit; see docs/format/chunks.md.
 *
 * Ported from Prometheus tsdb/chunkenc/xor.go (Copyright 2017 The Prometheus Authors, Apache-2.0),
 * whose code was largely written by Damian Gryski in github.com/dgryski/go-tsz (Copyright (c)
 * 2015,2016 Damian Gryski, BSD-2-Clause). Provenance-includes-license: Apache-2.0, BSD-2-Clause.
 * Changes: 64-bit words travel as two uint32 halves; appending to a loaded chunk replays it.
 */
import type { SampleIterator } from '../../storage/interface.ts';
import { ValueType } from '../../model/value.ts';
import { BitReader, BitWriter, CorruptChunkError, eofError, fromHiLo, hi32, lo32, peekBits32 } from './bstream.ts';
import { ChunkEncoding, MAX_ABS_TIMESTAMP_MS, MAX_SAMPLES_PER_CHUNK, type Chunk, type ChunkAppender } from './chunk.ts';
import { floatFromBits, floatHi, floatLo } from './float-bits.ts';

/** Bytes of the sample-count header that starts every XOR chunk. */
const XOR_HEADER_BYTES = 2;

/** Trailing zero bits of a non-zero uint32. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * State of a Gorilla XOR value stream: the previous value's bits and the current window of
 * meaningful bits. `leading === 0xff` means "no window yet" (the appender's initial state).
 */
export class XorValueState {
  hi = 0;
  lo = 0;
  leading = 0;
  trailing = 0;

  /** Resets to the state of an appender (window unset) or an iterator (window 0/0). */
  reset(forAppender: boolean): void {
    this.hi = 0;
    this.lo = 0;
    this.leading = forAppender ? 0xff : 0;
    this.trailing = 0;
  }
}

/** Writes the low n bits of (xh:xl >>> t). */
function writeShifted(w: BitWriter, xh: number, xl: number, t: number, n: number): void {
  if (t >= 32) {
    w.writeBits(xh >>> (t - 32), n);
  } else if (t > 0) {
    w.writeBits64(xh >>> t, ((xl >>> t) | (xh << (32 - t))) >>> 0, n);
  } else {
    w.writeBits64(xh, xl, n);
  }
}

/**
 * Appends the value with bits hi:lo after the one in `s` (xor.go writeVDelta): '0' if equal; else
 * '10' + the XOR's meaningful bits in the current window; else '11', 5 bits of leading zeros
 * (clamped to 31), 6 bits of significant-bit count (64 written as 0), and those bits.
 */
export function writeXorValue(w: BitWriter, s: XorValueState, hi: number, lo: number): void {
  const xh = (hi ^ s.hi) >>> 0;
  const xl = (lo ^ s.lo) >>> 0;
  s.hi = hi;
  s.lo = lo;
  if (xh === 0 && xl === 0) {
    w.writeBit(0);
    return;
  }
  let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
  if (leading >= 32) leading = 31;
  if (s.leading !== 0xff && leading >= s.leading && trailing >= s.trailing) {
    w.writeBits(0b10, 2);
    writeShifted(w, xh, xl, s.trailing, 64 - s.leading - s.trailing);
    return;
  }
  s.leading = leading;
  s.trailing = trailing;
  const sigbits = 64 - leading - trailing;
  // '11' + 5 bits leading + 6 bits sigbits in one call; sigbits 64 does not fit and is written as 0.
  w.writeBits((0b11 << 11) | (leading << 6) | (sigbits & 0x3f), 13);
  writeShifted(w, xh, xl, trailing, sigbits);
}

/** Reads the next value of an XOR value stream into `s` (xor.go readValue). */
export function readXorValue(r: BitReader, s: XorValueState): void {
  const w = r.peek32();
  if (w >= 0) {
    r.skip(1); // '0': same value
    return;
  }
  if ((w & 0x40000000) === 0) {
    r.skip(2); // '10': reuse the window
  } else {
    r.skip(13);
    const leading = (w >>> 25) & 0x1f;
    let sigbits = (w >>> 19) & 0x3f;
    if (sigbits === 0) sigbits = 64;
    const trailing = 64 - leading - sigbits;
    if (trailing < 0) throw new CorruptChunkError(`XOR window of ${leading} leading + ${sigbits} significant bits exceeds 64 at bit ${r.bitPosition}`);
    s.leading = leading;
    s.trailing = trailing;
  }
  const n = 64 - s.leading - s.trailing;
  let hi = 0;
  let lo: number;
  if (n > 32) {
    hi = r.readBits(n - 32);
    lo = r.readBits(32);
  } else {
    lo = r.readBits(n);
  }
  const t = s.trailing;
  if (t >= 32) {
    hi = lo << (t - 32);
    lo = 0;
  } else if (t > 0) {
    hi = (hi << t) | (lo >>> (32 - t));
    lo = lo << t;
  }
  s.hi = (s.hi ^ hi) >>> 0;
  s.lo = (s.lo ^ lo) >>> 0;
}

/** Throws unless t is an integer within ±MAX_ABS_TIMESTAMP_MS, not below prev, and the chunk has room. */
export function checkTimestamp(t: number, prev: number, num: number): void {
  if (!(t <= MAX_ABS_TIMESTAMP_MS && t >= -MAX_ABS_TIMESTAMP_MS && Math.floor(t) === t && (t >= prev || num === 0) && num < MAX_SAMPLES_PER_CHUNK)) {
    throw timestampError(t, prev, num);
  }
}

function timestampError(t: number, prev: number, num: number): RangeError {
  if (num >= MAX_SAMPLES_PER_CHUNK) return new RangeError(`chunk is full (${MAX_SAMPLES_PER_CHUNK} samples)`);
  if (t < prev) return new RangeError(`chunk timestamp ${t} is before the previous one (${prev})`);
  return new RangeError(`chunk timestamp ${t} is not an integer within ±2^51 ms`);
}

/** The XOR chunk's appender (xor.go xorAppender). */
class XorAppender implements ChunkAppender {
  readonly w = new BitWriter();
  #num = 0;
  #t = 0;
  #tDelta = 0;
  readonly #vs = new XorValueState();

  constructor() {
    this.w.writeBits(0, XOR_HEADER_BYTES * 8);
    this.#vs.reset(true);
  }

  get num(): number {
    return this.#num;
  }

  append(t: number, v: number): void {
    const num = this.#num;
    checkTimestamp(t, this.#t, num);
    const w = this.w;
    const hi = floatHi(v);
    const lo = floatLo(v);
    if (num === 0) {
      w.writeVarint(t);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.#vs.hi = hi;
      this.#vs.lo = lo;
    } else if (num === 1) {
      const d = t - this.#t;
      w.writeUvarint(d);
      this.#tDelta = d;
      writeXorValue(w, this.#vs, hi, lo);
    } else {
      const d = t - this.#t;
      const dod = d - this.#tDelta;
      // Buckets of xor.go Append; bitRange(x, n) is -(2^(n-1) - 1) <= x <= 2^(n-1).
      if (dod === 0) {
        w.writeBit(0);
      } else if (dod >= -8191 && dod <= 8192) {
        w.writeBits((0b10 << 14) | (dod & 0x3fff), 16);
      } else if (dod >= -65535 && dod <= 65536) {
        w.writeBits((0b110 << 17) | (dod & 0x1ffff), 20);
      } else if (dod >= -524287 && dod <= 524288) {
        w.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
      } else {
        w.writeBits(0b1111, 4);
        w.writeBits(hi32(dod), 32);
        w.writeBits(lo32(dod), 32);
      }
      this.#tDelta = d;
      writeXorValue(w, this.#vs, hi, lo);
    }
    this.#t = t;
    this.#num = num + 1;
    const buf = w.buffer;
    buf[0] = (num + 1) >>> 8;
    buf[1] = (num + 1) & 0xff;
  }
}

/** The XOR chunk's iterator (xor.go xorIterator); decodes one sample per next(). */
export class XorIterator implements SampleIterator {
  readonly #r = new BitReader();
  #total = 0;
  #read = 0;
  #done = false;
  #t = 0;
  #tDelta = 0;
  readonly #vs = new XorValueState();

  constructor(bytes: Uint8Array) {
    this.reset(bytes);
  }

  /** Restarts on another XOR chunk's bytes. */
  reset(bytes: Uint8Array): void {
    if (bytes.length < XOR_HEADER_BYTES) throw new CorruptChunkError(`XOR chunk of ${bytes.length} bytes has no header`);
    this.#total = (bytes[0] << 8) | bytes[1];
    this.#r.reset(bytes, XOR_HEADER_BYTES, bytes.length);
    this.#read = 0;
    this.#done = false;
    this.#t = 0;
    this.#tDelta = 0;
    this.#vs.reset(false);
  }

  next(): ValueType {
    const read = this.#read;
    if (read >= this.#total) {
      this.#done = true;
      return ValueType.None;
    }
    const r = this.#r;
    if (read === 0) {
      this.#t = r.readVarint();
      this.#vs.hi = r.readBits(32);
      this.#vs.lo = r.readBits(32);
      this.#read = 1;
      return ValueType.Float;
    }
    if (read === 1) {
      this.#tDelta = r.readUvarint();
    } else {
      const w = r.peek32();
      let dod: number;
      if (w >= 0) {
        r.skip(1);
        dod = 0;
      } else if ((w & 0x40000000) === 0) {
        r.skip(16);
        dod = (w >>> 16) & 0x3fff;
        if (dod > 8192) dod -= 16384; // xor.go: bits > 1<<(sz-1) are negative; 8192 itself is not
      } else if ((w & 0x20000000) === 0) {
        r.skip(20);
        dod = (w >>> 12) & 0x1ffff;
        if (dod > 65536) dod -= 131072;
      } else if ((w & 0x10000000) === 0) {
        r.skip(24);
        dod = (w >>> 8) & 0xfffff;
        if (dod > 524288) dod -= 1048576;
      } else {
        r.skip(4);
        const hi = r.readBits(32);
        dod = fromHiLo(hi, r.readBits(32));
      }
      this.#tDelta += dod;
    }
    this.#t += this.#tDelta;
    readXorValue(r, this.#vs);
    this.#read = read + 1;
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    while (this.#read === 0 || t > this.#t) {
      if (this.next() === ValueType.None) return ValueType.None;
    }
    return ValueType.Float;
  }

  atT(): number {
    return this.#t;
  }

  atV(): number {
    return floatFromBits(this.#vs.hi, this.#vs.lo);
  }
}

const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * Decodes the samples of an XOR chunk with mint <= t <= maxt into tOut[at…] and vOut[at…] (values
 * bit for bit, through an Int32Array view), stopping after maxt; returns how many were stored.
 * The arrays must have room for the chunk's sample count (its first two bytes) from `at`. The
 * bulk path of XorIterator: one loop with the bit position and the state in local variables, the
 * 64-bit values as int32 halves. Throws CorruptChunkError.
 */
export function decodeXorSamples(bytes: Uint8Array, mint: number, maxt: number, tOut: Float64Array, vOut: Float64Array, at: number): number {
  const len = bytes.length;
  if (len < XOR_HEADER_BYTES) throw new CorruptChunkError(`XOR chunk of ${len} bytes has no header`);
  const total = (bytes[0] << 8) | bytes[1];
  if (total === 0) return 0;
  if (at + total > tOut.length || at + total > vOut.length) throw new RangeError(`decodeXorSamples: ${total} samples do not fit at ${at}`);
  const endBit = len * 8;
  const words = new Int32Array(vOut.buffer, vOut.byteOffset, vOut.length * 2);
  // t0 varint and the first value's 64 bits are byte-aligned, and so is Δt1 after them.
  let p = XOR_HEADER_BYTES;
  let x = 0;
  let mul = 1;
  for (let g = 0; ; g++) {
    if (p >= len || g >= 8) throw new CorruptChunkError('XOR chunk: bad varint');
    const c = bytes[p++];
    x += (c & 0x7f) * mul;
    if (c < 0x80) break;
    mul *= 0x80;
  }
  let t = x % 2 === 0 ? x / 2 : -(x + 1) / 2;
  let pos = p * 8;
  let hi = peekBits32(bytes, len, pos);
  let lo = peekBits32(bytes, len, pos + 32);
  pos += 64;
  if (pos > endBit) throw eofError(pos, endBit);
  let k = at;
  if (t > maxt) return 0;
  if (t >= mint) {
    tOut[k] = t;
    words[2 * k + HI] = hi;
    words[2 * k + LO] = lo;
    k++;
  }
  let tDelta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < total; i++) {
    if (i === 1) {
      p = pos >>> 3;
      x = 0;
      mul = 1;
      for (let g = 0; ; g++) {
        if (p >= len || g >= 8) throw new CorruptChunkError('XOR chunk: bad varint');
        const c = bytes[p++];
        x += (c & 0x7f) * mul;
        if (c < 0x80) break;
        mul *= 0x80;
      }
      pos = p * 8;
      tDelta = x;
    } else {
      const w = peekBits32(bytes, len, pos);
      let dod = 0;
      if (w >= 0) {
        pos += 1;
      } else if ((w & 0x40000000) === 0) {
        pos += 16;
        dod = (w >>> 16) & 0x3fff;
        if (dod > 8192) dod -= 16384; // xor.go: bits > 1<<(sz-1) are negative; 8192 itself is not
      } else if ((w & 0x20000000) === 0) {
        pos += 20;
        dod = (w >>> 12) & 0x1ffff;
        if (dod > 65536) dod -= 131072;
      } else if ((w & 0x10000000) === 0) {
        pos += 24;
        dod = (w >>> 8) & 0xfffff;
        if (dod > 524288) dod -= 1048576;
      } else {
        pos += 4;
        dod = fromHiLo(peekBits32(bytes, len, pos), peekBits32(bytes, len, pos + 32));
        pos += 64;
      }
      tDelta += dod;
    }
    t += tDelta;
    // The value: readXorValue, inlined.
    const w = peekBits32(bytes, len, pos);
    if (w >= 0) {
      pos += 1;
    } else {
      if ((w & 0x40000000) === 0) {
        pos += 2;
      } else {
        leading = (w >>> 25) & 0x1f;
        let sig = (w >>> 19) & 0x3f;
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
        if (trailing < 0) throw new CorruptChunkError(`XOR window of ${leading} leading + ${sig} significant bits exceeds 64 at bit ${pos}`);
        pos += 13;
      }
      const m = 64 - leading - trailing;
      let xh = 0;
      let xl = 0;
      if (m > 32) {
        const p0 = peekBits32(bytes, len, pos);
        xh = m === 64 ? p0 : (p0 >>> (64 - m)) | 0;
        xl = peekBits32(bytes, len, pos + m - 32);
      } else {
        const p0 = peekBits32(bytes, len, pos);
        xl = m === 32 ? p0 : (p0 >>> (32 - m)) | 0;
      }
      pos += m;
      if (trailing >= 32) {
        xh = xl << (trailing - 32);
        xl = 0;
      } else if (trailing > 0) {
        xh = (xh << trailing) | (xl >>> (32 - trailing));
        xl = xl << trailing;
      }
      hi ^= xh;
      lo ^= xl;
    }
    if (pos > endBit) throw eofError(pos, endBit);
    if (t > maxt) break;
    if (t >= mint) {
      tOut[k] = t;
      words[2 * k + HI] = hi;
      words[2 * k + LO] = lo;
      k++;
    }
  }
  return k - at;
}

/** A chunk in Prometheus' XOR encoding (ChunkEncoding.XOR). */
export class XorChunk implements Chunk {
  readonly encoding = ChunkEncoding.XOR;
  /** Bytes given to fromBytes, until an appender takes over. */
  #data: Uint8Array;
  #app: XorAppender | null = null;

  /** An empty chunk; call appender() to fill it. (`bytes` is fromBytes' way in.) */
  constructor(bytes?: Uint8Array) {
    if (bytes !== undefined) {
      // Wrapping stored bytes, as every query does per chunk: no appender (and its buffer) until one is asked for.
      this.#data = bytes;
      return;
    }
    this.#app = new XorAppender();
    this.#data = this.#app.w.bytes();
  }

  /** Wraps encoded bytes without copying; they must not change while the chunk is used. */
  static fromBytes(bytes: Uint8Array): XorChunk {
    if (bytes.length < XOR_HEADER_BYTES) throw new CorruptChunkError(`XOR chunk of ${bytes.length} bytes has no header`);
    return new XorChunk(bytes);
  }

  bytes(): Uint8Array {
    return this.#app !== null ? this.#app.w.bytes() : this.#data;
  }

  numSamples(): number {
    const b = this.bytes();
    return (b[0] << 8) | b[1];
  }

  appender(): ChunkAppender {
    if (this.#app !== null && this.#app.num === 0) return this.#app;
    const app = new XorAppender();
    if (this.numSamples() > 0) {
      // Replaying gives exactly the state xor.go derives by iterating, on a buffer we own.
      const it = new XorIterator(this.bytes());
      while (it.next() !== ValueType.None) app.append(it.atT(), it.atV());
    }
    this.#app = app;
    return app;
  }

  iterator(reuse?: SampleIterator): SampleIterator {
    if (reuse instanceof XorIterator) {
      reuse.reset(this.bytes());
      return reuse;
    }
    return new XorIterator(this.bytes());
  }
}
