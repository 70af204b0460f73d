/**
 * @module Value streams: the values of a chunk without its timestamps, as blocks store them next
 * to a shared timestamp column (timestamps.ts). The encoder sees every value at once, so it picks
 * the smallest mode up front instead of re-encoding as the delta chunk's appender does. The first
 * byte is the mode; the layout is in docs/format/chunks.md:
 *
 * - 0x00 float: the first value's 64 bits, then XOR values (xor.ts).
 * - 0x1s decimal with scale s: every finite value is N / 10^s with |N| <= 2^50; varint N0, then
 *   Rice residuals of the delta chunk's predictor (delta.ts), NaN, ±Inf and -0 escaped as raw bits.
 * - 0x20 constant: every value has the same 64 bits, written once.
 * - 0x3s constant decimal: every value is N / 10^s, varint N written once.
 *
 * The stream holds no sample count: the column says how many values there are.
 */
import type { SampleIterator } from '../../storage/interface.ts';
import { ValueType } from '../../model/value.ts';
import { BitWriter, CorruptChunkError, eofError, peekBits32, unzigzag, zigzag } from './bstream.ts';
import { DeltaPredictor, MAX_DECIMAL_INT, POW10, isSpecial, scaleOf } from './delta.ts';
import { floatHi, floatLo } from './float-bits.ts';
import { RICE_ESCAPE_ONES, RICE_ESCAPE_RAW_FLOAT, RICE_MAX_Z, RiceState, writeRice, writeRiceEscape } from './rice.ts';
import { XorValueState, writeXorValue } from './xor.ts';

/** Mode byte: XOR-coded floats. */
export const VALUES_FLOAT = 0x00;
/** Mode byte (| scale): decimal integers N, v = N / 10^scale. */
export const VALUES_DECIMAL = 0x10;
/** Mode byte: one float64 for every value. */
export const VALUES_CONST = 0x20;
/** Mode byte (| scale): one decimal N / 10^scale for every value. */
export const VALUES_CONST_DECIMAL = 0x30;

/** Bits a decimal stream may spend before the float coding is tried too. */
const TRY_FLOAT_ABOVE_BITS_PER_VALUE = 12;

const decimals = new BitWriter(1024);
const floats = new BitWriter(1024);
const vr = new RiceState();
const xs = new XorValueState();
const pred = new DeltaPredictor();

/**
 * Appends the value stream of vs[0, n) (n >= 1) to `w`, which must be at a byte boundary; leaves
 * it at one. NaN payloads are kept bit for bit.
 */
export function writeValues(w: BitWriter, vs: Float64Array, n: number): void {
  if (!(n >= 1 && n <= vs.length)) throw new RangeError(`value stream of ${n} values`);
  if (w.bitLength % 8 !== 0) throw new RangeError('value stream must start at a byte boundary');
  const hi0 = floatHi(vs[0]);
  const lo0 = floatLo(vs[0]);
  // Bit-identical values (NaN payloads included): compare the words of the array in place.
  const words = wordsOf(vs);
  const w0 = words[0];
  const w1 = words[1];
  let constant = true;
  for (let i = 2; i < n * 2 && constant; i += 2) constant = words[i] === w0 && words[i + 1] === w1;
  if (constant) {
    const s0 = scaleOf(vs[0], 0);
    if (s0 >= 0) {
      w.writeBits(VALUES_CONST_DECIMAL | s0, 8);
      w.writeVarint(Math.round(vs[0] * POW10[s0]) + 0);
    } else {
      w.writeBits(VALUES_CONST, 8);
      w.writeBits(hi0, 32);
      w.writeBits(lo0, 32);
    }
    return;
  }
  const scale = decimalScale(vs, n);
  let out: BitWriter;
  if (scale < 0) {
    floats.clear();
    writeFloats(floats, vs, n);
    out = floats;
  } else {
    decimals.clear();
    writeDecimals(decimals, vs, n, scale);
    out = decimals;
    // Many fraction digits (gauges like 0.0123456) can cost more than XOR: keep the smaller.
    if (decimals.bitLength > n * TRY_FLOAT_ABOVE_BITS_PER_VALUE) {
      floats.clear();
      writeFloats(floats, vs, n);
      if (floats.bitLength < decimals.bitLength) out = floats;
    }
  }
  w.writeBytesOf(out);
}

