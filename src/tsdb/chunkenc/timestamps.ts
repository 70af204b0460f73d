/**
 * @module Timestamp columns: the timestamps of a chunk stored apart from its values, so that the
 * chunks of series sampled at the same instants (one OTLP request, one scrape) share one copy in a
 * block. The coding is the delta chunk's (delta.ts): `uvarint n · varint t0 · uvarint Δ1 (n ≥ 2) ·
 * rice(zigzag(dod))` for each later sample, zero bits up to the byte. See docs/format/chunks.md.
 */
import { BitReader, type BitWriter, CorruptChunkError, unzigzag, zigzag } from './bstream.ts';
import { MAX_ABS_TIMESTAMP_MS, MAX_SAMPLES_PER_CHUNK } from './chunk.ts';
import { RICE_MAX_Z, RiceState, readRice, writeRice } from './rice.ts';

const rice = new RiceState();

/**
 * Appends the column of ts[0, n) to `w`, which must be at a byte boundary; leaves it at one.
 * Timestamps are integer ms within ±MAX_ABS_TIMESTAMP_MS, ascending or equal, 1 <= n <= 65535.
 * Throws RangeError otherwise (nothing is then guaranteed about `w`).
 */
export function writeTimestamps(w: BitWriter, ts: ArrayLike<number>, n: number): void {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_SAMPLES_PER_CHUNK)) throw new RangeError(`timestamp column of ${n} samples (want 1 to ${MAX_SAMPLES_PER_CHUNK})`);
  if (w.bitLength % 8 !== 0) throw new RangeError('timestamp column must start at a byte boundary');
  w.writeUvarint(n);
  let prev = ts[0];
  // Math.floor(t) === t, not Number.isInteger: V8 does not inline the latter for doubles.
  if (!(Math.floor(prev) === prev && Math.abs(prev) <= MAX_ABS_TIMESTAMP_MS)) throw new RangeError(`timestamp ${prev} is not an integer within ±2^51`);
  w.writeVarint(prev);
  let delta = 0;
  rice.reset();
  for (let i = 1; i < n; i++) {
    const t = ts[i];
    if (!(Math.floor(t) === t && t >= prev && t <= MAX_ABS_TIMESTAMP_MS)) throw badTimestamp(t, i, prev);
    const d = t - prev;
    if (i === 1) {
      w.writeUvarint(d);
    } else {
      const z = zigzag(d - delta);
      if (z > RICE_MAX_Z) throw badTimestamp(t, i, prev);
      writeRice(w, rice, z);
    }
    delta = d;
    prev = t;
  }
  const pad = (8 - (w.bitLength % 8)) % 8;
  if (pad > 0) w.writeBits(0, pad);
}

/**
 * The error for a bad timestamp. Built out of line: a template literal thrown from the loop makes
 * V8's optimized loop many times slower.
 */
function badTimestamp(t: number, i: number, prev: number): RangeError {
  return new RangeError(`timestamp ${t} at ${i} is not an integer within ±2^51 at or after ${prev} (or jumps by more than 2^52)`);
}

/** A decoded column and the byte offset right after it. */
export interface DecodedTimestamps {
  readonly ts: Float64Array;
  readonly end: number;
}

const reader = new BitReader();
const readRiceState = new RiceState();

/**
 * Decodes the column starting at bytes[start] (and ending by bytes[end]). Throws
 * CorruptChunkError when the bytes end early or hold an impossible count or timestamp.
 */
export function readTimestamps(bytes: Uint8Array, start: number, end: number = bytes.length): DecodedTimestamps {
  const r = reader;
  r.reset(bytes, start, end);
  const n = r.readUvarint();
  if (n < 1 || n > MAX_SAMPLES_PER_CHUNK) throw new CorruptChunkError(`timestamp column of ${n} samples`);
  const ts = new Float64Array(n);
  let t = r.readVarint();
  if (Math.abs(t) > MAX_ABS_TIMESTAMP_MS) throw new CorruptChunkError(`timestamp ${t} beyond ±2^51`);
  ts[0] = t;
  let delta = 0;
  const s = readRiceState;
  s.reset();
  for (let i = 1; i < n; i++) {
    if (i === 1) {
      delta = r.readUvarint();
    } else {
      const z = readRice(r, s);
      if (z < 0) throw corrupt('a raw-float escape', i, t);
      delta += unzigzag(z);
      if (delta < 0) throw corrupt('timestamps going back', i, t);
    }
    t += delta;
    if (t > MAX_ABS_TIMESTAMP_MS) throw corrupt('a timestamp beyond ±2^51', i, t);
    ts[i] = t;
  }
  const endByte = (r.bitPosition + 7) >>> 3;
  const padBits = endByte * 8 - r.bitPosition;
  if (padBits > 0 && r.readBits(padBits) !== 0) throw new CorruptChunkError('non-zero padding after a timestamp column');
  return { ts, end: endByte };
}

/** A CorruptChunkError for sample i of a column, built out of line (see badTimestamp). */
function corrupt(what: string, i: number, t: number): CorruptChunkError {
  return new CorruptChunkError(`timestamp column: ${what} at sample ${i} (after ${t})`);
}
