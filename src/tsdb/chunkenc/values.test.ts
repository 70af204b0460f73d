import { describe, expect, it } from 'vitest';
import { STALE_NAN, ValueType } from '../../model/value.ts';
import { BitReader, BitWriter, CorruptChunkError, unzigzag } from './bstream.ts';
import { DeltaPredictor, POW10 } from './delta.ts';
import { floatFromBits } from './float-bits.ts';
import { RICE_MAX_Z, RiceState, readRice } from './rice.ts';
import { XorValueState, readXorValue } from './xor.ts';
import { VALUES_CONST, VALUES_CONST_DECIMAL, VALUES_DECIMAL, VALUES_FLOAT, ValuesIterator, checkValuesHeader, decodeValues, writeValues } from './values.ts';
import { f64FromHex, hex, hexOfF64, prng } from './test-util.ts';

function encode(vs: number[], prefix: number[] = []): Uint8Array {
  const w = new BitWriter();
  for (const b of prefix) w.writeBits(b, 8);
  writeValues(w, Float64Array.from(vs), vs.length);
  return w.bytes().slice();
}

function decode(bytes: Uint8Array, ts: Float64Array, it = new ValuesIterator()): Array<[number, string]> {
  it.reset(ts, bytes);
  const out: Array<[number, string]> = [];
  while (it.next() !== ValueType.None) out.push([it.atT(), hexOfF64(it.atV())]);
  return out;
}

function roundTrip(vs: number[]): Uint8Array {
  const ts = Float64Array.from(vs, (_, i) => 1000 * i);
  const bytes = encode(vs);
  expect(decode(bytes, ts)).toEqual(vs.map((v, i) => [1000 * i, hexOfF64(v)]));
  const prefixed = encode(vs, [0xab, 0xcd]);
  expect(hex(prefixed.subarray(0, 2))).toBe('abcd');
  expect(hex(prefixed.subarray(2))).toBe(hex(bytes));
  return bytes;
}

const NAN_PAYLOAD = f64FromHex('7ff8000000000bad');

