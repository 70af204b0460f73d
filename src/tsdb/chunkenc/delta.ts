/**
 * @module Pharos' delta chunk (ChunkEncoding.Delta): Prometheus' XOR chunk with two changes that
 * pay off on real data; the byte layout is in docs/format/chunks.md.
 *
 * 1. Timestamps: the delta-of-delta is zigzagged and Rice-coded with an adaptive parameter
 *    (rice.ts), so scrape jitter of a few ms costs ~4-5 bits instead of XOR's 16, and regular
 *    timestamps still cost 1 bit.
 * 2. Values: while every value is a decimal with at most 15 fraction digits (v = N / 10^scale
 *    exactly, |N| <= 2^50), the chunk stores the integers N as Rice-coded residuals; the predictor
 *    is the previous delta (constant rate) or zero (random increments, unchanged gauges),
 *    whichever has cost fewer bits lately. NaN (the staleness marker), ±Inf and -0 are escaped as
 *    raw bits. A value that needs a larger scale re-encodes the chunk at that scale; one that is no
 *    decimal at all re-encodes it with XOR values. Both happen at most a few times per chunk.
 */
import type { SampleIterator } from '../../storage/interface.ts';
import { ValueType } from '../../model/value.ts';
import { BitReader, BitWriter, CorruptChunkError, bitLength, unzigzag, zigzag } from './bstream.ts';
import { ChunkEncoding, type Chunk, type ChunkAppender } from './chunk.ts';
import { floatFromBits, floatHi, floatLo } from './float-bits.ts';
import { RICE_ESCAPE_RAW_FLOAT, RiceState, readRice, writeRice, writeRiceEscape } from './rice.ts';
import { XorValueState, checkTimestamp, readXorValue, writeXorValue } from './xor.ts';

/** Bytes of the header: sample count (uint16 BE) and the value mode. */
const DELTA_HEADER_BYTES = 3;
/** Mode byte: values are XOR-coded floats. */
const MODE_FLOAT = 0x00;
/** Mode byte: values are integers N with v = N / 10^scale; the low nibble is the scale. */
const MODE_DECIMAL = 0x10;
/** Largest decimal scale (fraction digits); 10^15 is exact and N / 10^15 is correctly rounded. */
export const MAX_SCALE = 15;
/** Largest |N| in decimal mode; keeps deltas and residuals exact (< 2^53 after zigzag). */
export const MAX_DECIMAL_INT = 2 ** 50;
/** 10^0 … 10^MAX_SCALE, all exact. */
export const POW10: readonly number[] = Array.from({ length: MAX_SCALE + 1 }, (_, i) => 10 ** i);

/** Whether v cannot be a decimal at all: NaN (any payload), ±Inf or -0. */
export function isSpecial(v: number): boolean {
  return v !== v || v === Infinity || v === -Infinity || (v === 0 && 1 / v < 0);
}

/** The least scale >= from at which v is exactly N / 10^scale with |N| <= 2^50, or -1. */
export function scaleOf(v: number, from: number): number {
  if (isSpecial(v)) return -1;
  for (let e = from; e <= MAX_SCALE; e++) {
    const n = Math.round(v * POW10[e]);
    if (Math.abs(n) <= MAX_DECIMAL_INT && n / POW10[e] === v) return e;
  }
  return -1;
}

/**
 * Predicts the next integer delta: the previous delta when that has been cheaper lately (steady
 * rates), else zero (random increments, unchanged values). Costs are bit lengths of the zigzagged
 * residuals, as exponential moving averages with weight 1/4; shared by encoder and decoder (and by
 * the value streams of block chunks, values.ts).
 */
export class DeltaPredictor {
  last = 0;
  #d1 = 0;
  #costDelta = 0;
  #costDod = 0;

  reset(first: number): void {
    this.last = first;
    this.#d1 = 0;
    this.#costDelta = 0;
    this.#costDod = 0;
  }

  predict(): number {
    return this.#costDod < this.#costDelta ? this.#d1 : 0;
  }

  update(d: number): void {
    this.#costDelta += bitLength(zigzag(d)) - (this.#costDelta >> 2);
    this.#costDod += bitLength(zigzag(d - this.#d1)) - (this.#costDod >> 2);
    this.#d1 = d;
    this.last += d;
  }
}

