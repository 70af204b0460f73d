/**
 * The RED dashboard's PromQL (web/src/red.ts): every query it sends parses with Pharos' own
 * parser, for both conventions, with a route filter and with route lists that need escaping.
 */
import { describe, expect, it } from 'vitest';
import { parseExpr } from '../../src/promql/index.ts';
import { oldConvention, redQueries, STABLE, statusClass, type Convention } from '../../web/src/red.ts';

const CONVENTIONS: Convention[] = [STABLE, oldConvention('http_target'), oldConvention('http_route')];
const ROUTES = ['/users/:id', '/a.b', '/q?x=(1)'];

function everyQuery(c: Convention, routeFilter: string): string[] {
  const q = redQueries(c, { serviceLabel: 'service_name', service: 'sh"op', routeFilter, windowS: 60, rangeS: 3600 });
  return [
    q.statusRates, q.requestsByEndpoint(ROUTES), q.latencyBuckets(ROUTES), q.activeRequests, q.requestBodySize, q.responseBodySize,
    q.table.counts, q.table.buckets(ROUTES),
    q.equivalent.errorsByStatus, q.equivalent.errorRatio, q.equivalent.latencyByRoute(0.99, ROUTES),
    q.equivalent.table.rate, q.equivalent.table.errorRatio, q.equivalent.table.latency(0.5),
  ];
}

describe('redQueries', () => {
  it.each(CONVENTIONS.flatMap((c) => ['', '/users/.*'].map((f) => [c.id, c.route, f, c] as const)))('%s (%s), route filter %j: every query parses', (_id, _route, filter, c) => {
    for (const query of everyQuery(c, filter)) expect(() => parseExpr(query), query).not.toThrow();
  });

  it('reads the convention\'s metric and labels, and scales ms to s in the equivalents', () => {
    const old = redQueries(oldConvention('http_target'), { serviceLabel: 'job', service: 'legacy', routeFilter: '', windowS: 60, rangeS: 300 });
    expect(old.table.counts).toBe('sum by (http_method, http_target, http_status_code) (rate(http_server_duration_milliseconds_count{job="legacy"}[300s]))');
    expect(old.equivalent.table.latency(0.5)).toMatch(/^histogram_quantile\(0\.5, .*http_server_duration_milliseconds_bucket.*\) \* 0\.001$/);
    const stable = redQueries(STABLE, { serviceLabel: 'service_name', service: 'shop', routeFilter: '/a', windowS: 61.4, rangeS: 300 });
    expect(stable.statusRates).toBe('sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{service_name="shop", http_route=~"/a"}[61s]))');
    expect(stable.equivalent.table.latency(0.5)).not.toContain('*');
  });
});

describe('statusClass', () => {
  it.each([
    ['200', '2xx success'],
    ['302', '3xx redirect'],
    ['404', '4xx client error'],
    ['503', '5xx server error'],
    ['', 'other'],
  ])('%j → %s', (code, text) => expect(statusClass(code)).toBe(text));
});
