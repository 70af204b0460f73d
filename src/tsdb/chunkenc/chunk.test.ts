import { describe, expect, it } from 'vitest';
import { STALE_NAN, ValueType, isStaleNaN } from '../../model/value.ts';
import { CorruptChunkError } from './bstream.ts';
import { ChunkEncoding, MAX_ABS_TIMESTAMP_MS, type Chunk } from './chunk.ts';
import { chunkFromBytes, newChunk } from './factory.ts';
import { f64FromHex, hexOfF64, prng } from './test-util.ts';

/** One suite, run against every encoding. */
const ENCODINGS: Array<[string, ChunkEncoding]> = [
  ['XOR', ChunkEncoding.XOR],
  ['Delta', ChunkEncoding.Delta],
];

function fill(c: Chunk, ts: ArrayLike<number>, vs: ArrayLike<number>): Chunk {
  const app = c.appender();
  for (let i = 0; i < ts.length; i++) app.append(ts[i], vs[i]);
  return c;
}

function expectSamples(c: Chunk, ts: ArrayLike<number>, vs: ArrayLike<number>): void {
  expect(c.numSamples()).toBe(ts.length);
  const it = c.iterator();
  for (let i = 0; i < ts.length; i++) {
    expect(it.next()).toBe(ValueType.Float);
    expect(it.atT()).toBe(ts[i]);
    // Bit-exact, so NaN payloads and -0 count.
    if (hexOfF64(it.atV()) !== hexOfF64(vs[i])) expect(`${i}: ${hexOfF64(it.atV())}`).toBe(`${i}: ${hexOfF64(vs[i])}`);
  }
  expect(it.next()).toBe(ValueType.None);
  expect(it.next()).toBe(ValueType.None);
}

type Shape = (rnd: () => number, i: number, prev: number) => number;
const SHAPES: Array<[string, Shape]> = [
  ['random doubles', (r) => (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20)],
  ['integer counter', (r, i, p) => (i === 0 ? Math.floor(r() * 1e9) : p + Math.floor(r() * 100))],
  ['decimal gauge', (r) => Math.round(r() * 10000) / 100],
  ['mixed specials', (r, i, p) => {
    const x = r();
    if (x < 0.1) return STALE_NAN;
    if (x < 0.15) return NaN;
    if (x < 0.2) return Infinity;
    if (x < 0.25) return -Infinity;
    if (x < 0.3) return -0;
    if (x < 0.35) return f64FromHex('7ff8deadbeef0001');
    if (x < 0.6) return p + 1;
    return Math.floor(r() * 50);
  }],
  ['integers then doubles', (r, i) => (i < 60 ? i * 3 : r())],
  ['huge integers', (r) => Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1)],
  ['constant', () => 42],
];