describe('value streams', () => {
  it('encodes 1, 2, 3 as derived by hand', () => {
    //   10  decimal, scale 0;  02  N0 = 1 (zigzag varint)
    //   v1: d = 1, predictor 0 → zigzag 2, Rice k=0 → '110'; v2: the same → '110' → 1101 1000 = d8
    expect(hex(encode([1, 2, 3]))).toBe('1002d8');
  });

  const withSpecials = Array.from({ length: 100 }, (_, i) => (i % 20 === 10 ? [STALE_NAN, Infinity, -0, -Infinity, NAN_PAYLOAD][(i / 20) | 0] : i));
  it.each<[string, number[], number | null]>([
    ['integers', [1, 2, 3, 5], VALUES_DECIMAL],
    ['decimals with 2 digits', [0.5, 0.25, 12.75], VALUES_DECIMAL | 2],
    ['a constant', [7, 7, 7], VALUES_CONST_DECIMAL],
    ['a constant decimal', [2.5, 2.5], VALUES_CONST_DECIMAL | 1],
    ['a constant NaN payload', [NAN_PAYLOAD, NAN_PAYLOAD], VALUES_CONST],
    ['a constant -0', [-0, -0], VALUES_CONST],
    ['one value', [42], VALUES_CONST_DECIMAL],
    ['starting with a non-decimal', [1 / 3, 1, 2], VALUES_FLOAT],
    ['starting with NaN', [NaN, 1, 2], VALUES_FLOAT],
    ['starting with -0', [-0, 1, 2], VALUES_FLOAT],
    ['integers, then a non-decimal', [1, 2, Math.PI], VALUES_FLOAT],
    ['integers beyond 2^50', [1, 2, 2 ** 51], VALUES_FLOAT],
    ['integers with stale markers and specials', withSpecials, VALUES_DECIMAL],
    ['few integers with specials (cheaper as floats)', [1, STALE_NAN, 2, Infinity, -0, -Infinity, NAN_PAYLOAD, 3], VALUES_FLOAT],
    ['integers around ±2^50', [2 ** 50, -(2 ** 50), 0, 2 ** 50 - 1], null],
  ])('round-trips %s bit for bit and picks the mode', (_name, vs, mode) => {
    const bytes = roundTrip(vs);
    if (mode !== null) expect(bytes[0]).toBe(mode);
  });

  it.each([1, 127, 128, 129, 16383, 16384, 65535])('round-trips %i values of every kind', (n) => {
    const rnd = prng(n);
    let counter = 0;
    const kinds: Array<(i: number) => number> = [
      () => (counter += Math.floor(rnd() * 300)), // counter
      () => Math.round(rnd() * 1e6) / 1e3, // 3-digit gauge
      () => rnd() * 100, // raw doubles
      (i) => (i % 37 === 5 ? STALE_NAN : i * 0.25), // staleness markers in a decimal series
      (i) => 2 ** (i % 60) * (i % 2 ? -1 : 1), // large magnitudes
    ];
    for (const f of kinds) roundTrip(Array.from({ length: n }, (_, i) => f(i)));
  });

  it('keeps the smaller of decimal and float coding for many-digit gauges', () => {
    const rnd = prng(3);
    const vs = Array.from({ length: 120 }, () => 0.01 + Math.round(rnd() * 5e12) / 1e15);
    const bytes = roundTrip(vs);
    const w = new BitWriter();
    writeValues(w, Float64Array.from(vs), vs.length);
    expect(bytes.length).toBe(w.byteLength);
    expect(bytes.length).toBeLessThanOrEqual(8 + (120 * 64) / 8);
  });

  it('costs one byte or two for constant chunks and a bit per unchanged integer', () => {
    expect(encode(Array(120).fill(0)).length).toBe(2);
    expect(encode(Array(120).fill(1.5)).length).toBe(2);
    const steps = Array.from({ length: 120 }, (_, i) => (i < 60 ? 10 : 11));
    expect(encode(steps).length).toBeLessThanOrEqual(1 + 1 + Math.ceil(124 / 8));
  });

  it('decodes any range in bulk into any place of an array, bit for bit', () => {
    const rnd = prng(5);
    const streams = [
      Array.from({ length: 130 }, (_, i) => i * 3 + (i % 7)),
      Array.from({ length: 130 }, (_, i) => (i % 9 === 4 ? NAN_PAYLOAD : i % 11 === 2 ? STALE_NAN : i * 0.5)),
      Array.from({ length: 130 }, () => rnd() * 1e6),
      Array(130).fill(NAN_PAYLOAD),
      Array(130).fill(0.25),
    ];
    for (const vs of streams) {
      const bytes = encode(vs);
      for (let round = 0; round < 20; round++) {
        const from = Math.floor(rnd() * 130);
        const to = from + Math.floor(rnd() * (131 - from));
        const out = new Float64Array(to - from + 3).fill(-1);
        decodeValues(bytes, vs.length, from, to, out, 2);
        expect(Array.from(out.subarray(2, 2 + to - from), hexOfF64)).toEqual(vs.slice(from, to).map(hexOfF64));
        expect([out[0], out[1], out[out.length - 1]]).toEqual([-1, -1, -1]);
      }
    }
    expect(() => decodeValues(encode([1, 2]), 2, 0, 3, new Float64Array(3), 0)).toThrow(RangeError);
  });

  it('reuses an iterator and seeks', () => {
    const it = new ValuesIterator();
    const ts = Float64Array.of(10, 20, 30, 40);
    expect(decode(encode([1, 2, 3, 4]), ts, it).length).toBe(4);
    it.reset(ts, encode([5, 5, 5, 5]));
    expect(it.seek(25)).toBe(ValueType.Float);
    expect([it.atT(), it.atV()]).toEqual([30, 5]);
    expect(it.seek(5)).toBe(ValueType.Float);
    expect(it.atT()).toBe(30);
    expect(it.seek(41)).toBe(ValueType.None);
    expect(it.next()).toBe(ValueType.None);
  });

  it.each<[string, string]>([
    ['an empty stream', ''],
    ['an unknown mode', '40'],
    ['float mode with scale bits', '01'],
    ['constant mode with scale bits', '2f'],
  ])('rejects %s', (_name, h) => {
    expect(() => checkValuesHeader(Buffer.from(h, 'hex'))).toThrow(CorruptChunkError);
  });

  it('throws CorruptChunkError for a stream that ends before its timestamps do', () => {
    const bytes = encode([1, 2, 3]);
    const it = new ValuesIterator(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), bytes);
    expect(() => {
      while (it.next() !== ValueType.None);
    }).toThrow(CorruptChunkError);
  });

  it('rejects bad input', () => {
    expect(() => writeValues(new BitWriter(), new Float64Array(0), 0)).toThrow(RangeError);
    const w = new BitWriter();
    w.writeBit(1);
    expect(() => writeValues(w, Float64Array.of(1), 1)).toThrow(RangeError);
  });
});

/**
 * decodeValues as it was written first, sample by sample through BitReader, RiceState,
 * DeltaPredictor and readXorValue: the reference the inlined loops must agree with bit for bit,
 * including where a damaged stream makes them throw.
 */
