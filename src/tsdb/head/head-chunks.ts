/**
 * @module The head's samples: one open chunk per series, appended in place in a slab slot in
 * Prometheus' XOR format bit for bit (docs/format/chunks.md), with its state in SeriesColumns.
 * A chunk is cut when it holds samplesPerChunk samples, when a sample falls past its chunk range
 * (aligned like Prometheus' block ranges), or when it would outgrow the largest slab slot; a cut
 * chunk is written to the spill files and leaves the JS heap.
 *
 * The bit writes follow chunkenc/xor.ts (itself a port of Prometheus tsdb/chunkenc/xor.go,
 * Apache-2.0, and go-tsz, BSD-2-Clause); they are inlined over (page, bit position) so an append
 * touches typed arrays only.
 */
import { hi32, lo32 } from '../chunkenc/bstream.ts';
import { ChunkEncoding, MAX_ABS_TIMESTAMP_MS } from '../chunkenc/chunk.ts';
import { DeltaChunk } from '../chunkenc/delta.ts';
import { XorIterator } from '../chunkenc/xor.ts';
import { ValueType } from '../../model/value.ts';
import { SLAB_CLASS_BYTES, Slab } from './slab.ts';
import { ChunkRecords, NO_WINDOW, SeriesColumns } from './series-columns.ts';
import type { ChunkSpill } from './spill.ts';

/** Which encoding completed chunks get: always XOR, or Delta when that is strictly smaller. */
export type HeadChunkEncoding = 'xor' | 'smallest';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;
const XOR_HEADER_BITS = 16;
const LAST_CLASS = SLAB_CLASS_BYTES.length - 1;
/** Samples a grown slot has room for beyond the one that made it grow. */
const GROW_AHEAD_SAMPLES = 8;

/** ORs the low n bits (0..32) of value into buf at bit pos, MSB first; returns pos + n. Bytes past pos must be zero. */
function wbits(buf: Uint8Array, pos: number, value: number, n: number): number {
  while (n > 0) {
    const free = 8 - (pos & 7);
    const take = n < free ? n : free;
    n -= take;
    buf[pos >>> 3] |= ((value >>> n) & ((1 << take) - 1)) << (free - take);
    pos += take;
  }
  return pos;
}

function wbits64(buf: Uint8Array, pos: number, hi: number, lo: number, n: number): number {
  if (n > 32) {
    pos = wbits(buf, pos, hi, n - 32);
    return wbits(buf, pos, lo, 32);
  }
  return wbits(buf, pos, lo, n);
}

/** Writes the n low bits of (xh:xl >>> t). */
function wshifted(buf: Uint8Array, pos: number, xh: number, xl: number, t: number, n: number): number {
  if (t >= 32) return wbits(buf, pos, xh >>> (t - 32), n);
  if (t > 0) return wbits64(buf, pos, xh >>> t, ((xl >>> t) | (xh << (32 - t))) >>> 0, n);
  return wbits64(buf, pos, xh, xl, n);
}

function uvarintBits(x: number): number {
  let n = 8;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n += 8;
  }
  return n;
}