describe.each(ENCODINGS)('%s chunk', (_name, encoding) => {
  it.each(SHAPES)('round-trips %s with irregular timestamps (seeded)', (_shape, gen) => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const n = 1 + Math.floor(rnd() * 240);
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      let t = Math.floor((rnd() - 0.5) * 2 ** 45);
      let v = 0;
      for (let i = 0; i < n; i++) {
        const x = rnd();
        // Mostly 15 s ± jitter; sometimes equal, tiny, or huge gaps (all dod buckets).
        t += x < 0.6 ? 15000 + Math.floor(rnd() * 7) - 3 : x < 0.7 ? 0 : x < 0.8 ? Math.floor(rnd() * 10) : x < 0.9 ? Math.floor(rnd() * 2 ** 20) : Math.floor(rnd() * 2 ** 40);
        ts[i] = t;
        v = gen(rnd, i, v);
        vs[i] = v;
      }
      expectSamples(fill(newChunk(encoding), ts, vs), ts, vs);
    }
  });

  it('keeps the stale marker, NaN payloads, ±Inf and -0 bit-exact', () => {
    // Bit patterns, filled into a Float64Array one by one: a JS array literal would let V8
    // canonicalise the NaNs (see storage/interface.ts).
    const bits = ['3ff0000000000000', '7ff0000000000002', '4000000000000000', '8000000000000000', '0000000000000000', '7ff0000000000000', 'fff0000000000000', '7ff8000000000000', 'fff0000000000001', '7ff8000000000001', '7ff0000000000002', '4008000000000000'];
    const vs = new Float64Array(bits.length);
    for (let i = 0; i < bits.length; i++) vs[i] = f64FromHex(bits[i]);
    vs[10] = STALE_NAN;
    const ts = bits.map((_, i) => 1000 * i);
    const c = fill(newChunk(encoding), ts, vs);
    expectSamples(c, ts, vs);
    const it = c.iterator();
    it.seek(1000);
    expect(isStaleNaN(it.atV())).toBe(true);
    it.seek(10000);
    expect(isStaleNaN(it.atV())).toBe(true);
    it.next();
    expect(isStaleNaN(it.atV())).toBe(false);
  });

  it('handles negative timestamps, the ±2^51 limits and large gaps', () => {
    const ts = [-MAX_ABS_TIMESTAMP_MS, -MAX_ABS_TIMESTAMP_MS + 1, -5, 0, 1, 2 ** 40, MAX_ABS_TIMESTAMP_MS];
    const vs = ts.map((_, i) => i * 1.5);
    expectSamples(fill(newChunk(encoding), ts, vs), ts, vs);
  });

  it('rejects bad timestamps without corrupting the chunk', () => {
    const c = newChunk(encoding);
    const app = c.appender();
    app.append(100, 1);
    expect(() => app.append(99, 2)).toThrow(RangeError);
    expect(() => app.append(100.5, 2)).toThrow(RangeError);
    expect(() => app.append(NaN, 2)).toThrow(RangeError);
    expect(() => app.append(2 ** 52, 2)).toThrow(RangeError);
    app.append(100, 3); // equal timestamps are the head's business, the chunk accepts them
    expectSamples(c, [100, 100], [1, 3]);
  });

  it('seeks like Prometheus: first sample at or after t, never backwards, None when exhausted', () => {
    const ts = [10, 20, 30, 40];
    const c = fill(newChunk(encoding), ts, [1, 2, 3, 4]);
    const cases: Array<[number[], number | null]> = [
      [[5], 10],
      [[10], 10],
      [[11], 20],
      [[40], 40],
      [[41], null],
      [[30, 15], 30], // never moves backwards
      [[25, 25], 30],
    ];
    for (const [seeks, want] of cases) {
      const it = c.iterator();
      let got: ValueType = ValueType.None;
      for (const s of seeks) got = it.seek(s);
      expect(got === ValueType.None ? null : it.atT()).toBe(want);
    }
    const it = c.iterator();
    expect(it.next()).toBe(ValueType.Float);
    expect(it.seek(5)).toBe(ValueType.Float); // already past: stays on 10
    expect(it.atT()).toBe(10);
    expect(it.seek(40)).toBe(ValueType.Float);
    expect(it.atV()).toBe(4);
    expect(it.next()).toBe(ValueType.None);
    expect(it.seek(0)).toBe(ValueType.None);
    expect(newChunk(encoding).iterator().seek(0)).toBe(ValueType.None);
  });

  it('gives iterators a snapshot: later appends are not seen', () => {
    const c = newChunk(encoding);
    const app = c.appender();
    for (let i = 0; i < 50; i++) app.append(i * 1000, i);
    const it = c.iterator();
    for (let i = 50; i < 300; i++) app.append(i * 1000, i + 0.25); // grows the buffer and re-encodes (delta)
    let n = 0;
    while (it.next() !== ValueType.None) expect(it.atV()).toBe(n++);
    expect(n).toBe(50);
  });

  it('reloads from bytes and continues appending to the same bytes', () => {
    const rnd = prng(7);
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 120; i++) {
      ts.push(1_700_000_000_000 + i * 15000 + Math.floor(rnd() * 5));
      vs.push(i < 100 ? Math.floor(rnd() * 10) : rnd());
    }
    const whole = fill(newChunk(encoding), ts, vs);
    for (const cut of [1, 2, 3, 60, 100, 119]) {
      const part = fill(newChunk(encoding), ts.slice(0, cut), vs.slice(0, cut));
      const loaded = chunkFromBytes(encoding, part.bytes().slice());
      expect(loaded.encoding).toBe(encoding);
      fill(loaded, ts.slice(cut), vs.slice(cut));
      expect(Buffer.from(loaded.bytes()).equals(Buffer.from(whole.bytes()))).toBe(true);
    }
  });

  it('reuses an iterator of its own kind', () => {
    const a = fill(newChunk(encoding), [1, 2], [1, 2]);
    const b = fill(newChunk(encoding), [5], [7]);
    const it = a.iterator();
    it.next();
    expect(b.iterator(it)).toBe(it);
    expect(it.next()).toBe(ValueType.Float);
    expect([it.atT(), it.atV()]).toEqual([5, 7]);
    expect(it.next()).toBe(ValueType.None);
  });

  it('throws CorruptChunkError for truncated bytes', () => {
    const c = fill(newChunk(encoding), [1000, 2000, 3000], [1.5, 2.25, 3.125]);
    const bytes = c.bytes();
    expect(() => chunkFromBytes(encoding, bytes.subarray(0, 1))).toThrow(CorruptChunkError);
    const it = chunkFromBytes(encoding, bytes.subarray(0, bytes.length - 2)).iterator();
    expect(() => {
      while (it.next() !== ValueType.None);
    }).toThrow(CorruptChunkError);
  });
});

describe('factory', () => {
  it('rejects unknown encodings', () => {
    expect(() => chunkFromBytes(0, new Uint8Array(4))).toThrow(CorruptChunkError);
    expect(() => chunkFromBytes(2, new Uint8Array(4))).toThrow(/0x2/);
    expect(() => newChunk(9 as ChunkEncoding)).toThrow(RangeError);
  });

  it('keeps Prometheus’ value for XOR and a non-clashing byte for Delta', () => {
    expect(ChunkEncoding.XOR).toBe(1);
    expect(ChunkEncoding.Delta & 0x80).toBe(0);
    expect(ChunkEncoding.Delta).toBeGreaterThan(3);
    expect(newChunk(ChunkEncoding.Delta).encoding).toBe(ChunkEncoding.Delta);
  });
});
