import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../model/value.ts';
import { labelsFrom } from '../../model/labels.ts';
import { formatTime, formatValue, labelsJson, queryDataJson } from './format.ts';

describe('formatValue (Go strconv, Prometheus MarshalFloat)', () => {
  it.each<[number, string]>([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [123456789012, '123456789012'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [0.000001, '0.000001'],
    [1e-7, '1e-07'],
    [2.5e-10, '2.5e-10'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [NaN, 'NaN'],
    [STALE_NAN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%d → %s', (v, s) => expect(formatValue(v)).toBe(s));
});

describe('formatTime (Prometheus MarshalTimestamp)', () => {
  it.each<[number, string]>([
    [0, '0'],
    [1000, '1'],
    [1500, '1.500'],
    [1050, '1.050'],
    [1001, '1.001'],
    [1435781451781, '1435781451.781'],
    [-1500, '-1.500'],
  ])('%d ms → %s', (t, s) => expect(formatTime(t)).toBe(s));
});

describe('labelsJson', () => {
  it('keeps label order even for numeric-looking names', () => {
    expect(labelsJson([{ name: '__name__', value: 'a"b' }, { name: '1', value: 'x' }])).toBe('{"__name__":"a\\"b","1":"x"}');
  });
});

describe('queryDataJson of a matrix', () => {
  it('gives UTF-8 JSON of every series and point, also when the text is turned into bytes in pieces', () => {
    // 40 series × 300 points is about 400 KB of text: many pieces. Multi-byte label values and
    // series of different lengths (so the shared timestamp texts are not always reused).
    const series = Array.from({ length: 40 }, (_, i) => {
      const n = 300 - i;
      return {
        labels: labelsFrom({ __name__: 'requests', route: `/café/${i}/✓` }),
        timestamps: Float64Array.from({ length: n }, (_, j) => 1_700_000_000_000 + (j + (i % 3)) * 15_000 + (i === 7 ? 1 : 0)),
        values: Float64Array.from({ length: n }, (_, j) => (j % 11 === 0 ? NaN : j / 7 - i)),
      };
    });
    const json = queryDataJson({ resultType: 'matrix', series });
    expect(Buffer.isBuffer(json)).toBe(true);
    expect(json.length).toBeGreaterThan(100_000);
    expect(JSON.parse(json.toString('utf8'))).toEqual({
      resultType: 'matrix',
      result: series.map((s) => ({
        metric: { __name__: 'requests', route: s.labels[1].value },
        values: Array.from(s.timestamps, (t, j) => [Number(formatTime(t)), formatValue(s.values[j])]),
      })),
    });
  });
});
