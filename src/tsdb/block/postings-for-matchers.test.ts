/** Regex shapes, value selection (fast paths vs the regex on every value) and postings set operations. */
import { describe, expect, it } from 'vitest';
import { Matcher, type MatchType } from '../../model/matcher.ts';
import { prng } from '../chunkenc/test-util.ts';
import { analyzeRegex, valueIndices } from './postings-for-matchers.ts';
import { intersect, subtract, union } from '../postings-set.ts';

describe('analyzeRegex', () => {
  it.each<[string, ReturnType<typeof analyzeRegex>]>([
    ['abc', { kind: 'literals', literals: ['abc'] }],
    ['a|b|c', { kind: 'literals', literals: ['a', 'b', 'c'] }],
    ['a|', { kind: 'literals', literals: ['a', ''] }],
    ['', { kind: 'literals', literals: [''] }],
    ['(a|b)', { kind: 'literals', literals: ['a', 'b'] }],
    ['(?:a|b)', { kind: 'literals', literals: ['a', 'b'] }],
    ['host\\.example\\:9100|x\\|y', { kind: 'literals', literals: ['host.example:9100', 'x|y'] }],
    ['foo.*', { kind: 'prefix', prefix: 'foo' }],
    ['.*', { kind: 'prefix', prefix: '' }],
    ['a\\.b.*', { kind: 'prefix', prefix: 'a.b' }],
    ['(foo.*)', { kind: 'prefix', prefix: 'foo' }],
    ['/api/v1/.*', { kind: 'prefix', prefix: '/api/v1/' }],
    ['.+', null],
    ['foo.*bar', null],
    ['.*foo', null],
    ['a.*|b', null],
    ['foo.*?', null],
    ['a+', null],
    ['a?', null],
    ['[ab]', null],
    ['a{2}', null],
    ['\\d', null],
    ['\\w+', null],
    ['^a$', null],
    ['(a)|(b)', null],
    ['(a|(b))', null],
    ['a.b', null],
  ])('%j → %j', (src, want) => {
    expect(analyzeRegex(src)).toEqual(want);
  });
});

describe('valueIndices', () => {
  const rnd = prng(42);
  const alphabet = ['a', 'b', 'c', '.', '-', '/', 'x', '\n', 'é', '😀'];
  const values = [...new Set(Array.from({ length: 400 }, () => Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('')))].sort();
  const regexes = ['a', 'ab|ba|zz', 'a|', '(a|b|c)', '(?:x|\\.)', 'a.*', 'ab.*', '\\..*', '.*', '.+', '😀.*', 'é|😀', 'a.*b', '[ab]+', '.', '\n.*', 'x|y|', 'a\\-b|\\/'];
  const types: MatchType[] = ['=~', '!~'];
  const cases = regexes.flatMap((re) => types.map((t) => [t, re] as const));
  it.each(cases)('%s %j: the fast path selects what the regex selects', (type, re) => {
    const m = new Matcher(type, 'l', re);
    for (const want of [true, false]) {
      const slow = values.map((_, i) => i).filter((i) => m.matches(values[i]) === want);
      expect(valueIndices(values, m, want, true)).toEqual(slow);
      expect(valueIndices(values, m, want, false)).toEqual(slow);
    }
  });

  it.each<MatchType>(['=', '!='])('%s against present and absent values', (type) => {
    for (const v of [values[0], values[17], values[values.length - 1], 'not-there', '']) {
      const m = new Matcher(type, 'l', v);
      for (const want of [true, false]) expect(valueIndices(values, m, want)).toEqual(values.map((_, i) => i).filter((i) => m.matches(values[i]) === want));
    }
  });
});

describe('postings set operations', () => {
  const rnd = prng(7);
  const randomList = (n: number, max: number) => new Uint32Array([...new Set(Array.from({ length: n }, () => Math.floor(rnd() * max)))].sort((a, b) => a - b));
  const ref = {
    intersect: (a: Uint32Array, b: Uint32Array) => [...a].filter((x) => b.includes(x)),
    subtract: (a: Uint32Array, b: Uint32Array) => [...a].filter((x) => !b.includes(x)),
    union: (ls: Uint32Array[]) => [...new Set(ls.flatMap((l) => [...l]))].sort((a, b) => a - b),
  };
  it.each([
    [0, 10],
    [10, 0],
    [5, 5],
    [50, 3000],
    [3000, 50],
    [500, 500],
  ])('lists of %i and %i refs', (n1, n2) => {
    const a = randomList(n1, 4000);
    const b = randomList(n2, 4000);
    const c = randomList(100, 4000);
    expect([...intersect(a, b)]).toEqual(ref.intersect(a, b));
    expect([...subtract(a, b)]).toEqual(ref.subtract(a, b));
    expect([...union([a, b])]).toEqual(ref.union([a, b]));
    expect([...union([a, b, c])]).toEqual(ref.union([a, b, c]));
    expect([...union([])]).toEqual([]);
  });
});
