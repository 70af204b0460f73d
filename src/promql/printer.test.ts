import { describe, expect, it } from 'vitest';
import { parseExpr } from './parser.ts';
import { formatDuration, printExpr } from './printer.ts';

describe('printExpr prints what Prometheus prints', () => {
  it.each<[string, string]>([
    ['up', 'up'],
    ['up{job="api"}', 'up{job="api"}'],
    ['sum by(job)(rate(http_requests_total{code=~"5.."}[5m]))', 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))'],
    ['histogram_quantile(0.99, sum by (le, route) (rate(x_bucket[5m])))', 'histogram_quantile(0.99, sum by (le, route) (rate(x_bucket[5m])))'],
    ['a/on(x)group_left(y)b', 'a / on (x) group_left (y) b'],
    ['a > bool 1', 'a > bool 1'],
    ['max_over_time(x[1h:5m] offset 90s)', 'max_over_time(x[1h:5m] offset 1m30s)'],
    ['x @ 100', 'x @ 100.000'],
    ['topk(3, x)', 'topk(3, x)'],
    ['-x', '-x'],
    ['{"my.metric"}', '{"my.metric"}'],
  ])('%s → %s', (q, want) => {
    expect(printExpr(parseExpr(q))).toBe(want);
    // Printing is a fixed point: the printed text parses to the same text.
    expect(printExpr(parseExpr(want))).toBe(want);
  });

  it('formats durations like model.Duration', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(14 * 24 * 3600_000)).toBe('2w');
  });
});
