/** TopK keeps exactly what sorting everything and cutting would. */
import { describe, expect, it } from 'vitest';
import { prng } from '../chunkenc/test-util.ts';
import { TopK } from './cardinality.ts';

describe('TopK', () => {
  it.each([
    [1, 10],
    [10, 0],
    [10, 5],
    [10, 5000],
    [300, 5000],
    [100_000, 2000],
  ])('k=%i over %i offers with many ties', (k, n) => {
    const rnd = prng(k * 7919 + n);
    const all = Array.from({ length: n }, (_, i) => ({ name: `n${Math.floor(rnd() * n)}_${i}`, value: Math.floor(rnd() * 20) }));
    const top = new TopK(k);
    for (const e of all) top.offer(e.name, e.value);
    const want = [...all].sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, k);
    expect(top.result()).toEqual(want);
  });
});
