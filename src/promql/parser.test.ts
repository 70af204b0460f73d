import { describe, expect, it } from 'vitest';
import type { Expr } from './ast.ts';
import { ParseError, UnsupportedExpressionError } from './errors.ts';
import { parseExpr, parseMetricSelector } from './parser.ts';

/** A compact view of an expression for table tests. */
function show(e: Expr): unknown {
  switch (e.type) {
    case 'VectorSelector':
      return { sel: e.matchers.map(String), name: e.name, offsetMs: e.offsetMs, at: e.at };
    case 'NumberLiteral':
      return { num: e.value };
    case 'StringLiteral':
      return { str: e.value };
    case 'BinaryExpr':
      return { bin: e.op, bool: e.returnBool, lhs: show(e.lhs), rhs: show(e.rhs) };
    case 'UnaryExpr':
      return { unary: e.op, expr: show(e.expr) };
  }
}

describe('parseExpr: accepted', () => {
  it.each<[string, unknown]>([
    ['up', { sel: ['__name__="up"'], name: 'up', offsetMs: 0, at: null }],
    ['up{job="api",code=~"5..",x!="",y!~"a|b"}', { sel: ['__name__="up"', 'job="api"', 'code=~"5.."', 'x!=""', 'y!~"a|b"'], name: 'up', offsetMs: 0, at: null }],
    ['{"my.metric"}', { sel: ['__name__="my.metric"'], name: 'my.metric', offsetMs: 0, at: null }],
    ['{"my.metric", "a.b"="c"}', { sel: ['__name__="my.metric"', 'a.b="c"'], name: 'my.metric', offsetMs: 0, at: null }],
    ['{__name__=~"up|down"}', { sel: ['__name__=~"up|down"'], name: '', offsetMs: 0, at: null }],
    ['{job="a"}', { sel: ['job="a"'], name: '', offsetMs: 0, at: null }],
    ['up offset 5m', { sel: ['__name__="up"'], name: 'up', offsetMs: 300_000, at: null }],
    ['up offset -1h30m', { sel: ['__name__="up"'], name: 'up', offsetMs: -5_400_000, at: null }],
    ['up @ 1700000000.5', { sel: ['__name__="up"'], name: 'up', offsetMs: 0, at: { kind: 'time', t: 1700000000_500 } }],
    ['up @ 100 offset 1m', { sel: ['__name__="up"'], name: 'up', offsetMs: 60_000, at: { kind: 'time', t: 100_000 } }],
    ['up offset 1m @ end()', { sel: ['__name__="up"'], name: 'up', offsetMs: 60_000, at: { kind: 'end' } }],
    ['up @ start()', { sel: ['__name__="up"'], name: 'up', offsetMs: 0, at: { kind: 'start' } }],
    ['(up)', { sel: ['__name__="up"'], name: 'up', offsetMs: 0, at: null }],
    ['up{job=`raw\\d`}', { sel: ['__name__="up"', 'job="raw\\\\d"'], name: 'up', offsetMs: 0, at: null }],
    ["up{job='it\\'s'}", { sel: ['__name__="up"', 'job="it\'s"'], name: 'up', offsetMs: 0, at: null }],
    ['1', { num: 1 }],
    ['-2.5', { num: -2.5 }],
    ['0x1f', { num: 31 }],
    ['1e3', { num: 1000 }],
    ['Inf', { num: Infinity }],
    ['-inf', { num: -Infinity }],
    ['5m', { num: 300 }],
    ['"a\\tb\\u00e9"', { str: 'a\tb\u00e9' }],
    ['`x\\n`', { str: 'x\\n' }],
    ['1+1', { bin: '+', bool: false, lhs: { num: 1 }, rhs: { num: 1 } }],
    ['2 > bool 1', { bin: '>', bool: true, lhs: { num: 2 }, rhs: { num: 1 } }],
    ['-(2)', { unary: '-', expr: { num: 2 } }],
    ['1 atan2 2', { bin: 'atan2', bool: false, lhs: { num: 1 }, rhs: { num: 2 } }],
  ])('%s', (q, want) => {
    expect(show(parseExpr(q))).toEqual(want);
  });

  it('parses NaN', () => {
    const e = parseExpr('NaN');
    expect(e.type === 'NumberLiteral' && Number.isNaN(e.value)).toBe(true);
  });
});

describe('parseExpr: errors', () => {
  it.each<[string, string]>([
    ['', '1:1: parse error: no expression found in input'],
    ['   ', '1:1: parse error: no expression found in input'],
    ['up{', '1:4: parse error: unexpected end of input inside braces'],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    ['{a=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['up{__name__="x"}', '1:1: parse error: metric name must not be set twice: "up" or "x"'],
    ['up offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
    ['up @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
    ['1 offset 5m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['up{a=~"("}', '1:4: parse error: invalid regular expression "(" for label a'],
    ['up\n  {', '2:4: parse error: unexpected end of input inside braces'],
    ['1 > 2', '1:1: parse error: comparisons between scalars must use BOOL modifier'],
    ['1 and 2', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
    ['1 + bool 2', '1:1: parse error: bool modifier can only be used on comparison operators'],
    ['1 + on(a) 2', '1:1: parse error: vector matching only allowed between instant vectors'],
    ['"a" + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
    ['-"a"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector'],
  ])('%j → %s', (q, msg) => {
    const err = (() => {
      try {
        parseExpr(q);
      } catch (e) {
        return e;
      }
      throw new Error('parsed');
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).code).toBe('bad_data');
    expect((err as Error).message).toBe(msg);
  });
});

describe('parseExpr: valid but unsupported in this version', () => {
  it.each<[string, string]>([
    ['up + 1', '1:1: unsupported in this version of Pharos: binary expression with an instant vector operand'],
    ['sum(up)', '1:1: unsupported in this version of Pharos: aggregation'],
    ['rate(up[5m])', '1:1: unsupported in this version of Pharos: function call'],
    ['up[5m]', '1:1: unsupported in this version of Pharos: range vector selector'],
    ['up[5m:1m]', '1:1: unsupported in this version of Pharos: subquery'],
    ['-up', '1:1: unsupported in this version of Pharos: unary expression on an instant vector'],
    ['up[5m] offset 1m', '1:1: unsupported in this version of Pharos: range vector selector'],
    ['(1 + up)', '1:2: unsupported in this version of Pharos: binary expression with an instant vector operand'],
  ])('%s', (q, msg) => {
    expect(() => parseExpr(q)).toThrow(UnsupportedExpressionError);
    expect(() => parseExpr(q)).toThrow(msg);
  });
});

describe('parseMetricSelector', () => {
  it('allows all-empty matchers (the API checks them)', () => {
    expect(parseMetricSelector('{a=""}').map(String)).toEqual(['a=""']);
  });
  it('rejects non-selectors', () => {
    expect(() => parseMetricSelector('1')).toThrow('1:1: parse error: expected a series selector');
  });
});