let wordsFor: Float64Array | null = null;
let words32: Uint32Array = new Uint32Array(0);
/** vs' 64-bit words as 32-bit halves; the view is kept for the next call, which mostly passes the same reused array. */
function wordsOf(vs: Float64Array): Uint32Array {
  if (wordsFor !== vs || words32.buffer !== vs.buffer) {
    words32 = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
    wordsFor = vs;
  }
  return words32;
}

/** The decimal scale that fits every finite value of vs[0, n), or -1; vs[0] must not be special. */
function decimalScale(vs: Float64Array, n: number): number {
  if (isSpecial(vs[0])) return -1;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (i > 0 && isSpecial(v)) continue;
    const p = POW10[scale];
    const m = Math.round(v * p);
    if (m / p === v && Math.abs(m) <= MAX_DECIMAL_INT) continue;
    scale = scaleOf(v, scale + 1);
    if (scale < 0) return -1;
  }
  // A value exact at its own scale is exact at a larger one too; check anyway, as decoders rely on it.
  const p = POW10[scale];
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (i > 0 && isSpecial(v)) continue;
    const m = Math.round(v * p);
    if (!(m / p === v && Math.abs(m) <= MAX_DECIMAL_INT)) return -1;
  }
  return scale;
}

function writeFloats(w: BitWriter, vs: Float64Array, n: number): void {
  w.writeBits(VALUES_FLOAT, 8);
  xs.reset(true);
  xs.hi = floatHi(vs[0]);
  xs.lo = floatLo(vs[0]);
  w.writeBits(xs.hi, 32);
  w.writeBits(xs.lo, 32);
  for (let i = 1; i < n; i++) writeXorValue(w, xs, floatHi(vs[i]), floatLo(vs[i]));
}

function writeDecimals(w: BitWriter, vs: Float64Array, n: number, scale: number): void {
  const p = POW10[scale];
  w.writeBits(VALUES_DECIMAL | scale, 8);
  const n0 = Math.round(vs[0] * p) + 0; // + 0 turns a -0 from Math.round into 0
  w.writeVarint(n0);
  pred.reset(n0);
  vr.reset();
  for (let i = 1; i < n; i++) {
    const v = vs[i];
    if (isSpecial(v)) {
      writeRiceEscape(w, RICE_ESCAPE_RAW_FLOAT);
      w.writeBits(floatHi(v), 32);
      w.writeBits(floatLo(v), 32);
      continue;
    }
    const d = Math.round(v * p) - pred.last;
    writeRice(w, vr, zigzag(d - pred.predict()));
    pred.update(d);
  }
}

/**
 * Checks a value stream's mode byte; throws CorruptChunkError for an unknown one. The rest is
 * checked as it is decoded.
 */
export function checkValuesHeader(bytes: Uint8Array): void {
  if (bytes.length < 1) throw new CorruptChunkError('empty value stream');
  const mode = bytes[0];
  const kind = mode & 0xf0;
  const scale = mode & 0x0f;
  if (kind === VALUES_DECIMAL || kind === VALUES_CONST_DECIMAL) {
    if (scale >= POW10.length) throw new CorruptChunkError(`value stream with scale ${scale}`);
  } else if (!((kind === VALUES_FLOAT || kind === VALUES_CONST) && scale === 0)) {
    throw new CorruptChunkError(`value stream with unknown mode 0x${mode.toString(16)}`);
  }
}

/** Index of the high word of a float64 in a Uint32Array view: 1 on little-endian hosts. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;
const TWO_POW_30 = 1073741824;
/** Residuals, deltas and Rice sums below this keep the decimal loop in int32 arithmetic. */
const FAST_LIMIT = 536870912;
const TWO_POW_32 = 4294967296;

/**
 * Decodes values [0, to) of a stream of `n` values and stores values [from, to) at
 * out[at, at + to - from), bit for bit (through `out`'s words for raw floats). The bulk path of
 * ValuesIterator, for reading whole ranges into columns: one loop per mode with the bit position,
 * the Rice state and the predictor in local variables (the same arithmetic as RiceState,
 * DeltaPredictor and readXorValue, which the streams were written with). Throws CorruptChunkError.
 */
