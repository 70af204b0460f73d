/** The spec's name and label-name tables (otlp-to-prometheus.md §6.1–6.3), read from the spec file and run row by row. */
import { describe, expect, it } from 'vitest';
import { prometheusLabelName } from './label-name.ts';
import { metadataUnit, prometheusMetricName } from './metric-name.ts';
import { labelVectors, nameVectorsOther, nameVectorsWithSuffixes } from './spec-vectors.ts';
import { formatFloat } from './format-float.ts';

describe('§6.1 metric names with suffixes', () => {
  const rows = nameVectorsWithSuffixes();
  it('reads every row of the table', () => expect(rows).toHaveLength(81));
  it.each(rows.map((r) => [r.row, r] as const))('%s', (_row, r) => {
    expect(prometheusMetricName(r.name, r.unit, r.kind, r.strategy, r.namespace)).toBe(r.expected);
  });
});

describe('§6.2 names without suffixes, errors, UTF-8', () => {
  const rows = nameVectorsOther();
  it('reads every row of the table', () => expect(rows.length).toBeGreaterThanOrEqual(27));
  it.each(rows.map((r) => [r.row, r] as const))('%s', (_row, r) => {
    if (r.expected === null) expect(() => prometheusMetricName(r.name, r.unit, r.kind, r.strategy, r.namespace)).toThrow(/name/);
    else expect(prometheusMetricName(r.name, r.unit, r.kind, r.strategy, r.namespace)).toBe(r.expected);
  });
});

describe('§6.3 label names (Prometheus defaults)', () => {
  const options = { utf8: false, underscoreSanitization: true, preserveMultipleUnderscores: true };
  const rows = labelVectors();
  it('reads every row of the table', () => expect(rows.length).toBeGreaterThanOrEqual(20));
  it.each(rows.map((r) => [JSON.stringify(r.key), r] as const))('%s', (_key, r) => {
    if (r.expected === null) expect(() => prometheusLabelName(r.key, options)).toThrow();
    else expect(prometheusLabelName(r.key, options)).toBe(r.expected);
  });
  it.each([
    ['label__with__double__underscores', 'label_with_double_underscores'],
    ['_label_starting_with_underscore', '_label_starting_with_underscore'],
    ['.foo', '_foo'],
  ])('with the library defaults (collapse on, key prefix off) %s → %s', (key, want) => {
    expect(prometheusLabelName(key, { utf8: false, underscoreSanitization: false, preserveMultipleUnderscores: false })).toBe(want);
  });
});

describe('metadata unit (§2.3)', () => {
  it.each([['By/s', 'bytes_per_second'], ['1', ''], ['1/s', 'per_second'], ['s', 'seconds'], ['{request}', '']])('%s → %j', (unit, want) => {
    expect(metadataUnit(unit)).toBe(want);
  });
});

describe('formatFloat = Go FormatFloat(x, f, -1, 64)', () => {
  it.each([
    [1, '1'], [0.25, '0.25'], [1e-9, '0.000000001'], [1e21, '1000000000000000000000'], [-2.5e-7, '-0.00000025'],
    [1.5e22, '15000000000000000000000'], [0.005, '0.005'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [123456789.125, '123456789.125'],
  ])('%d → %s', (x, want) => expect(formatFloat(x)).toBe(want));
});
