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
import { BitReader, BitWriter, CorruptChunkError, unzigzag, zigzag } from './bstream.ts';
import { DeltaPredictor, MAX_DECIMAL_INT, POW10, isSpecial, scaleOf } from './delta.ts';
import { floatFromBits, floatHi, floatLo } from './float-bits.ts';
import { RICE_ESCAPE_RAW_FLOAT, RiceState, readRice, writeRice, writeRiceEscape } from './rice.ts';
import { XorValueState, readXorValue, writeXorValue } from './xor.ts';

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
  const words = new Uint32Array(vs.buffer, vs.byteOffset, n * 2);
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
  w.writeBytes(out.bytes());
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
const bulkReader = new BitReader();
const bulkRice = new RiceState();
const bulkXor = new XorValueState();
const bulkPred = new DeltaPredictor();

/**
 * Decodes values [0, to) of a stream of `n` values and stores values [from, to) at
 * out[at, at + to - from), bit for bit (through `out`'s words for raw floats). The bulk path of
 * ValuesIterator, for reading whole ranges into columns. Throws CorruptChunkError.
 */
export function decodeValues(bytes: Uint8Array, n: number, from: number, to: number, out: Float64Array, at: number): void {
  checkValuesHeader(bytes);
  if (!(0 <= from && from <= to && to <= n && at + to - from <= out.length)) throw new RangeError(`decodeValues [${from}, ${to}) of ${n} into ${out.length - at}`);
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length * 2);
  const mode = bytes[0];
  const kind = mode & 0xf0;
  const pow = POW10[mode & 0x0f];
  const r = bulkReader;
  r.reset(bytes, 1, bytes.length);
  const base = at - from;
  if (kind === VALUES_CONST || kind === VALUES_CONST_DECIMAL) {
    if (to === 0) return;
    if (kind === VALUES_CONST) {
      const hi = r.readBits(32);
      const lo = r.readBits(32);
      for (let i = from; i < to; i++) {
        words[2 * (base + i) + HI] = hi;
        words[2 * (base + i) + LO] = lo;
      }
    } else {
      out.fill(r.readVarint() / pow, at, at + to - from);
    }
    return;
  }
  if (kind === VALUES_FLOAT) {
    const xs = bulkXor;
    xs.reset(false);
    for (let i = 0; i < to; i++) {
      if (i === 0) {
        xs.hi = r.readBits(32);
        xs.lo = r.readBits(32);
      } else {
        readXorValue(r, xs);
      }
      if (i >= from) {
        words[2 * (base + i) + HI] = xs.hi;
        words[2 * (base + i) + LO] = xs.lo;
      }
    }
    return;
  }
  const vr = bulkRice;
  vr.reset();
  const p = bulkPred;
  p.reset(r.readVarint());
  if (from === 0 && to > 0) out[base] = p.last / pow;
  for (let i = 1; i < to; i++) {
    const z = readRice(r, vr);
    if (z < 0) {
      const hi = r.readBits(32);
      const lo = r.readBits(32);
      if (i >= from) {
        words[2 * (base + i) + HI] = hi;
        words[2 * (base + i) + LO] = lo;
      }
      continue;
    }
    p.update(unzigzag(z) + p.predict());
    if (i >= from) out[base + i] = p.last / pow;
  }
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
