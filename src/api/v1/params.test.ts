import { describe, expect, it } from 'vitest';
import { Form, parseDuration, parseLimit, parseMatchersParam, parseTime, parseTimeParam, unescapeLabelName } from './params.ts';

describe('parseTime', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1718000000', 1718000000_000],
    ['1718000000.123', 1718000000_123],
    ['1718000000.1234', 1718000000_123],
    ['1718000000.1236', 1718000000_124],
    ['1.5', 1500],
    ['-1.5', -1500],
    ['1e3', 1_000_000],
    ['2015-07-01T20:10:51.781Z', 1435781451_781],
    ['2015-07-01T20:10:51Z', 1435781451_000],
    ['2015-07-01T22:10:51.7819999+02:00', 1435781451_781],
    ['0001-01-01T00:00:00Z', -62135596800_000],
  ])('%s → %d ms', (s, ms) => {
    expect(parseTime(s)).toBe(ms);
  });

  it.each(['', 'abc', '2015-07-01', '2015-02-30T00:00:00Z', '2015-07-01 20:10:51Z', ' 1', 'Inf', 'NaN'])('rejects %j with Prometheus text', (s) => {
    expect(() => parseTime(s)).toThrow(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
  });

  it('wraps like parseTimeParam', () => {
    expect(() => parseTimeParam(new Form(new URLSearchParams('time=x')), 'time', 0)).toThrow(
      `invalid parameter "time": invalid time value for 'time': cannot parse "x" to a valid timestamp`,
    );
    expect(parseTimeParam(new Form(new URLSearchParams('')), 'time', 42)).toBe(42);
  });
});

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['15', 15_000],
    ['0.5', 500],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1d', 86_400_000],
    ['0', 0],
    ['-1', -1000],
  ])('%s → %d ms', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each(['', 'x', '1x', '30m1h', '1.5m'])('rejects %j', (s) => {
    expect(() => parseDuration(s)).toThrow(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  });

  it('rejects overflow like Go', () => {
    expect(() => parseDuration('1e10')).toThrow('cannot parse "1e10" to a valid duration. It overflows int64');
  });
});

describe('parseLimit', () => {
  it.each<[string, number]>([['', 0], ['0', 0], ['10', 10], ['+3', 3]])('%j → %d', (s, n) => expect(parseLimit(s)).toBe(n));
  it('rejects non-integers with strconv.Atoi text', () => {
    expect(() => parseLimit('abc')).toThrow('strconv.Atoi: parsing "abc": invalid syntax');
    expect(() => parseLimit('1.5')).toThrow('strconv.Atoi: parsing "1.5": invalid syntax');
  });
  it('rejects negatives', () => expect(() => parseLimit('-1')).toThrow('limit must be non-negative'));
});

describe('unescapeLabelName', () => {
  it.each<[string, string]>([
    ['job', 'job'],
    ['U__job', 'job'],
    ['U__my_2e_label', 'my.label'],
    ['U__a__b', 'a_b'],
    ['U___1f600_', '\u{1f600}'],
    ['U__bad_zz_', 'U__bad_zz_'], // invalid hex: unchanged
    ['U__open_2e', 'U__open_2e'], // no closing underscore
    ['U__x_', 'U__x_'],
  ])('%s → %s', (s, want) => expect(unescapeLabelName(s)).toBe(want));
});

describe('Form', () => {
  it('prefers body values and lists body values first', () => {
    const f = new Form(new URLSearchParams('a=url&m=1'), new URLSearchParams('a=body&m=2'));
    expect(f.get('a')).toBe('body');
    expect(f.getAll('m')).toEqual(['2', '1']);
    expect(f.get('missing')).toBe('');
  });
});

describe('parseMatchersParam', () => {
  it('parses selectors into matcher sets', () => {
    const sets = parseMatchersParam(['up{job="a"}', '{"my.metric"}']);
    expect(sets.map((s) => s.map(String))).toEqual([['__name__="up"', 'job="a"'], ['__name__="my.metric"']]);
  });
  it('needs one non-empty matcher per set', () => {
    expect(() => parseMatchersParam(['{job=~".*"}'])).toThrow('invalid parameter "match[]": match[] must contain at least one non-empty matcher');
  });
  it('reports parse errors as invalid match[]', () => {
    expect(() => parseMatchersParam(['up{'])).toThrow('invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces');
  });
});
