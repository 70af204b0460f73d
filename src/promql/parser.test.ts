import { describe, expect, it } from 'vitest';
import type { DurationExpr, Expr } from './ast.ts';
import { ParseError } from './errors.ts';
import { parseExpr, parseMetricSelector } from './parser.ts';

/** A compact view of an expression for table tests. */
function show(e: Expr): unknown {
  switch (e.type) {
    case 'ParenExpr':
      return show(e.expr);
    case 'VectorSelector':
      return { sel: e.matchers.map(String), name: e.name, offsetMs: literalMs(e.offset), at: e.at };
    case 'MatrixSelector':
      return { range: literalMs(e.range), mode: e.mode, of: show(e.selector) };
    case 'SubqueryExpr':
      return { subquery: show(e.expr), range: literalMs(e.range), step: e.step && literalMs(e.step), offsetMs: literalMs(e.offset) };
    case 'AggregateExpr':
      return { agg: e.op, by: e.grouping, without: e.without, param: e.param && show(e.param), expr: show(e.expr) };
    case 'Call':
      return { call: e.func, args: e.args.map(show) };
    case 'NumberLiteral':
      return { num: e.value };
    case 'StringLiteral':
      return { str: e.value };
    case 'BinaryExpr':
      return { bin: e.op, bool: e.returnBool, lhs: show(e.lhs), rhs: show(e.rhs), ...(e.matching ? { matching: e.matching } : {}) };
    case 'UnaryExpr':
      return { unary: e.op, expr: show(e.expr) };
    default:
      return { other: e.type };
  }
}

/** A literal duration (possibly negated) in ms; 0 when absent. */
function literalMs(d: DurationExpr | null): number {
  if (d === null) return 0;
  if (d.kind === 'literal') return d.seconds * 1000;
  if (d.kind === 'unary') return (d.op === '-' ? -1 : 1) * literalMs(d.expr);
  throw new Error(`not a literal duration: ${d.kind}`);
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

describe('parseExpr: the whole language', () => {
  const up = { sel: ['__name__="up"'], name: 'up', offsetMs: 0, at: null };
  const oneToOne = { card: 'one-to-one', on: false, labels: [], include: [], fillLeft: null, fillRight: null };
  it.each<[string, unknown]>([
    ['up + 1', { bin: '+', bool: false, lhs: up, rhs: { num: 1 } }],
    ['up / up', { bin: '/', bool: false, lhs: up, rhs: up, matching: oneToOne }],
    ['up * on(job) group_left(team) up', { bin: '*', bool: false, lhs: up, rhs: up, matching: { ...oneToOne, card: 'many-to-one', on: true, labels: ['job'], include: ['team'] } }],
    ['up + fill_left(0) fill_right(1) up', { bin: '+', bool: false, lhs: up, rhs: up, matching: { ...oneToOne, fillLeft: 0, fillRight: 1 } }],
    ['up and up', { bin: 'and', bool: false, lhs: up, rhs: up, matching: { ...oneToOne, card: 'many-to-many' } }],
    ['sum by (job) (up)', { agg: 'sum', by: ['job'], without: false, param: null, expr: up }],
    ['topk without (a) (3, up)', { agg: 'topk', by: ['a'], without: true, param: { num: 3 }, expr: up }],
    ['rate(up[5m])', { call: 'rate', args: [{ range: 300_000, mode: 'plain', of: up }] }],
    ['increase(up[1m] anchored)', { call: 'increase', args: [{ range: 60_000, mode: 'anchored', of: up }] }],
    ['up[5m] offset 1m', { range: 300_000, mode: 'plain', of: { ...up, offsetMs: 60_000 } }],
    ['max_over_time(up[10m:1m] offset 2m)', { call: 'max_over_time', args: [{ subquery: up, range: 600_000, step: 60_000, offsetMs: 120_000 }] }],
    ['up[5m:]', { subquery: up, range: 300_000, step: null, offsetMs: 0 }],
    ['-up', { unary: '-', expr: up }],
    ['time()', { call: 'time', args: [] }],
  ])('%s', (q, want) => {
    expect(show(parseExpr(q))).toEqual(want);
  });

  it.each<[string, string]>([
    ['rate(up)', 'expected type range vector in call to function "rate", got instant vector'],
    ['abs(up, 1)', 'expected 1 argument(s) in call to "abs", got 2'],
    ['nosuch(up)', 'unknown function with name "nosuch"'],
    ['sum(up[5m])', 'expected type instant vector in aggregation expression, got range vector'],
    ['topk("a", up)', 'expected type scalar in aggregation parameter, got string'],
    ['up and on(a) group_left up', 'no grouping allowed for "and" operation'],
    ['up * on(a) group_left(a) up', 'label "a" must not occur in ON and GROUP clause at once'],
    ['(up[5m])[10m:1m]', 'subquery is only allowed on instant vector, got range vector instead'],
  ])('rejects %s', (q, msg) => {
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