export function decodeValues(bytes: Uint8Array, n: number, from: number, to: number, out: Float64Array, at: number): void {
  checkValuesHeader(bytes);
  if (!(0 <= from && from <= to && to <= n && at + to - from <= out.length)) throw new RangeError(`decodeValues [${from}, ${to}) of ${n} into ${out.length - at}`);
  if (to === 0) return;
  const mode = bytes[0];
  const kind = mode & 0xf0;
  if (kind === VALUES_CONST_DECIMAL) {
    let p = 1;
    let x = 0;
    let mul = 1;
    for (;;) {
      if (p >= bytes.length || p > 8) throw new CorruptChunkError('constant value stream: bad varint');
      const b = bytes[p++];
      x += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    out.fill(unzigzag(x) / POW10[mode & 0x0f], at, at + to - from);
    return;
  }
  if (kind === VALUES_CONST) {
    if (bytes.length < 9) throw new CorruptChunkError(`constant value stream of ${bytes.length} bytes`);
    const hi = (bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4];
    const lo = (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
    const words = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
    for (let i = 2 * at, e = 2 * (at + to - from); i < e; i += 2) {
      words[i + HI] = hi;
      words[i + LO] = lo;
    }
    return;
  }
  if (kind === VALUES_FLOAT) decodeFloats(bytes, from, to, out, at - from);
  else decodeDecimals(bytes, from, to, out, at - from, POW10[mode & 0x0f]);
}

/**
 * Float mode: the first value's 64 bits, then XOR values (readXorValue inlined, with the bits as
 * int32 halves so V8 keeps them in registers; stored through an Int32Array view, bit for bit).
 */
function decodeFloats(b: Uint8Array, from: number, to: number, out: Float64Array, base: number): void {
  const len = b.length;
  const endBit = len * 8;
  const words = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
  let pos = 8;
  let hi = peekBits32(b, len, pos);
  let lo = peekBits32(b, len, pos + 32);
  pos += 64;
  if (pos > endBit) throw eofError(pos, endBit);
  if (from === 0) {
    words[2 * base + HI] = hi;
    words[2 * base + LO] = lo;
  }
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < to; i++) {
    const w = peekBits32(b, len, pos);
    if (w >= 0) {
      pos += 1; // '0': the same value
    } else {
      if ((w & 0x40000000) === 0) {
        pos += 2; // '10': the current window
      } else {
        leading = (w >>> 25) & 0x1f;
        let sig = (w >>> 19) & 0x3f;
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
        if (trailing < 0) throw xorWindowError(leading, sig, pos);
        pos += 13;
      }
      const m = 64 - leading - trailing;
      let xh = 0;
      let xl = 0;
      if (m > 32) {
        const p0 = peekBits32(b, len, pos);
        xh = m === 64 ? p0 : (p0 >>> (64 - m)) | 0;
        xl = peekBits32(b, len, pos + m - 32);
      } else {
        const p0 = peekBits32(b, len, pos);
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
    if (i >= from) {
      const j = 2 * (base + i);
      words[j + HI] = hi;
      words[j + LO] = lo;
    }
  }
}

/** A CorruptChunkError for an XOR window wider than 64 bits (built out of line). */
export function xorWindowError(leading: number, sig: number, pos: number): CorruptChunkError {
  return new CorruptChunkError(`XOR window of ${leading} leading + ${sig} significant bits exceeds 64 at bit ${pos}`);
}

/**
 * Decimal mode: varint N0, then per value rice(zigzag(d − p)) or a raw-float escape, with the
 * state of RiceState (the least k with n·2^k ≥ a) and DeltaPredictor (costs as bit lengths of
 * zigzagged residuals). A first loop does it in 32-bit integer operations while residuals, deltas
 * and the Rice sum stay below 2^29 (V8 then keeps every variable in a register as an int32; one
 * double among them makes the loop three times slower); a value beyond hands the rest to a loop
 * with safe-integer arithmetic.
 */
function decodeDecimals(b: Uint8Array, from: number, to: number, out: Float64Array, base: number, pow: number): void {
  const len = b.length;
  const endBit = len * 8;
  let p = 1;
  let x = 0;
  let mul = 1;
  for (;;) {
    if (p >= len || p > 8) throw new CorruptChunkError('value stream: bad varint');
    const c = b[p++];
    x += (c & 0x7f) * mul;
    if (c < 0x80) break;
    mul *= 0x80;
  }
  let last = unzigzag(x);
  if (from === 0) out[base] = last / pow;
  let pos = p * 8;
  // Rice state (rice.ts RiceState) and predictor (delta.ts DeltaPredictor).
  let a = 0;
  let cnt = 1;
  let k = 0;
  let d1 = 0;
  let costDelta = 0;
  let costDod = 0;
  let words: Int32Array | null = null;
  let i = 1;
  for (; i < to; i++) {
    const w = peekBits32(b, len, pos);
    const q = Math.clz32(~w);
    let z = 0;
    let next = pos;
    if (q < RICE_ESCAPE_ONES) {
      const used = q + 1 + k;
      if (used > 32) break;
      if (k !== 0) z = (q << k) | ((w << (q + 1)) >>> (32 - k));
      else z = q;
      next = pos + used;
    } else {
      const l = (w >>> (32 - RICE_ESCAPE_ONES - 6)) & 0x3f;
      if (l === RICE_ESCAPE_RAW_FLOAT) {
        const rh = peekBits32(b, len, pos + RICE_ESCAPE_ONES + 6);
        const rl = peekBits32(b, len, pos + RICE_ESCAPE_ONES + 6 + 32);
        pos += RICE_ESCAPE_ONES + 6 + 64;
        if (pos > endBit) throw eofError(pos, endBit);
        if (i >= from) {
          if (words === null) words = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
          const j = 2 * (base + i);
          words[j + HI] = rh;
          words[j + LO] = rl;
        }
        continue;
      }
      if (l > 29) break;
      next = pos + RICE_ESCAPE_ONES + 6;
      if (l !== 0) z = (peekBits32(b, len, next) >>> (32 - l)) | 0;
      next += l;
    }
    if (z >= FAST_LIMIT || a + z >= FAST_LIMIT) break;
    const u = (z >>> 1) ^ -(z & 1);
    const d = u + (costDod < costDelta ? d1 : 0);
    if (d >= FAST_LIMIT || d <= -FAST_LIMIT) break;
    pos = next;
    if (pos > endBit) throw eofError(pos, endBit);
    // RiceState.update(z)
    a += z;
    cnt++;
    if (cnt >= 16) {
      a >>= 1;
      cnt >>= 1;
    }
    if (a <= cnt) {
      k = 0;
    } else {
      k = Math.clz32(cnt) - Math.clz32(a);
      if (cnt << k < a) k++;
    }
    // DeltaPredictor.update(d): |d|, |d1| < 2^29, so d − d1 zigzags within 31 bits
    costDelta += 32 - Math.clz32((d << 1) ^ (d >> 31)) - (costDelta >> 2);
    const dd = d - d1;
    costDod += 32 - Math.clz32((dd << 1) ^ (dd >> 31)) - (costDod >> 2);
    d1 = d;
    last += d;
    if (i >= from) out[base + i] = last / pow;
  }
  // The same with safe-integer arithmetic, from the first value the loop above could not take.
  for (; i < to; i++) {
    const w = peekBits32(b, len, pos);
    const q = Math.clz32(~w);
    let z: number;
    if (q < RICE_ESCAPE_ONES) {
      pos += q + 1;
      z = q * 2 ** k + readBitsAt(b, len, pos, k);
      pos += k;
    } else {
      const l = (w >>> (32 - RICE_ESCAPE_ONES - 6)) & 0x3f;
      pos += RICE_ESCAPE_ONES + 6;
      if (l === RICE_ESCAPE_RAW_FLOAT) {
        const rh = peekBits32(b, len, pos);
        const rl = peekBits32(b, len, pos + 32);
        pos += 64;
        if (pos > endBit) throw eofError(pos, endBit);
        if (i >= from) {
          if (words === null) words = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
          const j = 2 * (base + i);
          words[j + HI] = rh;
          words[j + LO] = rl;
        }
        continue;
      }
      z = readBitsAt(b, len, pos, l);
      pos += l;
    }
    if (pos > endBit) throw eofError(pos, endBit);
    // No writer codes more (rice.ts); beyond it the arithmetic would no longer be exact.
    if (!(z <= RICE_MAX_Z)) throw new CorruptChunkError(`value stream: residual ${z} at value ${i} exceeds 2^53`);
    a += z;
    cnt++;
    if (cnt >= 16) {
      a = Math.floor(a / 2);
      cnt >>= 1;
    }
    k = 0;
    for (let nk = cnt; nk < a; nk *= 2) k++;
    const d = unzigzag(z) + (costDod < costDelta ? d1 : 0);
    costDelta += zigzagBits(d) - (costDelta >> 2);
    costDod += zigzagBits(d - d1) - (costDod >> 2);
    d1 = d;
    last += d;
    if (i >= from) out[base + i] = last / pow;
  }
}

/** bitLength(zigzag(x)) for a safe integer x. */
function zigzagBits(x: number): number {
  if (x >= -TWO_POW_30 && x < TWO_POW_30) return 32 - Math.clz32((x << 1) ^ (x >> 31));
  const z = zigzag(x);
  return z < TWO_POW_32 ? 32 - Math.clz32(z) : 64 - Math.clz32(Math.floor(z / TWO_POW_32));
}

/** The n bits (0 <= n <= 62) at bit pos as a number. */
function readBitsAt(b: Uint8Array, len: number, pos: number, n: number): number {
  if (n === 0) return 0;
  if (n <= 32) return peekBits32(b, len, pos) >>> (32 - n);
  return (peekBits32(b, len, pos) >>> (64 - n)) * TWO_POW_32 + (peekBits32(b, len, pos + n - 32) >>> 0);
}

const EMPTY_TS = new Float64Array(0);
const EMPTY_BYTES = new Uint8Array(0);
const CONST_ZERO = Uint8Array.of(VALUES_CONST_DECIMAL, 0);

/**
 * Iterates a value stream together with its timestamps: sample i is (ts[i], value i). The values
 * are decoded all at once on the first next() or seek() (decodeValues: one tight loop, no state
 * machine per sample) into a buffer the iterator keeps for reuse. Reusable through reset().
 */
export class ValuesIterator implements SampleIterator {
  #ts: Float64Array = EMPTY_TS;
  #bytes: Uint8Array = EMPTY_BYTES;
  #vals = new Float64Array(128);
  #decoded = false;
  #i = -1;

  /** An iterator over `bytes` with timestamps `ts` (not copied; they must not change while in use). */
  constructor(ts: Float64Array = EMPTY_TS, bytes: Uint8Array = CONST_ZERO) {
    this.reset(ts, bytes);
  }

  /** Restarts on another stream. Throws CorruptChunkError for an unknown mode. */
  reset(ts: Float64Array, bytes: Uint8Array): void {
    checkValuesHeader(bytes);
    this.#ts = ts;
    this.#bytes = bytes;
    this.#decoded = false;
    this.#i = -1;
  }

  #decode(): void {
    const n = this.#ts.length;
    if (this.#vals.length < n) this.#vals = new Float64Array(Math.max(n, this.#vals.length * 2));
    this.#decoded = true;
    decodeValues(this.#bytes, n, 0, n, this.#vals, 0);
  }

  next(): ValueType {
    if (!this.#decoded) this.#decode();
    const n = this.#ts.length;
    if (this.#i >= n - 1) {
      this.#i = n;
      return ValueType.None;
    }
    this.#i++;
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (!this.#decoded) this.#decode();
    const ts = this.#ts;
    if (this.#i >= ts.length) return ValueType.None;
    if (this.#i < 0) this.#i = 0;
    while (this.#i < ts.length && ts[this.#i] < t) this.#i++;
    return this.#i < ts.length ? ValueType.Float : ValueType.None;
  }

  atT(): number {
    return this.#ts[this.#i];
  }

  atV(): number {
    return this.#vals[this.#i];
  }
}
