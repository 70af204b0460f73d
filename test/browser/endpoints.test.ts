/**
 * The per-endpoint table's rows (web/src/endpoints.ts) from the dashboard's instant queries, for
 * both naming conventions. Runs in Node; the browser test compares the same figures with the API.
 */
import { describe, expect, it } from 'vitest';
import type { InstantSample } from '../../web/src/api.ts';
import { busiestRoutes, rowsFromCounts, withLatency } from '../../web/src/endpoints.ts';
import { oldConvention, STABLE } from '../../web/src/red.ts';

const sample = (metric: Record<string, string>, v: number | string): InstantSample => ({ metric, value: [100, String(v)] });
const count = (route: string, code: string, v: number) => sample({ http_request_method: 'GET', http_route: route, http_response_status_code: code }, v);

describe('rowsFromCounts', () => {
  it('sums every status code into req/s and takes 5xx (not 4xx) as errors, busiest first', () => {
    const rows = rowsFromCounts([count('/a', '200', 1), count('/a', '404', 1), count('/a', '500', 2), count('/b', '200', 10)], STABLE);
    expect(rows.map((r) => [r.route, r.rate, r.errorRatio, r.latency])).toEqual([
      ['/b', 10, 0, 'pending'],
      ['/a', 4, 0.5, 'pending'],
    ]);
    expect(rows[0].p50).toBeNaN();
  });

  it('reads the older label names', () => {
    const old = oldConvention('http_target');
    const rows = rowsFromCounts([sample({ http_method: 'POST', http_target: '/x', http_status_code: '503' }, 2)], old);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ method: 'POST', route: '/x', rate: 2, errorRatio: 1 });
  });

  it('has no error ratio for an endpoint without requests in the range', () => {
    expect(rowsFromCounts([count('/idle', '200', 0)], STABLE)[0].errorRatio).toBeNaN();
  });
});

describe('withLatency', () => {
  const buckets = (route: string, le: string, v: number) => sample({ http_request_method: 'GET', http_route: route, le }, v);
  const rows = rowsFromCounts([count('/a', '200', 1), count('/b', '200', 2)], STABLE);

  it('fills p50/p95/p99 of the asked routes only and marks them done, even without buckets', () => {
    const out = withLatency(rows, [buckets('/a', '0.1', 0), buckets('/a', '0.2', 10), buckets('/a', '+Inf', 10)], STABLE, new Set(['/a', '/b']));
    const a = out.find((r) => r.route === '/a')!;
    expect(a.latency).toBe('done');
    expect(a.p50).toBeCloseTo(0.15, 12);
    expect(a.p99).toBeCloseTo(0.199, 12);
    const b = out.find((r) => r.route === '/b')!;
    expect(b.latency).toBe('done');
    expect(b.p95).toBeNaN();
  });

  it('leaves rows it was not asked about pending', () => {
    const out = withLatency(rows, [], STABLE, new Set(['/a']));
    expect(out.find((r) => r.route === '/b')!.latency).toBe('pending');
  });

  it('converts milliseconds for the older convention', () => {
    const old = oldConvention('http_route');
    const oldRows = rowsFromCounts([sample({ http_method: 'GET', http_route: '/a', http_status_code: '200' }, 1)], old);
    const b = (le: string, v: number) => sample({ http_method: 'GET', http_route: '/a', le }, v);
    const [a] = withLatency(oldRows, [b('100', 0), b('200', 10), b('+Inf', 10)], old, new Set(['/a']));
    expect(a.p50).toBeCloseTo(0.15, 12);
  });
});

describe('busiestRoutes', () => {
  it('orders distinct routes by their summed rate and applies the filter', () => {
    const rows = rowsFromCounts([count('/a', '200', 3), sample({ http_request_method: 'POST', http_route: '/a', http_response_status_code: '200' }, 3), count('/b', '200', 5), count('/c', '200', 1)], STABLE);
    expect(busiestRoutes(rows, null)).toEqual(['/a', '/b', '/c']);
    expect(busiestRoutes(rows, /^(?:\/[bc])$/)).toEqual(['/b', '/c']);
  });
});
