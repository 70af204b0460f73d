import { describe, expect, it } from 'vitest';
import { parseExpr } from './parser.ts';
import { evalScalar } from './scalar.ts';

describe('evalScalar', () => {
  it.each<[string, number]>([
    ['1+1', 2],
    ['2 * 3 - 1', 5],
    ['2 ^ 3 ^ 2', 512], // right-associative
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['1 / 0', Infinity],
    ['1 ^ Inf', 1],
    ['(-1) ^ -Inf', 1],
    ['1 atan2 1', Math.PI / 4],
    ['2 > bool 1', 1],
    ['2 == bool 1', 0],
    ['NaN != bool NaN', 1],
    ['-(1 + 2)', -3],
    ['+5', 5],
  ])('%s = %d', (q, want) => {
    expect(evalScalar(parseExpr(q))).toBe(want);
  });

  it('yields NaN for 0/0', () => expect(evalScalar(parseExpr('0/0'))).toBeNaN());
});
