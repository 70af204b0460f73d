import { describe, expect, it } from 'vitest';
import { prng } from '../../model/prng.ts';
import { OrdinalLists } from './ordinal-lists.ts';

function readAll(lists: OrdinalLists, id: number): number[] {
  const out = new Uint32Array(lists.count(id));
  return [...out.subarray(0, lists.read(id, out))];
}

describe('OrdinalLists', () => {
  it('gives back interleaved lists as pushed, across blocks and arena pages', () => {
    const rnd = prng(7);
    const lists = new OrdinalLists();
    const want: number[][] = [];
    // 3000 lists grow the per-list arrays past their first 1024; 400k ordinals, about 1.5 MiB of varints and block links, fill more than one 1 MiB page.
    for (let i = 0; i < 3000; i++) {
      lists.add();
      want.push([]);
    }
    for (let ordinal = 0; ordinal < 400_000; ordinal++) {
      for (const id of [ordinal % 3, 3 + Math.floor(rnd() * 2997)]) {
        lists.push(id, ordinal);
        want[id].push(ordinal);
      }
    }
    for (let id = 0; id < want.length; id++) expect(readAll(lists, id), `list ${id}`).toEqual(want[id]);
  });

  it('keeps deltas of every varint length, up to the largest ordinal, and 0 as a first entry', () => {
    const lists = new OrdinalLists();
    const id = lists.add();
    const want = [0, 1, 128, 128 + 2 ** 14, 2 ** 21 + 5, 2 ** 28 + 1, 2 ** 31, 2 ** 32 - 1];
    for (const o of want) lists.push(id, o);
    expect(readAll(lists, id)).toEqual(want);
    expect(readAll(lists, lists.add())).toEqual([]);
  });

  it('refuses an ordinal that is not after the last, and a too-short out array', () => {
    const lists = new OrdinalLists();
    const id = lists.add();
    lists.push(id, 5);
    expect(() => lists.push(id, 5)).toThrow(/ordinal 5 is not after 5/);
    expect(() => lists.push(id, 4)).toThrow(RangeError);
    lists.push(id, 6);
    expect(() => lists.read(id, new Uint32Array(1))).toThrow(/holds 2 entries/);
    expect(readAll(lists, id)).toEqual([5, 6]);
  });
});
