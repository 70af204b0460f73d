import { describe, expect, it } from 'vitest';
import { STALE_NAN, ValueType, isStaleNaN } from '../../model/value.ts';
import { DeltaChunk } from './delta.ts';
import { XorChunk } from './xor.ts';
import type { Chunk } from './chunk.ts';
import { hex, prng } from './test-util.ts';

function fill<C extends Chunk>(c: C, ts: ArrayLike<number>, vs: ArrayLike<number>): C {
  const app = c.appender();
  for (let i = 0; i < ts.length; i++) app.append(ts[i], vs[i]);
  return c;
}

function values(c: Chunk): number[] {
  const out: number[] = [];
  const it = c.iterator();
  while (it.next() !== ValueType.None) out.push(it.atV());
  return out;
}

const every15s = (n: number): number[] => Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15000);

describe('DeltaChunk', () => {
  it('encodes (1000,1) (2000,2) (3000,3) as derived by hand', () => {
    //   00 03  count;  10  mode: decimal, scale 0
    //   d0 0f  t0 = 1000 (zigzag varint);  02  N0 = 1 (zigzag varint)
    //   e8 07  t1: uvarint delta 1000
    //   v1: d = 1, predictor 0 (no history) → zigzag 2, Rice k=0 → '110'
    //   t2: dod 0 → zigzag 0, Rice k=0 → '0'
    //   v2: d = 1, both predictors cost 2 bits so far, zero wins ties → zigzag 2 → '110'
    //   → 110 0 110 + pad = cc
    expect(hex(fill(new DeltaChunk(), [1000, 2000, 3000], [1, 2, 3]).bytes())).toBe('00031 0d00f02e807cc'.replace(/ /g, ''));
  });

  it.each([
    ['integers', [1, 2, 3], 0x10],
    ['decimals with 2 digits', [0.5, 0.25, 12.75], 0x12],
    ['starting with a non-decimal', [1 / 3, 1, 2], 0x00],
    ['starting with NaN', [NaN, 1, 2], 0x00],
    ['starting with -0', [-0, 1, 2], 0x00],
    ['integers, then a non-decimal', [1, 2, Math.PI], 0x00],
    ['integers beyond 2^50', [1, 2, 2 ** 51], 0x00],
    ['integers with stale markers', [1, STALE_NAN, 2, Infinity, -0], 0x10],
  ])('picks the value mode for %s', (_name, vs, mode) => {
    const c = fill(new DeltaChunk(), every15s(vs.length), vs);
    expect(c.bytes()[2]).toBe(mode);
    expect(values(c).map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(vs.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
  });

  it('keeps the stale marker exact inside a decimal chunk', () => {
    // Filled one by one and read with atV() directly: JS array literals may canonicalise NaNs.
    const vs = new Float64Array(3);
    vs[0] = 1;
    vs[1] = STALE_NAN;
    vs[2] = 2;
    const c = fill(new DeltaChunk(), every15s(3), vs);
    expect(c.bytes()[2]).toBe(0x10);
    const it = c.iterator();
    it.next();
    it.next();
    expect(isStaleNaN(it.atV())).toBe(true);
    it.next();
    expect(it.atV()).toBe(2);
  });

  it('re-encodes at a larger scale when a value needs more digits', () => {
    const vs = [10, 11, 11.5, 11.25, 11.125, 0.001];
    const c = fill(new DeltaChunk(), every15s(vs.length), vs);
    expect(c.bytes()[2]).toBe(0x13);
    expect(values(c)).toEqual(vs);
  });

  it('round-trips seeded decimal random walks at every scale', () => {
    for (let scale = 0; scale <= 15; scale++) {
      const rnd = prng(scale + 100);
      const vs = new Float64Array(120);
      let n = Math.floor(rnd() * 1000);
      for (let i = 0; i < vs.length; i++) {
        n += Math.floor(rnd() * 21) - 10;
        vs[i] = n / 10 ** scale;
      }
      const c = fill(new DeltaChunk(), every15s(vs.length), vs);
      expect(values(c)).toEqual(Array.from(vs));
    }
  });

  it.each([
    ['constant', () => 7, 0.36],
    ['steady counter +15/scrape', (i: number) => 1000 + 15 * i, 0.5],
    ['histogram bucket, mostly unchanged', (i: number) => 100 + Math.floor(i / 10), 0.45],
  ])('compresses a regular %s series well below XOR', (_name, gen, maxBytesPerSample) => {
    const ts = every15s(120);
    const vs = ts.map((_, i) => gen(i));
    const delta = fill(new DeltaChunk(), ts, vs).bytes().length;
    const xor = fill(new XorChunk(), ts, vs).bytes().length;
    expect(delta / 120).toBeLessThan(maxBytesPerSample);
    expect(delta).toBeLessThanOrEqual(xor);
  });

  it('costs ~5 bits per timestamp under ±3 ms jitter, where XOR pays 16', () => {
    const rnd = prng(3);
    const ts = every15s(120).map((t) => t + Math.floor(rnd() * 7) - 3);
    const zeros = ts.map(() => 0);
    const delta = fill(new DeltaChunk(), ts, zeros).bytes().length;
    const xor = fill(new XorChunk(), ts, zeros).bytes().length;
    expect((delta * 8) / 120).toBeLessThan(7);
    expect((xor * 8) / 120).toBeGreaterThan(15);
  });

  it('escapes huge residuals and big gaps', () => {
    const ts = [0, 1, 2, 2 + 2 ** 45, 2 ** 46, 2 ** 46 + 1];
    const vs = [0, 2 ** 50, -(2 ** 50), 5, 2 ** 50, -(2 ** 50)];
    const c = fill(new DeltaChunk(), ts, vs);
    expect(c.bytes()[2]).toBe(0x10);
    const it = c.iterator();
    for (let i = 0; i < ts.length; i++) {
      expect(it.next()).toBe(ValueType.Float);
      expect([it.atT(), it.atV()]).toEqual([ts[i], vs[i]]);
    }
  });
});
