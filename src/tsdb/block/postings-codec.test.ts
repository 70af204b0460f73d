/** Postings lists of index v2: both forms round-trip, the smaller is chosen, bad bytes are rejected. */
import { describe, expect, it } from 'vitest';
import { prng } from '../chunkenc/test-util.ts';
import { DecodeError, Encbuf } from './encoding.ts';
import { POSTINGS_BITMAP, POSTINGS_RUNS, decodePostings, encodePostings, filterByPostings, postingsCount } from './postings-codec.ts';
import { intersect, subtract } from '../postings-set.ts';

function encode(ords: number[], prefix: number[] = []): Buffer {
  const e = new Encbuf(16);
  for (const b of prefix) e.putByte(b);
  const n = encodePostings(e, ords, ords.length);
  expect(n).toBe(e.length - prefix.length);
  return Buffer.from(e.bytes());
}

function roundTrip(ords: number[], numSeries = (ords[ords.length - 1] ?? 0) + 1): Buffer {
  const prefix = [0xaa, 0xbb];
  const bytes = encode(ords, prefix);
  expect(Array.from(bytes.subarray(0, 2))).toEqual(prefix);
  expect(Array.from(decodePostings(bytes, 2, bytes.length, numSeries))).toEqual(ords);
  return bytes.subarray(2);
}

const range = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

describe('postings lists', () => {
  it('encodes runs, singles and repeats as derived by hand', () => {
    // 00 count=7 · run gap 3, length 4 (4·3+1 = 0d, 4-2 = 02) · single gap 23 (4·23 = 5c) ·
    // 2 more copies of it (4·1+2 = 06)
    expect(roundTrip([3, 4, 5, 6, 30, 54, 78]).toString('hex')).toBe('00070d02' + '5c' + '06');
  });

  it.each<[string, number[]]>([
    ['one entry', [0]],
    ['one entry far out', [2 ** 32 - 2]],
    ['every series', range(0, 1000)],
    ['every 15th series', range(7, 500, 15)],
    ['runs of 15 every 255', range(0, 80).flatMap((k) => range(k * 255 + 30, 15))],
    ['gaps at varint boundaries', [127, 256, 256 + 2 ** 14 + 1, 2 ** 21 + 2 ** 14 + 3, 2 ** 28 + 2 ** 21 + 2 ** 14 + 5]],
    ['runs at varint boundaries', [...range(0, 129), ...range(300, 2 ** 14 + 2), ...range(2 ** 15, 2)]],
    ['long repeats', range(0, 20000, 3)],
  ])('round-trips %s', (_name, ords) => {
    roundTrip(ords);
    roundTrip(ords, ords[ords.length - 1] + 1000);
  });

  it('round-trips random lists of every density', () => {
    const rnd = prng(42);
    for (const density of [0.001, 0.05, 0.3, 0.7, 0.99]) {
      const ords: number[] = [];
      for (let i = 0; i < 20000; i++) if (rnd() < density) ords.push(i);
      if (ords.length > 0) roundTrip(ords, 20000);
    }
  });

  it('keeps the smaller form: runs for regular lists, a bitmap for dense irregular ones', () => {
    expect(roundTrip(range(0, 100000))[0]).toBe(POSTINGS_RUNS);
    expect(roundTrip(range(0, 100000)).length).toBeLessThanOrEqual(8);
    expect(roundTrip(range(3, 5520, 15)).length).toBeLessThanOrEqual(8);
    const rnd = prng(7);
    const dense = range(0, 10000).filter(() => rnd() < 0.5);
    const bytes = roundTrip(dense, 10000);
    expect(bytes[0]).toBe(POSTINGS_BITMAP);
    expect(bytes.length).toBeLessThanOrEqual(1 + 3 + 1 + 1250);
  });

  it.each<[string, string, number]>([
    ['an unknown kind', '0201000000', 10],
    ['a count of 0', '0000', 10],
    ['a count above the series', '000b0000', 10],
    ['entries beyond the series', '00020c02', 4],
    ['a run beyond its count', '00020104', 100],
    ['a repeat before any element', '000102', 10],
    ['trailing bytes', '00010000', 10],
    ['a list that ends early', '00030000', 10],
    ['a bitmap with fewer entries than its count', '01030003', 10],
    ['a bitmap with more entries than its count', '01010003', 10],
    ['a bitmap not starting at its first entry', '01010002', 10],
    ['a bitmap with a zero last byte', '0101000100', 20],
    ['a bitmap beyond the series', '010205' + '09', 6],
  ])('rejects %s', (_name, h, numSeries) => {
    const b = Buffer.from(h, 'hex');
    expect(() => decodePostings(b, 0, b.length, numSeries)).toThrow(DecodeError);
  });

  describe('filterByPostings: candidates in (or not in) a list, read in its encoded form', () => {
    const rnd = prng(11);
    const lists: Array<[string, number[]]> = [
      ['one entry', [5]],
      ['every 15th series (repeats)', range(7, 1600, 15)],
      ['runs of 15 every 255', range(0, 80).flatMap((k) => range(k * 255 + 30, 15))],
      ['runs then singles', [...range(0, 40), 100, 103, 106, 109, 500, ...range(600, 30, 2)]],
      ['a dense irregular list (bitmap)', range(0, 20000).filter(() => rnd() < 0.5)],
      ['a sparse irregular list', range(0, 20000).filter(() => rnd() < 0.01)],
    ];
    const numSeries = 25000;
    const candidateSets = [
      range(0, numSeries),
      range(3, 400, 61),
      range(0, numSeries).filter(() => rnd() < 0.02),
      [0],
      [numSeries - 1],
      range(20100, 50),
    ];
    it.each(lists)('%s: same as decoding and intersecting or subtracting', (_name, ords) => {
      const bytes = encode(ords);
      const decoded = decodePostings(bytes, 0, bytes.length, numSeries);
      expect(postingsCount(bytes, 0, bytes.length)).toBe(ords.length);
      for (const cs of candidateSets) {
        const c = Uint32Array.from(cs);
        expect(Array.from(filterByPostings(bytes, 0, bytes.length, numSeries, c, true))).toEqual(Array.from(intersect(c, decoded)));
        expect(Array.from(filterByPostings(bytes, 0, bytes.length, numSeries, c, false))).toEqual(Array.from(subtract(c, decoded)));
      }
    });

    it.each<[string, string, number]>([
      ['an unknown kind', '0201000000', 10],
      ['a count above the series', '000b0000', 10],
      ['entries beyond the series', '00020c02', 4],
      ['a run beyond its count', '00020104', 100],
      ['a repeat before any element', '000102', 10],
      ['a bitmap not starting at its first entry', '01010002', 10],
    ])('rejects %s in what it reads', (_name, h, numSeries) => {
      const b = Buffer.from(h, 'hex');
      // A candidate past every entry makes it read the whole list.
      expect(() => filterByPostings(b, 0, b.length, numSeries, Uint32Array.from([0, numSeries - 1, 2 ** 32 - 1]), true)).toThrow(DecodeError);
    });
  });

  it('rejects an empty list when encoding', () => {
    expect(() => encodePostings(new Encbuf(), [], 0)).toThrow(RangeError);
  });
});
