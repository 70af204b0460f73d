import { describe, expect, it } from 'vitest';
import { BitWriter, CorruptChunkError } from './bstream.ts';
import { MAX_ABS_TIMESTAMP_MS } from './chunk.ts';
import { readTimestamps, writeTimestamps } from './timestamps.ts';
import { hex, prng } from './test-util.ts';

function encode(ts: number[], prefix: number[] = []): Uint8Array {
  const w = new BitWriter();
  for (const b of prefix) w.writeBits(b, 8);
  writeTimestamps(w, ts, ts.length);
  return w.bytes().slice();
}

function roundTrip(ts: number[], prefix: number[] = []): void {
  const bytes = encode(ts, prefix);
  expect(Array.from(bytes.subarray(0, prefix.length))).toEqual(prefix);
  const got = readTimestamps(bytes, prefix.length);
  expect(Array.from(got.ts)).toEqual(ts);
  expect(got.end).toBe(bytes.length);
}

describe('timestamp columns', () => {
  it('encodes 1000, 2000, 3000 as derived by hand', () => {
    //   03      n = 3;  d0 0f  t0 = 1000 (zigzag varint);  e8 07  Δ1 = 1000 (uvarint)
    //   dod 0 → zigzag 0, Rice k=0 → '0', padded to the byte → 00
    expect(hex(encode([1000, 2000, 3000]))).toBe('03d00fe80700');
    expect(hex(encode([-1]))).toBe('0101');
  });

  it.each<[string, number[]]>([
    ['one sample', [1_700_000_000_000]],
    ['two samples', [1_700_000_000_000, 1_700_000_015_000]],
    ['equal timestamps', [5, 5, 5, 6]],
    ['negative times', [-3_600_000, -1_800_000, 0, 1]],
    ['the limits', [-MAX_ABS_TIMESTAMP_MS, 0, MAX_ABS_TIMESTAMP_MS]],
    // Deltas and delta-of-deltas at varint and Rice-escape boundaries.
    ['Δ 127/128', [0, 127, 255, 256 + 127]],
    ['Δ 2^14', [0, 2 ** 14 - 1, 2 ** 15 - 1, 2 ** 15 + 2 ** 14]],
    ['Δ 2^21', [0, 2 ** 21 - 1, 2 ** 22 - 1, 2 ** 22 + 2 ** 21]],
    ['Δ 2^28 and 2^35', [0, 2 ** 28, 2 ** 29, 2 ** 29 + 2 ** 35, 2 ** 29 + 2 ** 36]],
    ['dod of ±2^40', [0, 1000, 2000 + 2 ** 40, 3000 + 2 ** 40, 4000 + 2 ** 40]],
  ])('round-trips %s, after a prefix of other bytes', (_name, ts) => {
    roundTrip(ts);
    roundTrip(ts, [0xff, 0x00, 0x7f]);
  });

  it.each([127, 128, 129, 16383, 16384, 65535])('round-trips %i regular and jittered samples', (n) => {
    const rnd = prng(n);
    const regular = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const jittered = regular.map((t) => t + Math.floor(rnd() * 5));
    roundTrip(regular);
    roundTrip(jittered);
  });

  it('costs 1 bit per regular sample', () => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 60_000);
    expect(encode(ts).length).toBe(1 + 6 + 3 + Math.ceil(118 / 8));
  });

  it.each<[string, number[], number]>([
    ['no samples', [], 0],
    ['65536 samples', Array.from({ length: 65536 }, (_, i) => i), 65536],
    ['a timestamp going back', [10, 9], 2],
    ['a fraction', [1.5], 1],
    ['a timestamp beyond 2^51', [0, 2 ** 51 + 2], 2],
  ])('rejects %s with RangeError', (_name, ts, n) => {
    expect(() => writeTimestamps(new BitWriter(), ts, n)).toThrow(RangeError);
  });

  it.each<[string, string]>([
    ['a count of 0', '00'],
    ['a truncated varint', '0280'],
    ['a column that ends early', '03d00fe807'],
    ['non-zero padding', '03d00fe80701'],
    ['a count above 65535', '808004'],
  ])('throws CorruptChunkError for %s', (_name, h) => {
    const bytes = Buffer.from(h, 'hex');
    expect(() => readTimestamps(bytes, 0)).toThrow(CorruptChunkError);
  });

  it('stops at the given end', () => {
    const bytes = encode([1000, 2000, 3000]);
    expect(() => readTimestamps(bytes, 0, bytes.length - 1)).toThrow(CorruptChunkError);
  });
});
