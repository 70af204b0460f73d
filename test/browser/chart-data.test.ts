/**
 * The dashboard's pure reshaping (web/src/chart-data.ts): series on the step grid, quantiles of
 * classic histograms computed in the browser, and the status-code split. Runs in Node.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../src/model/prng.ts';
import { bucketQuantile, type Bucket } from '../../src/promql/engine/classic-histogram.ts';
import type { InstantSample, RangeSeries } from '../../web/src/api.ts';
import { anchoredRegex, escapeRegex, exactAlternation, instantQuantiles, onGrid, parseLe, rangeQuantiles, remainder, splitByStatus, stepGrid } from '../../web/src/chart-data.ts';

const series = (metric: Record<string, string>, values: Array<[number, number]>): RangeSeries => ({ metric, values: values.map(([t, v]) => [t, String(v)]) });
const sample = (metric: Record<string, string>, v: number): InstantSample => ({ metric, value: [100, String(v)] });

describe('stepGrid and onGrid', () => {
  it('lays a series onto the grid of its range query, null where it has no point', () => {
    const times = stepGrid(100, 160, 15);
    expect(times).toEqual([100, 115, 130, 145, 160]);
    expect(onGrid(times, series({}, [[115, 1], [145, 2.5]]))).toEqual([null, 1, null, 2.5, null]);
  });

  it('ignores points outside the grid and keeps NaN and infinities as numbers', () => {
    const times = stepGrid(0, 20, 10);
    const s: RangeSeries = { metric: {}, values: [[-10, '1'], [0, 'NaN'], [10, '+Inf'], [30, '9']] };
    const out = onGrid(times, s);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBeNull();
  });
});

describe('parseLe', () => {
  it.each([
    ['0.25', 0.25],
    ['+Inf', Infinity],
    ['1e3', 1000],
  ])('%s → %d', (le, want) => expect(parseLe(le)).toBe(want));
  it('is NaN without an le', () => expect(parseLe(undefined)).toBeNaN());
});

describe('instantQuantiles', () => {
  // 10 requests: 4 ≤ 0.1 s, 8 ≤ 0.5 s, all ≤ 1 s.
  const buckets = (route: string, scale = 1) => [
    sample({ http_route: route, le: String(0.1 * scale) }, 4),
    sample({ http_route: route, le: String(0.5 * scale) }, 8),
    sample({ http_route: route, le: String(1 * scale) }, 10),
    sample({ http_route: route, le: '+Inf' }, 10),
  ];

  it('interpolates within the bucket, as histogram_quantile does, one group per label set', () => {
    const out = instantQuantiles([...buckets('/a'), ...buckets('/b')], [0.5, 0.9]);
    expect(out.map((g) => g.metric)).toEqual([{ http_route: '/a' }, { http_route: '/b' }]);
    // p50: rank 5 in (0.1, 0.5] holding ranks 4..8 → 0.1 + 0.4 × 1/4; p90: rank 9 in (0.5, 1] → 0.75.
    expect(out[0].values[0]).toBeCloseTo(0.2, 12);
    expect(out[0].values[1]).toBeCloseTo(0.75, 12);
  });

  it('scales milliseconds to seconds for the older convention', () => {
    const [g] = instantQuantiles(buckets('/a', 1000), [0.5], 0.001);
    expect(g.values[0]).toBeCloseTo(0.2, 12);
  });

  it('skips samples without a usable le', () => {
    expect(instantQuantiles([sample({ http_route: '/a' }, 3)], [0.5])).toEqual([]);
  });
});

describe('rangeQuantiles', () => {
  it('computes each quantile at each grid point, null where no bucket has a value', () => {
    const times = stepGrid(0, 20, 10);
    const s = [
      series({ le: '0.1' }, [[0, 4], [10, 0]]),
      series({ le: '0.5' }, [[0, 8], [10, 10]]),
      series({ le: '+Inf' }, [[0, 10], [10, 10]]),
    ];
    const [p50] = rangeQuantiles(times, s, [0.5]);
    expect(p50.q).toBe(0.5);
    expect(p50.values[0]).toBeCloseTo(0.2, 12);
    expect(p50.values[1]).toBeCloseTo(0.1 + 0.4 * 0.5, 12);
    expect(p50.values[2]).toBeNull();
  });

  it('equals bucketQuantile at every step, with members out of order, repeated bounds, NaN counts, gaps and non-monotonic counts', () => {
    const rnd = prng(7);
    const times = stepGrid(0, 400, 10);
    const bounds = ['0.5', '0.1', '+Inf', '0.25', '0.1', '1', '+Inf'];
    for (let round = 0; round < 20; round++) {
      const s = bounds.flatMap((le) =>
        ['/a', '/b'].map((route) => {
          const values: Array<[number, number]> = [];
          for (const t of times) {
            const r = rnd();
            if (r < 0.1) continue;
            values.push([t, r < 0.13 ? NaN : Math.floor(rnd() * 50) * (le === '+Inf' ? 2 : 1)]);
          }
          return series({ le, http_route: route }, values);
        }),
      );
      const qs = [0.5, 0.95, 0.99];
      for (const line of rangeQuantiles(times, s, qs, 1000)) {
        times.forEach((t, i) => {
          const buckets: Bucket[] = [];
          for (const x of s) {
            if (x.metric.http_route !== line.metric.http_route) continue;
            const v = x.values.find(([at]) => at === t);
            if (v) buckets.push({ upperBound: parseLe(x.metric.le), count: Number(v[1]) });
          }
          const want = buckets.length === 0 ? null : bucketQuantile(line.q, buckets).value * 1000;
          expect(line.values[i], `round ${round} ${line.metric.http_route} q=${line.q} t=${t}`).toEqual(want);
        });
      }
    }
  });
});

describe('splitByStatus', () => {
  it('gives 4xx/5xx lines sorted by code, the total, and the 5xx ratio', () => {
    const times = stepGrid(0, 10, 10);
    const s = [
      series({ code: '500' }, [[0, 1], [10, 0]]),
      series({ code: '200' }, [[0, 8], [10, 4]]),
      series({ code: '404' }, [[0, 1]]),
    ];
    const split = splitByStatus(times, s, 'code');
    expect(split.errors.map((e) => e.code)).toEqual(['404', '500']);
    expect(split.total).toEqual([10, 4]);
    expect(split.ratio5xx).toEqual([0.1, 0]);
  });

  it('has no ratio where there were no requests', () => {
    const split = splitByStatus(stepGrid(0, 10, 10), [series({ code: '200' }, [[10, 0]])], 'code');
    expect(split.ratio5xx).toEqual([null, null]);
  });
});

describe('remainder', () => {
  it('is the total minus the shown lines, never negative from float noise', () => {
    expect(remainder([10, null, 0.3], [[4, 1, 0.1], [6, null, 0.2]])).toEqual([0, null, 0]);
    expect(remainder([10], [[4]])).toEqual([6]);
  });
});

describe('regex helpers', () => {
  it('escapes route templates so a PromQL alternation matches exactly them', () => {
    const re = anchoredRegex(exactAlternation(['/users/:id', '/a.b', '/x(y)?']))!;
    expect(['/users/:id', '/a.b', '/x(y)?'].every((r) => re.test(r))).toBe(true);
    expect(re.test('/aXb')).toBe(false);
    expect(re.test('/x')).toBe(false);
    expect(escapeRegex('a+b')).toBe('a\\+b');
  });

  it('anchors like PromQL and returns null for what JavaScript cannot compile', () => {
    expect(anchoredRegex('/api')!.test('/api/x')).toBe(false);
    expect(anchoredRegex('/api.*')!.test('/api/x')).toBe(true);
    expect(anchoredRegex('(')).toBeNull();
  });
});