function referenceDecode(bytes: Uint8Array, n: number): string[] {
  checkValuesHeader(bytes);
  const out: string[] = [];
  const mode = bytes[0];
  const kind = mode & 0xf0;
  const pow = POW10[mode & 0x0f];
  const r = new BitReader(bytes, 1, bytes.length);
  if (kind === VALUES_CONST) {
    const v = floatFromBits(r.readBits(32), r.readBits(32));
    return Array.from({ length: n }, () => hexOfF64(v));
  }
  if (kind === VALUES_CONST_DECIMAL) {
    const v = r.readVarint() / pow;
    return Array.from({ length: n }, () => hexOfF64(v));
  }
  if (kind === VALUES_FLOAT) {
    const xs = new XorValueState();
    xs.reset(false);
    for (let i = 0; i < n; i++) {
      if (i === 0) {
        xs.hi = r.readBits(32);
        xs.lo = r.readBits(32);
      } else {
        readXorValue(r, xs);
      }
      out.push(hexOfF64(floatFromBits(xs.hi, xs.lo)));
    }
    return out;
  }
  const rice = new RiceState();
  const p = new DeltaPredictor();
  p.reset(r.readVarint());
  out.push(hexOfF64(p.last / pow));
  for (let i = 1; i < n; i++) {
    const z = readRice(r, rice);
    // A residual no writer codes (past 2^53, or NaN from a Rice parameter of 64 bits or more).
    if (!(z <= RICE_MAX_Z)) throw new CorruptChunkError(`residual ${z}`);
    if (z < 0) {
      out.push(hexOfF64(floatFromBits(r.readBits(32), r.readBits(32))));
      continue;
    }
    p.update(unzigzag(z) + p.predict());
    out.push(hexOfF64(p.last / pow));
  }
  return out;
}

function bulk(bytes: Uint8Array, n: number): string[] {
  const out = new Float64Array(n);
  decodeValues(bytes, n, 0, n, out, 0);
  return Array.from(out, hexOfF64);
}

function outcome(f: () => string[]): string[] | 'corrupt' {
  try {
    return f();
  } catch (err) {
    if (err instanceof CorruptChunkError) return 'corrupt';
    throw err;
  }
}

describe('decodeValues, the bulk decoder', () => {
  const rnd = prng(11);
  // Every path of the loops: small and large residuals (the int32 loop hands over to the
  // safe-integer one past 2^29), Rice parameters past 32 bits, long escapes, raw floats.
  const kinds: Array<[string, (i: number, prev: number) => number]> = [
    ['a fast counter', (_i, p) => p + Math.floor(300 + rnd() * 600)],
    ['a slow counter', (_i, p) => p + Math.floor(rnd() * 3)],
    ['a steady rate', (i) => 1000 + 37 * i],
    ['jumps beyond 2^29', (i, p) => (i % 17 === 3 ? p + 2 ** 40 : p + (i % 5))],
    ['huge steady steps', (_i, p) => p + 2 ** 33 + Math.floor(rnd() * 2 ** 31)],
    ['values near ±2^50', (i) => (i % 2 ? 1 : -1) * (2 ** 50 - Math.floor(rnd() * 1000))],
    ['decimals with stale markers', (i, p) => (i % 13 === 7 ? STALE_NAN : Math.round((Number.isNaN(p) ? 0 : p) * 100 + rnd() * 50) / 100)],
    ['a gauge of 6 digits', () => Math.round(rnd() * 1e9) / 1e6],
    ['raw doubles', () => rnd() * 1e6 - 5e5],
    ['doubles of every magnitude', (i) => (rnd() - 0.5) * 2 ** ((i % 200) - 100)],
    ['specials', (i) => [NaN, Infinity, -Infinity, -0, 0, 1, NAN_PAYLOAD][i % 7]],
  ];
  it.each(kinds)('agrees with the sample-by-sample reference on %s', (_name, gen) => {
    for (const n of [1, 2, 5, 120, 1000]) {
      const vs: number[] = [];
      let prev = 0;
      for (let i = 0; i < n; i++) vs.push((prev = gen(i, prev)));
      const bytes = encode(vs);
      expect(bulk(bytes, n)).toEqual(referenceDecode(bytes, n));
      expect(bulk(bytes, n)).toEqual(vs.map(hexOfF64));
    }
  });

  it('agrees with the reference on damaged streams: the same values, or both CorruptChunkError', () => {
    let corrupt = 0;
    for (const [, gen] of kinds) {
      for (let round = 0; round < 40; round++) {
        const n = 1 + Math.floor(rnd() * 150);
        const vs: number[] = [];
        let prev = 0;
        for (let i = 0; i < n; i++) vs.push((prev = gen(i, prev)));
        const bytes = encode(vs);
        const bad = bytes.slice(0, rnd() < 0.3 ? Math.max(1, Math.floor(rnd() * bytes.length)) : bytes.length);
        for (let f = 0; f < 3; f++) bad[1 + Math.floor(rnd() * Math.max(1, bad.length - 1)) - (bad.length === 1 ? 1 : 0)] ^= 1 << Math.floor(rnd() * 8);
        bad[0] = bytes[0];
        const want = outcome(() => referenceDecode(bad, n));
        expect(outcome(() => bulk(bad, n))).toEqual(want);
        if (want === 'corrupt') corrupt++;
      }
    }
    expect(corrupt).toBeGreaterThan(20);
  });
});
