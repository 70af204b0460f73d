import { describe, expect, it } from 'vitest';
import { parseFloatRange, parseIntRange, parseSecondsToMs } from './number.ts';

const whole = (s: string, hex: boolean) => parseFloatRange(s, 0, s.length, hex);

describe('parseFloatRange', () => {
  it.each([
    ['1', 1],
    ['-1.5', -1.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['0000000000000000000000000000000000000000001.2e-1', 0.12],
    ['9223372036854775808', 9223372036854775808],
    ['NaN', NaN],
    ['nan', NaN],
    ['Inf', Infinity],
    ['+Inf', Infinity],
    ['-inf', -Infinity],
    ['+Infinity', Infinity],
    ['-INFINITY', -Infinity],
  ])('%s is %d in both formats', (s, v) => {
    expect(whole(s, true)).toBe(v);
    expect(whole(s, false)).toBe(v);
  });

  it.each([['0x1p-3', 0.125], ['0X1P-3', 0.125], ['-0x1.8p1', -3], ['0xAp0', 10]])('%s is Go hex float %d (text only)', (s, v) => {
    expect(whole(s, true)).toBe(v);
    expect(whole(s, false)).toBeUndefined();
  });

  it.each(['', '+', '-', '.', 'e3', '1e', '1e+', '1.1.1', '1_2', '0x1', '0b1', '0o1', '1z', ' 1', '1 ', 'Infin', '+NaN', 'blubb', '1\t'])(
    '%j is not a number',
    (s) => {
      expect(whole(s, true)).toBeUndefined();
      expect(whole(s, false)).toBeUndefined();
    },
  );

  it('reads only the given range', () => {
    expect(parseFloatRange('a 12.5 b', 2, 6, false)).toBe(12.5);
  });
});

describe('parseIntRange (text timestamps)', () => {
  it.each([['0', 0], ['1234567890', 1234567890], ['-2', -2], ['+3', 3]])('%s → %d', (s, v) => {
    expect(parseIntRange(s, 0, s.length)).toBe(v);
  });
  it.each(['', '-', '2.72', '1e3', '0x10', 'NaN'])('%j is rejected', (s) => {
    expect(parseIntRange(s, 0, s.length)).toBeUndefined();
  });
});

describe('parseSecondsToMs (OpenMetrics timestamps)', () => {
  it.each([
    ['0', 0],
    ['000', 0],
    ['0.0', 0],
    ['1.1', 1100],
    ['1.5e3', 1_500_000],
    ['1700215884.373', 1700215884373], // exact: no binary rounding
    ['1.726839814223908e+09', 1726839814223],
    ['0.0000000001', 0],
    ['-1.1', -1100],
    ['-0.0009', 0],
    ['1234567890', 1234567890000],
  ])('%s s → %d ms', (s, v) => {
    expect(parseSecondsToMs(s, 0, s.length)).toBe(v);
  });
  it.each(['', 'NaN', 'Inf', '-Inf', '0x1p-3', '1_2', '1.1.1', 'z'])('%j is rejected', (s) => {
    expect(parseSecondsToMs(s, 0, s.length)).toBeUndefined();
  });
});
