/**
 * @module Adaptive Golomb-Rice codes for small non-negative integers, as used by the delta chunk.
 *
 * A value z is written as q = floor(z / 2^k) one-bits, a zero bit, then the k low bits of z. The
 * parameter k follows the recent mean of z (the JPEG-LS / LOCO-I rule: the least k with
 * n·2^k >= a), so a run of zeros costs one bit each and noisy jitter a few bits, with no per-chunk
 * tuning. Encoder and decoder update the same integer state, so k is never stored.
 */
import { bitLength, type BitReader, type BitWriter } from './bstream.ts';

/** Unary prefix length that means "escape": a 6-bit length and the raw value follow. */
export const RICE_ESCAPE_ONES = 20;
/** Escape length field value that marks a raw float64 (64 bits) instead of an integer. */
export const RICE_ESCAPE_RAW_FLOAT = 63;
/** Largest z a Rice code carries (escape lengths go up to 53 bits). */
export const RICE_MAX_Z = 2 ** 53 - 1;
/** Halve the state every this many values so k tracks the last few dozen samples, not the chunk. */
const RICE_RESET_COUNT = 16;
const POW2: number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);

/** Adaptive Rice parameter state: `a` sums recent values, `n` counts them. */
export class RiceState {
  a = 0;
  n = 1;
  /** The current parameter k. */
  k = 0;

  reset(): void {
    this.a = 0;
    this.n = 1;
    this.k = 0;
  }

  /** Folds a coded value in and recomputes k. */
  update(z: number): void {
    let a = this.a + z;
    let n = this.n + 1;
    if (n >= RICE_RESET_COUNT) {
      a = Math.floor(a / 2);
      n >>= 1;
    }
    this.a = a;
    this.n = n;
    let k = 0;
    let nk = n;
    while (nk < a) {
      nk *= 2;
      k++;
    }
    this.k = k;
  }
}

/** Writes z (0 <= z <= RICE_MAX_Z) with parameter s.k, then updates s. */
export function writeRice(w: BitWriter, s: RiceState, z: number): void {
  const k = s.k;
  const q = k === 0 ? z : Math.floor(z / POW2[k]);
  if (q < RICE_ESCAPE_ONES) {
    const rem = z - q * POW2[k];
    const n = q + 1 + k;
    if (n <= 32) {
      w.writeBits((POW2[q] - 1) * POW2[k + 1] + rem, n);
    } else {
      w.writeBits((POW2[q] - 1) * 2, q + 1);
      w.writeBits64(Math.floor(rem / 4294967296), rem >>> 0, k);
    }
  } else {
    const len = bitLength(z);
    writeRiceEscape(w, len);
    w.writeBits64(Math.floor(z / 4294967296), z >>> 0, len);
  }
  s.update(z);
}

/** Writes the escape prefix and a 6-bit length (RICE_ESCAPE_RAW_FLOAT for a raw float). */
export function writeRiceEscape(w: BitWriter, len: number): void {
  w.writeBits(((1 << RICE_ESCAPE_ONES) - 1) * 64 + len, RICE_ESCAPE_ONES + 6);
}

/**
 * Reads a Rice-coded value with parameter s.k and updates s. Returns -1, without updating s, for
 * the raw-float escape; the caller then reads the 64 bits.
 */
export function readRice(r: BitReader, s: RiceState): number {
  const w = r.peek32();
  const q = Math.clz32(~w);
  let z: number;
  if (q < RICE_ESCAPE_ONES) {
    const k = s.k;
    r.skip(q + 1);
    if (k === 0) {
      z = q;
    } else if (k <= 32) {
      z = q * POW2[k] + r.readBits(k);
    } else {
      const hi = r.readBits(k - 32);
      z = q * POW2[k] + hi * 4294967296 + r.readBits(32);
    }
  } else {
    const len = (w >>> (32 - RICE_ESCAPE_ONES - 6)) & 0x3f;
    r.skip(RICE_ESCAPE_ONES + 6);
    if (len === RICE_ESCAPE_RAW_FLOAT) return -1;
    if (len > 32) {
      const hi = r.readBits(len - 32);
      z = hi * 4294967296 + r.readBits(32);
    } else {
      z = r.readBits(len);
    }
  }
  s.update(z);
  return z;
}
