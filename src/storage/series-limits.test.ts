import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { labelsFrom } from '../model/labels.ts';
import { StorageError } from './interface.ts';
import { SeriesLimiter } from './series-limits.ts';

const series = (name: string, service: string, i: number) => labelsFrom({ __name__: name, service_name: service, id: String(i) });

function limiter(limits: { maxSeries?: number; maxSeriesPerMetric?: number; maxSeriesPerService?: number }) {
  const lines: string[] = [];
  const registry = new Registry();
  let now = 0;
  const l = new SeriesLimiter({ maxSeries: 0, maxSeriesPerMetric: 0, maxSeriesPerService: 0, ...limits }, { logger: createLogger('warn', (line) => lines.push(line)), registry, now: () => now });
  return { l, lines, registry, advance: (ms: number) => void (now += ms) };
}

function refusal(fn: () => void): StorageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StorageError) return err;
    throw err;
  }
  throw new Error('expected a StorageError');
}

describe('SeriesLimiter', () => {
  it('refuses the series past the global limit, and admits again once one is released', () => {
    const { l } = limiter({ maxSeries: 2 });
    l.admit(series('a', 'x', 1));
    l.admit(series('b', 'y', 1));
    const err = refusal(() => l.admit(series('c', 'z', 1)));
    expect(err.code).toBe('series_limit');
    expect(err.message).toBe('new series refused: the store holds 2 active series, its limit (storage.max_series)');
    expect(l.activeSeries).toBe(2);
    l.release(series('a', 'x', 1));
    l.admit(series('c', 'z', 1));
    expect(l.activeSeries).toBe(2);
  });

  it('limits one exploding metric without touching the others', () => {
    const { l } = limiter({ maxSeriesPerMetric: 3 });
    for (let i = 0; i < 3; i++) l.admit(series('exploding', 'api', i));
    expect(refusal(() => l.admit(series('exploding', 'api', 3))).message).toBe('new series refused: metric "exploding" has 3 active series, its limit (storage.max_series_per_metric)');
    for (let i = 0; i < 3; i++) l.admit(series('calm', 'api', i));
    expect(l.seriesOfMetric('exploding')).toBe(3);
    expect(l.seriesOfMetric('calm')).toBe(3);
  });

  it('limits per service_name; series without one are not counted against any service', () => {
    const { l } = limiter({ maxSeriesPerService: 2 });
    l.admit(series('m', 'api', 1));
    l.admit(series('m', 'api', 2));
    expect(refusal(() => l.admit(series('n', 'api', 3))).message).toMatch(/service_name "api" has 2 active series/);
    l.admit(series('m', 'web', 1));
    for (let i = 0; i < 5; i++) l.admit(labelsFrom({ __name__: 'up', instance: String(i) }));
    expect(l.activeSeries).toBe(8);
  });

  it('counts replayed series without refusing them, so stored data stays readable', () => {
    const { l } = limiter({ maxSeries: 1 });
    l.count(series('a', 'x', 1));
    l.count(series('a', 'x', 2));
    expect(l.activeSeries).toBe(2);
    expect(() => l.admit(series('a', 'x', 3))).toThrow(StorageError);
  });

  it('counts refusals by limit and logs once a minute per limit and key', async () => {
    const { l, lines, registry, advance } = limiter({ maxSeriesPerMetric: 1 });
    l.admit(series('m', 'api', 0));
    for (let i = 1; i <= 5; i++) expect(() => l.admit(series('m', 'api', i))).toThrow(StorageError);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/new series refused: cardinality limit reached.*limit=per_metric.*key=m/);
    advance(60_000);
    expect(() => l.admit(series('m', 'api', 6))).toThrow(StorageError);
    expect(lines).toHaveLength(2);
    const text = await registry.metrics();
    expect(text).toContain('pharos_tsdb_series_limit_rejected_samples_total{limit="per_metric"} 6');
    expect(text).toContain('pharos_tsdb_series_limit{limit="per_metric"} 1');
    expect(text).toContain('pharos_tsdb_limited_active_series 1');
  });
});