function wuvarint(buf: Uint8Array, pos: number, x: number): number {
  while (x >= 0x80) {
    pos = wbits(buf, pos, (x % 0x80) | 0x80, 8);
    x = Math.floor(x / 0x80);
  }
  return wbits(buf, pos, x, 8);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Options of HeadChunks. */
export interface HeadChunksOptions {
  readonly chunkRangeMs: number;
  readonly samplesPerChunk: number;
  readonly encoding: HeadChunkEncoding;
}

/** Open chunks, completed chunk records and the spill files of one head. */
export class HeadChunks {
  readonly cols = new SeriesColumns();
  readonly records = new ChunkRecords();
  readonly slab = new Slab();
  readonly spill: ChunkSpill;
  readonly #range: number;
  readonly #perChunk: number;
  readonly #smallest: boolean;
  /** Samples held (open and completed chunks). */
  numSamples = 0;
  /** Chunks that went to the spill files as Delta. */
  deltaChunks = 0;
  /** Bytes of completed chunks held (chunk bytes, header included; no record framing). */
  completedBytes = 0;

  constructor(spill: ChunkSpill, options: HeadChunksOptions) {
    if (!(options.chunkRangeMs >= 1 && options.chunkRangeMs <= 2 ** 31)) throw new RangeError(`chunkRangeMs must be in [1, 2^31], got ${options.chunkRangeMs}`);
    if (!(options.samplesPerChunk >= 2 && options.samplesPerChunk <= 0xffff)) throw new RangeError(`samplesPerChunk must be in [2, 65535], got ${options.samplesPerChunk}`);
    this.spill = spill;
    this.#range = options.chunkRangeMs;
    this.#perChunk = options.samplesPerChunk;
    this.#smallest = options.encoding === 'smallest';
  }

  /** Whether t can be stored in a chunk at all. */
  static validTimestamp(t: number): boolean {
    return t <= MAX_ABS_TIMESTAMP_MS && t >= -MAX_ABS_TIMESTAMP_MS && Math.floor(t) === t;
  }

  /**
   * Appends (t, v) to ref's open chunk; t must be a valid timestamp above cols.lastT[ref]. Cuts
   * (completes and spills) chunks as the rules say.
   */
  append(ref: number, t: number, v: number): void {
    const c = this.cols;
    let n = c.count[ref];
    if (n > 0 && t >= c.headEnd[ref]) {
      this.complete(ref);
      n = 0;
    }
    f64[0] = v;
    const hi = u32[HI];
    const lo = u32[LO];
    if (n === 0) {
      this.#open(ref, t, hi, lo);
    } else {
      // Time field.
      const d = t - c.lastT[ref];
      let tbits: number;
      let dod = 0;
      if (n === 1) {
        tbits = uvarintBits(d);
      } else {
        dod = d - c.tDelta[ref];
        tbits = dod === 0 ? 1 : dod >= -8191 && dod <= 8192 ? 16 : dod >= -65535 && dod <= 65536 ? 20 : dod >= -524287 && dod <= 524288 ? 24 : 68;
      }
      // Value field.
      const xh = (hi ^ c.vHi[ref]) >>> 0;
      const xl = (lo ^ c.vLo[ref]) >>> 0;
      let vbits: number;
      let leading = 0;
      let trailing = 0;
      let reuse = false;
      if (xh === 0 && xl === 0) {
        vbits = 1;
      } else {
        leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
        trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
        if (leading >= 32) leading = 31;
        const L = c.leading[ref];
        if (L !== NO_WINDOW && leading >= L && trailing >= c.trailing[ref]) {
          reuse = true;
          vbits = 2 + 64 - L - c.trailing[ref];
        } else {
          vbits = 13 + 64 - leading - trailing;
        }
      }
      let bits = c.bits[ref];
      const need = bits + tbits + vbits;
      let cls = c.cls[ref];
      if (need > SLAB_CLASS_BYTES[cls] * 8) {
        if (need > SLAB_CLASS_BYTES[LAST_CLASS] * 8) {
          this.complete(ref);
          this.#open(ref, t, hi, lo);
          this.#afterAppend(ref, t, 1);
          return;
        }
        const to = this.#targetClass(n, need, cls);
        c.slot[ref] = this.slab.grow(c.slot[ref], cls, (bits + 7) >>> 3, to);
        c.cls[ref] = to;
      }
      const h = c.slot[ref];
      const page = this.slab.pages[h >>> 16]!;
      const base = (h & 0xffff) << 7; // byte offset (handle × 16) in bits
      let pos = base + bits;
      if (n === 1) {
        pos = wuvarint(page, pos, d);
      } else if (dod === 0) {
        pos += 1;
      } else if (tbits === 16) {
        pos = wbits(page, pos, (0b10 << 14) | (dod & 0x3fff), 16);
      } else if (tbits === 20) {
        pos = wbits(page, pos, (0b110 << 17) | (dod & 0x1ffff), 20);
      } else if (tbits === 24) {
        pos = wbits(page, pos, (0b1110 << 20) | (dod & 0xfffff), 24);
      } else {
        pos = wbits(page, pos, 0b1111, 4);
        pos = wbits(page, pos, hi32(dod), 32);
        pos = wbits(page, pos, lo32(dod), 32);
      }
      c.tDelta[ref] = d;
      if (vbits === 1) {
        pos += 1;
      } else if (reuse) {
        const T = c.trailing[ref];
        pos = wbits(page, pos, 0b10, 2);
        pos = wshifted(page, pos, xh, xl, T, 64 - c.leading[ref] - T);
      } else {
        const sig = 64 - leading - trailing;
        c.leading[ref] = leading;
        c.trailing[ref] = trailing;
        pos = wbits(page, pos, (0b11 << 11) | (leading << 6) | (sig & 0x3f), 13);
        pos = wshifted(page, pos, xh, xl, trailing, sig);
      }
      bits = pos - base;
      c.bits[ref] = bits;
      c.vHi[ref] = hi;
      c.vLo[ref] = lo;
    }
    this.#afterAppend(ref, t, n + 1);
  }

  /**
   * The class a growing chunk moves to: the smallest that also has room for GROW_AHEAD_SAMPLES more
   * samples at the chunk's average bits per sample so far. Growing a class at a time (classes are
   * ~1.5× apart) keeps a slot at most about a third larger than its chunk, so the open chunks of a
   * million series cost about what their bytes do; sizing for the chunk's final length instead
   * would hold twice that for half a chunk range. A move copies under 200 bytes.
   */
  #targetClass(n: number, need: number, cls: number): number {
    const perSample = n > 1 ? need / n : 64 + 16;
    const bytes = Math.ceil((need + GROW_AHEAD_SAMPLES * perSample) / 8);
    let to = cls + 1;
    while (to < LAST_CLASS && SLAB_CLASS_BYTES[to] < bytes) to++;
    while (need > SLAB_CLASS_BYTES[to] * 8) to++; // never below what this sample needs
    return to;
  }

  #afterAppend(ref: number, t: number, n: number): void {
    const c = this.cols;
    c.lastT[ref] = t;
    c.count[ref] = n;
    this.numSamples++;
    if (n >= this.#perChunk) this.complete(ref);
  }

  /** Starts a chunk with its first sample: header, t0 varint, 64 raw value bits. */
  #open(ref: number, t: number, hi: number, lo: number): void {
    const c = this.cols;
    const h = this.slab.alloc(0); // 32 bytes: header + t0 (≤ 8 bytes for |t| ≤ 2^51) + 8 value bytes
    c.slot[ref] = h;
    c.cls[ref] = 0;
    const page = this.slab.pages[h >>> 16]!;
    const base = (h & 0xffff) << 7;
    let pos = wuvarint(page, base + XOR_HEADER_BITS, t >= 0 ? 2 * t : -2 * t - 1);
    pos = wbits(page, pos, hi, 32);
    pos = wbits(page, pos, lo, 32);
    c.bits[ref] = pos - base;
    c.vHi[ref] = hi;
    c.vLo[ref] = lo;
    c.leading[ref] = NO_WINDOW;
    c.trailing[ref] = 0;
    c.tDelta[ref] = 0;
    c.headMinT[ref] = t;
    const range = this.#range;
    c.headEnd[ref] = (Math.floor(t / range) + 1) * range;
    if (c.minT[ref] === Infinity) c.minT[ref] = t;
  }

  /** The open chunk's bytes with the sample-count header filled in: a fresh copy, or null when none is open. */
  openChunkBytes(ref: number): Uint8Array | null {
    const c = this.cols;
    const n = c.count[ref];
    if (n === 0) return null;
    const h = c.slot[ref];
    const off = (h & 0xffff) << 4;
    const out = this.slab.pages[h >>> 16]!.slice(off, off + ((c.bits[ref] + 7) >>> 3));
    out[0] = n >>> 8;
    out[1] = n & 0xff;
    return out;
  }

  /** Completes ref's open chunk (if any): spills it, links a record, frees the slot. */
  complete(ref: number): void {
    const c = this.cols;
    const n = c.count[ref];
    if (n === 0) return;
    const h = c.slot[ref];
    const off = (h & 0xffff) << 4;
    const page = this.slab.pages[h >>> 16]!;
    page[off] = n >>> 8;
    page[off + 1] = n & 0xff;
    let data = page.subarray(off, off + ((c.bits[ref] + 7) >>> 3));
    let encoding: number = ChunkEncoding.XOR;
    if (this.#smallest) {
      const delta = toDelta(data);
      if (delta.length < data.length) {
        data = delta;
        encoding = ChunkEncoding.Delta;
        this.deltaChunks++;
      }
    }
    const r = this.records;
    const id = r.alloc();
    r.minT[id] = c.headMinT[ref];
    r.maxT[id] = c.lastT[ref];
    r.pos[id] = this.spill.write(ref, c.headMinT[ref], c.lastT[ref], encoding, data);
    r.len[id] = data.length;
    this.completedBytes += data.length;
    r.encoding[id] = encoding;
    r.samples[id] = n;
    r.next[id] = -1;
    const last = c.lastChunk[ref];
    if (last >= 0) r.next[last] = id;
    else c.firstChunk[ref] = id;
    c.lastChunk[ref] = id;
    this.slab.free(h, c.cls[ref]);
    c.count[ref] = 0;
    c.bits[ref] = 0;
  }

  /**
   * Drops ref's chunks whose samples all lie before mint (the open one too). Returns whether the
   * series still holds samples.
   */
  truncateSeries(ref: number, mint: number): boolean {
    const c = this.cols;
    const r = this.records;
    let id = c.firstChunk[ref];
    while (id >= 0 && r.maxT[id] < mint) {
      const next = r.next[id];
      this.spill.release(r.pos[id]);
      this.numSamples -= r.samples[id];
      this.completedBytes -= r.len[id];
      r.free(id);
      id = next;
    }
    c.firstChunk[ref] = id;
    if (id < 0) c.lastChunk[ref] = -1;
    if (c.count[ref] > 0 && c.lastT[ref] < mint) {
      this.numSamples -= c.count[ref];
      this.slab.free(c.slot[ref], c.cls[ref]);
      c.count[ref] = 0;
      c.bits[ref] = 0;
    }
    c.minT[ref] = id >= 0 ? r.minT[id] : c.count[ref] > 0 ? c.headMinT[ref] : Infinity;
    return id >= 0 || c.count[ref] > 0;
  }

  /** Drops every chunk of a series that is going away. */
  dropSeries(ref: number): void {
    this.truncateSeries(ref, Infinity);
  }
}

/** Re-encodes a complete XOR chunk as Delta (deterministic, so the choice is too). */
function toDelta(xor: Uint8Array): Uint8Array {
  const it = new XorIterator(xor);
  const d = new DeltaChunk();
  const app = d.appender();
  while (it.next() !== ValueType.None) app.append(it.atT(), it.atV());
  return d.bytes();
}
