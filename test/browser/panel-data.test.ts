/** The dashboard panels' lines (web/src/panel-data.ts) from range answers, for both conventions. Runs in Node. */
import { describe, expect, it } from 'vitest';
import type { RangeSeries } from '../../web/src/api.ts';
import { DASH, stepGrid } from '../../web/src/chart-data.ts';
import { activeLines, bodySizeLines, errorLines, errorRatioLines, latencyLines, OTHER_COLOUR, requestLines } from '../../web/src/panel-data.ts';
import { oldConvention, STABLE } from '../../web/src/red.ts';

const times = stepGrid(0, 20, 10);
const series = (metric: Record<string, string>, values: number[]): RangeSeries => ({ metric, values: values.map((v, i) => [times[i], String(v)]) });
const status = (code: string, values: number[]) => series({ http_response_status_code: code }, values);

describe('requestLines', () => {
  const byEndpoint = [series({ http_request_method: 'POST', http_route: '/b' }, [1, 1, 1]), series({ http_request_method: 'GET', http_route: '/a' }, [2, 2, 2]), series({ http_request_method: 'GET', http_route: '/b' }, [3, 3, 3])];
  const byStatus = [status('200', [9, 9, 9]), status('500', [1, 1, 1])];

  it('orders the lines by route rank (busiest first), then label, with an "other routes" remainder', () => {
    const lines = requestLines(times, byEndpoint, byStatus, STABLE, ['/b', '/a', '/c', '/d'], 2);
    expect(lines.map((l) => [l.label, l.colour])).toEqual([['GET /b', 0], ['POST /b', 0], ['GET /a', 1], ['2 other routes', OTHER_COLOUR]]);
    // 10 req/s in all, 6 of them drawn.
    expect(lines[3].values).toEqual([4, 4, 4]);
    expect(lines[3].dash).toEqual(DASH.dotted);
  });

  it('draws no remainder when every route is drawn, and names requests without a route', () => {
    const lines = requestLines(times, [series({ http_request_method: 'GET' }, [1, 1, 1])], byStatus, STABLE, [''], 1);
    expect(lines.map((l) => l.label)).toEqual(['GET (no route)']);
  });
});

describe('errorLines and errorRatioLines', () => {
  it('names each 4xx/5xx code with its class, 5xx solid and 4xx dashed; no line for 2xx', () => {
    const lines = errorLines(times, [status('200', [5, 5, 5]), status('503', [1, 1, 1]), status('404', [2, 2, 2])], STABLE);
    expect(lines.map((l) => [l.label, l.dash])).toEqual([['404 (4xx client error)', DASH.dashed], ['503 (5xx server error)', DASH.solid]]);
  });

  it('reads the older status label', () => {
    const lines = errorLines(times, [series({ http_status_code: '500' }, [1, 1, 1])], oldConvention('http_target'));
    expect(lines.map((l) => l.label)).toEqual(['500 (5xx server error)']);
  });

  it('gives the 5xx share of all requests, and nothing without requests', () => {
    expect(errorRatioLines(times, [status('200', [3, 3, 3]), status('500', [1, 1, 1])], STABLE)[0].values).toEqual([0.25, 0.25, 0.25]);
    expect(errorRatioLines(times, [], STABLE)).toEqual([]);
  });
});

describe('latencyLines', () => {
  const bucket = (route: string, le: string, v: number) => series({ http_route: route, le }, [v, v, v]);
  const buckets = (route: string, scale = 1) => [bucket(route, String(0.1 * scale), 5), bucket(route, String(0.2 * scale), 10), bucket(route, '+Inf', 10)];

  it('gives p50, p95 and p99 per route, a route\'s colour and a quantile\'s dash, busiest route first', () => {
    const lines = latencyLines(times, [...buckets('/slow'), ...buckets('/busy')], STABLE, ['/busy', '/slow']);
    expect(lines.map((l) => [l.label, l.colour, l.dash])).toEqual([
      ['p50 /busy', 0, DASH.solid], ['p95 /busy', 0, DASH.dashed], ['p99 /busy', 0, DASH.dotted],
      ['p50 /slow', 1, DASH.solid], ['p95 /slow', 1, DASH.dashed], ['p99 /slow', 1, DASH.dotted],
    ]);
    expect(lines[0].values[0]).toBeCloseTo(0.1, 12);
  });

  it('converts the older convention\'s milliseconds to seconds', () => {
    const [p50] = latencyLines(times, buckets('/a', 1000), oldConvention('http_route'), ['/a']);
    expect(p50.values[0]).toBeCloseTo(0.1, 12);
  });
});

describe('activeLines and bodySizeLines', () => {
  it('labels active requests by method', () => {
    expect(activeLines(times, [series({ http_request_method: 'GET' }, [1, 2, 3]), series({}, [0, 0, 0])], STABLE).map((l) => l.label)).toEqual(['GET', 'all methods']);
  });

  it('draws the request median solid and the response median dashed', () => {
    const lines = bodySizeLines(times, [series({}, [100, 100, 100])], [series({}, [60, 60, 60])]);
    expect(lines.map((l) => [l.label, l.dash])).toEqual([['request body (median)', undefined], ['response body (median)', DASH.dashed]]);
  });
});
