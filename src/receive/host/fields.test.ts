import { describe, expect, it } from 'vitest';
import { LineCursor, isUint, splitFields, toFloat, toUint } from './fields.ts';

describe('splitFields', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['a', ['a']],
    ['  eth0: 1  2\t3 ', ['eth0:', '1', '2', '3']],
    ['MemTotal:\t24683656 kB\r', ['MemTotal:', '24683656', 'kB']],
  ])('%j', (line, want) => {
    const out = ['stale'];
    expect(splitFields(line, out)).toBe(want.length);
    expect(out).toEqual(want);
  });
});

describe('LineCursor', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\n\nb\n', ['a', '', 'b']],
  ])('%j', (text, want) => {
    const c = new LineCursor(text);
    const got: string[] = [];
    for (let l = c.next(); l !== undefined; l = c.next()) got.push(l);
    expect(got).toEqual(want);
    expect(c.lineNo).toBe(want.length);
  });
});

describe('numbers as Go strconv reads them', () => {
  it.each([
    ['0', true], ['18446744073709551615', true], ['', false], ['-1', false], ['+1', false], ['1.0', false], ['1e3', false], [' 1', false],
  ])('isUint(%j) = %s', (s, ok) => {
    expect(isUint(s)).toBe(ok);
  });

  it('toUint rounds past 2^53 like float64(uint64)', () => {
    expect(toUint('18446744073709551615')).toBe(18446744073709551616);
    expect(toUint('x')).toBeUndefined();
  });

  it.each([
    ['1', 1], ['-2.5', -2.5], ['+.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-2', 0.01], ['0.000', 0],
    ['inf', Infinity], ['+Inf', Infinity], ['-infinity', -Infinity], ['NaN', NaN],
    ['', undefined], ['.', undefined], ['1e', undefined], ['0x10', undefined], ['1_000', undefined], ['12abc', undefined], ['infx', undefined],
  ])('toFloat(%j) = %s', (s, want) => {
    expect(toFloat(s)).toBe(want);
  });
});