/** The delta chunk's appender. */
class DeltaAppender implements ChunkAppender {
  readonly w = new BitWriter();
  #num = 0;
  #t = 0;
  #tDelta = 0;
  #mode = MODE_FLOAT;
  #scale = 0;
  readonly #tr = new RiceState();
  readonly #vr = new RiceState();
  readonly #xs = new XorValueState();
  readonly #pred = new DeltaPredictor();

  constructor() {
    this.w.writeBits(0, DELTA_HEADER_BYTES * 8);
    this.#xs.reset(true);
  }

  /** Samples appended so far. */
  get num(): number {
    return this.#num;
  }

  append(t: number, v: number): void {
    checkTimestamp(t, this.#t, this.#num);
    if (this.#num === 0) {
      const e = scaleOf(v, 0);
      this.#setMode(e < 0 ? MODE_FLOAT : MODE_DECIMAL, e < 0 ? 0 : e);
    }
    if (this.#write(t, v)) return;
    this.#transcode(v);
    if (!this.#write(t, v)) throw new Error(`delta chunk: cannot encode ${v} after re-encoding`);
  }

  /** Re-encodes the samples so far at a scale that fits v, or with XOR values. */
  #transcode(v: number): void {
    const n = this.#num;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    const it = new DeltaIterator(this.w.bytes());
    for (let i = 0; it.next() !== ValueType.None; i++) {
      ts[i] = it.atT();
      vs[i] = it.atV();
    }
    const e = scaleOf(v, this.#scale + 1);
    if (e >= 0 && this.#rebuild(ts, vs, MODE_DECIMAL, e)) return;
    if (!this.#rebuild(ts, vs, MODE_FLOAT, 0)) throw new Error('delta chunk: float re-encoding failed');
  }

  #rebuild(ts: Float64Array, vs: Float64Array, mode: number, scale: number): boolean {
    this.#reset();
    this.#setMode(mode, scale);
    for (let i = 0; i < ts.length; i++) {
      if (!this.#write(ts[i], vs[i])) return false;
    }
    return true;
  }

  #reset(): void {
    this.w.reset();
    this.w.writeBits(0, DELTA_HEADER_BYTES * 8);
    this.#num = 0;
    this.#t = 0;
    this.#tDelta = 0;
    this.#tr.reset();
    this.#vr.reset();
    this.#xs.reset(true);
    this.#pred.reset(0);
  }

  #setMode(mode: number, scale: number): void {
    this.#mode = mode;
    this.#scale = scale;
    this.w.buffer[2] = mode | scale;
  }

  /** Writes one sample in the current mode; false (nothing written) if v does not fit it. */
  #write(t: number, v: number): boolean {
    const num = this.#num;
    const w = this.w;
    let n = 0;
    let raw = false;
    if (this.#mode === MODE_DECIMAL) {
      const p = POW10[this.#scale];
      n = Math.round(v * p);
      if (!(n / p === v && Math.abs(n) <= MAX_DECIMAL_INT && !(v === 0 && 1 / v < 0))) {
        if (num === 0 || !isSpecial(v)) return false;
        raw = true;
      }
    }
    if (num === 0) {
      w.writeVarint(t);
    } else if (num === 1) {
      const d = t - this.#t;
      w.writeUvarint(d);
      this.#tDelta = d;
    } else {
      const d = t - this.#t;
      writeRice(w, this.#tr, zigzag(d - this.#tDelta));
      this.#tDelta = d;
    }
    if (this.#mode === MODE_FLOAT) {
      const hi = floatHi(v);
      const lo = floatLo(v);
      if (num === 0) {
        w.writeBits(hi, 32);
        w.writeBits(lo, 32);
        this.#xs.hi = hi;
        this.#xs.lo = lo;
      } else {
        writeXorValue(w, this.#xs, hi, lo);
      }
    } else if (num === 0) {
      w.writeVarint(n + 0); // + 0 turns a -0 from Math.round into 0
      this.#pred.reset(n + 0);
    } else if (raw) {
      writeRiceEscape(w, RICE_ESCAPE_RAW_FLOAT);
      w.writeBits(floatHi(v), 32);
      w.writeBits(floatLo(v), 32);
    } else {
      const d = n - this.#pred.last;
      writeRice(w, this.#vr, zigzag(d - this.#pred.predict()));
      this.#pred.update(d);
    }
    this.#t = t;
    this.#num = num + 1;
    const buf = w.buffer;
    buf[0] = (num + 1) >>> 8;
    buf[1] = (num + 1) & 0xff;
    return true;
  }
}

/** The delta chunk's iterator; decodes one sample per next(). */
export class DeltaIterator implements SampleIterator {
  readonly #r = new BitReader();
  #total = 0;
  #read = 0;
  #done = false;
  #t = 0;
  #tDelta = 0;
  #mode = MODE_FLOAT;
  #pow = 1;
  /** Whether atV() comes from #xs bits (XOR mode or an escaped value) rather than #v. */
  #raw = true;
  #v = 0;
  readonly #tr = new RiceState();
  readonly #vr = new RiceState();
  readonly #xs = new XorValueState();
  readonly #pred = new DeltaPredictor();

  constructor(bytes: Uint8Array) {
    this.reset(bytes);
  }

  /** Restarts on another delta chunk's bytes. */
  reset(bytes: Uint8Array): void {
    if (bytes.length < DELTA_HEADER_BYTES) throw new CorruptChunkError(`delta chunk of ${bytes.length} bytes has no header`);
    const mode = bytes[2];
    if ((mode & 0xf0) !== MODE_FLOAT && (mode & 0xf0) !== MODE_DECIMAL) throw new CorruptChunkError(`delta chunk has unknown mode 0x${mode.toString(16)}`);
    if ((mode & 0xf0) === MODE_FLOAT && mode !== MODE_FLOAT) throw new CorruptChunkError(`delta chunk has float mode with scale bits 0x${mode.toString(16)}`);
    this.#mode = mode & 0xf0;
    this.#pow = POW10[mode & 0x0f];
    this.#total = (bytes[0] << 8) | bytes[1];
    this.#r.reset(bytes, DELTA_HEADER_BYTES, bytes.length);
    this.#read = 0;
    this.#done = false;
    this.#t = 0;
    this.#tDelta = 0;
    this.#raw = this.#mode === MODE_FLOAT;
    this.#v = 0;
    this.#tr.reset();
    this.#vr.reset();
    this.#xs.reset(false);
    this.#pred.reset(0);
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
    } else {
      if (read === 1) {
        this.#tDelta = r.readUvarint();
      } else {
        const z = readRice(r, this.#tr);
        if (z < 0) throw new CorruptChunkError(`delta chunk: raw-float escape in a timestamp at bit ${r.bitPosition}`);
        this.#tDelta += unzigzag(z);
      }
      this.#t += this.#tDelta;
    }
    if (this.#mode === MODE_FLOAT) {
      if (read === 0) {
        this.#xs.hi = r.readBits(32);
        this.#xs.lo = r.readBits(32);
      } else {
        readXorValue(r, this.#xs);
      }
    } else if (read === 0) {
      this.#pred.reset(r.readVarint());
      this.#v = this.#pred.last / this.#pow;
    } else {
      const z = readRice(r, this.#vr);
      if (z < 0) {
        this.#xs.hi = r.readBits(32);
        this.#xs.lo = r.readBits(32);
        this.#raw = true;
      } else {
        const pred = this.#pred;
        pred.update(unzigzag(z) + pred.predict());
        this.#v = pred.last / this.#pow;
        this.#raw = false;
      }
    }
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
    return this.#raw ? floatFromBits(this.#xs.hi, this.#xs.lo) : this.#v;
  }
}

/** A chunk in Pharos' delta encoding (ChunkEncoding.Delta). */
export class DeltaChunk implements Chunk {
  readonly encoding = ChunkEncoding.Delta;
  #data: Uint8Array;
  #app: DeltaAppender | null;

  /** An empty chunk; call appender() to fill it. */
  constructor() {
    this.#app = new DeltaAppender();
    this.#data = this.#app.w.bytes();
  }

  /** Wraps encoded bytes without copying; they must not change while the chunk is used. */
  static fromBytes(bytes: Uint8Array): DeltaChunk {
    new DeltaIterator(bytes); // validates the header
    const c = new DeltaChunk();
    c.#app = null;
    c.#data = bytes;
    return c;
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
    const app = new DeltaAppender();
    if (this.numSamples() > 0) {
      const it = new DeltaIterator(this.bytes());
      while (it.next() !== ValueType.None) app.append(it.atT(), it.atV());
    }
    this.#app = app;
    return app;
  }

  iterator(reuse?: SampleIterator): SampleIterator {
    if (reuse instanceof DeltaIterator) {
      reuse.reset(this.bytes());
      return reuse;
    }
    return new DeltaIterator(this.bytes());
  }
}
