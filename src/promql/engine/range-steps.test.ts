import { describe, expect, it } from 'vitest';
import { RANGE_FUNCTIONS, type RangeWindow } from './range-functions.ts';
import { SLIDING_RATE_FUNCTIONS, slidingExtrapolatedRate } from './range-steps.ts';

/** A seeded series: irregular spacing (some steps see the same samples), counter resets, repeated values, NaN, ±Inf, negatives. */
function series(seed: number, n: number): { t: Float64Array; v: Float64Array } {
  let x = seed;
  const rnd = () => ((x = (x * 16807) % 2147483647) - 1) / 2147483646;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  let at = 1_000_000 + Math.floor(rnd() * 60_000);
  let c = rnd() * 100;
  for (let i = 0; i < n; i++) {
    at += 1 + Math.floor(rnd() < 0.1 ? rnd() * 600_000 : rnd() * 30_000);
    const r = rnd();
    c = r < 0.05 ? rnd() * 3 : r < 0.15 ? c : c + rnd() * 50;
    t[i] = at;
    v[i] = seed % 5 === 0 && i === n >> 1 ? NaN : c;
    // Some series go negative (gauges under delta, broken counters) and through ±Inf.
    if (seed % 3 === 0) v[i] -= 150;
    if (seed % 7 === 0 && i % 97 === 13) v[i] = i % 2 === 0 ? Infinity : -Infinity;
  }
  return { t, v };
}

/** The per-window function, step by step, as the evaluator's general path calls it. */
function perWindow(name: string, t: Float64Array, v: Float64Array, start: number, stepMs: number, offsetMs: number, steps: number, rangeMs: number): Array<number | undefined> {
  const w: RangeWindow = { t, v, st: null, lo: 0, hi: 0, rangeStart: 0, rangeEnd: 0, rangeMs, evalT: 0, overlap: false };
  const out: Array<number | undefined> = [];
  for (let i = 0; i < steps; i++) {
    const ref = start + i * stepMs - offsetMs;
    let lo = 0;
    while (lo < t.length && t[lo] <= ref - rangeMs) lo++;
    let hi = lo;
    while (hi < t.length && t[hi] <= ref) hi++;
    w.lo = lo;
    w.hi = hi;
    w.rangeStart = ref - rangeMs;
    w.rangeEnd = ref;
    out.push(hi === lo ? undefined : RANGE_FUNCTIONS[name](w, []));
  }
  return out;
}

describe('slidingExtrapolatedRate', () => {
  const cases: Array<[name: string, seed: number, stepMs: number, rangeMs: number, offsetMs: number]> = [];
  for (const name of SLIDING_RATE_FUNCTIONS.keys()) {
    for (let seed = 1; seed <= 12; seed++) {
      cases.push([name, seed, 15_000, 300_000, 0], [name, seed, 300_000, 300_000, 0], [name, seed, 60_000, 120_000, 90_000], [name, seed, 7_000, 1_000_000, -30_000]);
    }
  }
  it.each(cases)('%s seed %i step %i range %i offset %i: bit-identical to the per-window function', (name, seed, stepMs, rangeMs, offsetMs) => {
    const { t, v } = series(seed, 400);
    const start = t[0] - 100_000;
    const steps = Math.floor((t[t.length - 1] + 200_000 - start) / stepMs);
    const values = new Float64Array(steps);
    const present = new Uint8Array(steps);
    const { isCounter, isRate } = SLIDING_RATE_FUNCTIONS.get(name)!;
    const any = slidingExtrapolatedRate(t, v, start, stepMs, offsetMs, steps, rangeMs, isCounter, isRate, values, present);
    const want = perWindow(name, t, v, start, stepMs, offsetMs, steps, rangeMs);
    const got = Array.from(values, (x, i) => (present[i] === 1 ? x : undefined));
    // Object.is tells -0 from 0 and matches NaN; toEqual would do neither.
    for (let i = 0; i < steps; i++) if (!Object.is(got[i], want[i])) expect({ step: i, got: got[i] }).toEqual({ step: i, got: want[i] });
    expect(any).toBe(want.some((x) => x !== undefined));
  });
});
