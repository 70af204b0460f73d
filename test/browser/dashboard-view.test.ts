/**
 * What a dashboard view asks first (web/src/dashboard-view.ts): its window, step and route filter
 * from the URL, and the questions of the stable guess, asked through a QueryCache over a fake
 * fetch that records them. The same code runs in the boot script and in the page, so the page
 * finds the boot script's answers (QueryCache.handOver) instead of asking twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askStableFirst, dashboardPoints, dashboardView, LATENCY_ROUTES, REQUEST_ROUTES } from '../../web/src/dashboard-view.ts';
import { QueryCache } from '../../web/src/query-cache.ts';

describe('dashboardView', () => {
  it.each([
    // width, range: points per chart, then step and the rate window (step + one 60 s export, at least 2 exports)
    [1400, 86_400, 139, 622, 682],
    [1400, 300, 139, 2, 120],
    [800, 3600, 158, 23, 120],
    [300, 3600, 60, 60, 120],
  ])('%d px, %d s: %d points, step %d s, rate window %d s', (width, range, points, step, windowS) => {
    expect(dashboardPoints(width)).toBe(points);
    const v = dashboardView({ range: String(range) }, 1_000_000, width);
    expect([v.start, v.end, v.step, v.windowS]).toEqual([1_000_000 - range, 1_000_000, step, windowS]);
  });

  it('takes from/to over range, and filters by the route only when it compiles', () => {
    const v = dashboardView({ from: '100', to: '400', range: '60', route: '/users/.*' }, 1_000_000, 1400);
    expect([v.start, v.end]).toEqual([100, 400]);
    expect(v.routeFilter).toBe('/users/.*');
    expect(v.routeRegex!.test('/users/1')).toBe(true);
    const bad = dashboardView({ route: '/users/(' }, 1_000_000, 1400);
    expect([bad.routeParam, bad.routeFilter, bad.routeRegex]).toEqual(['/users/(', '', null]);
  });
});

/** A fake fetch answering every Prometheus API call, recording what was asked. */
function fakeApi(): { asked: string[]; fetch: typeof fetch } {
  const asked: string[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const query = init?.body instanceof URLSearchParams ? init.body.get('query')! : '';
    asked.push(url.startsWith('/api/v1/query') ? `${url.split('?')[0]} ${query}` : url.split('?')[0]);
    let data: unknown = [];
    if (url.startsWith('/api/v1/query_range')) data = { resultType: 'matrix', result: [] };
    else if (url.startsWith('/api/v1/query')) {
      // The table's rates: 12 routes, the busiest first by rate.
      const result = Array.from({ length: 12 }, (_, i) => ({ metric: { http_request_method: 'GET', http_route: `/r${i}`, http_response_status_code: '200' }, value: [1, String(100 - i)] }));
      data = { resultType: 'vector', result };
    }
    return new Response(JSON.stringify({ status: 'success', data }));
  };
  return { asked, fetch: fake as typeof fetch };
}

describe('askStableFirst and QueryCache.handOver', () => {
  let api: ReturnType<typeof fakeApi>;
  const real = globalThis.fetch;
  beforeEach(() => {
    api = fakeApi();
    globalThis.fetch = api.fetch;
  });
  afterEach(() => {
    globalThis.fetch = real;
  });

  it('asks the table rates, the status split, active requests and body sizes, then the busiest routes', async () => {
    const cache = new QueryCache();
    const v = dashboardView({ range: '3600' }, 1_000_000, 1400);
    askStableFirst(cache, v, 'service_name', 'shop');
    await new Promise((r) => setTimeout(r, 20));
    expect(api.asked[0]).toMatch(/^\/api\/v1\/query sum by \(http_request_method, http_route, http_response_status_code\) \(rate\(http_server_request_duration_seconds_count\{service_name="shop"\}\[3600s\]\)\)$/);
    expect(api.asked.slice(1, 5).map((a) => a.split(' ')[0])).toEqual(Array(4).fill('/api/v1/query_range'));
    const top = api.asked.slice(5);
    expect(top).toHaveLength(2);
    // The busiest REQUEST_ROUTES routes for requests, LATENCY_ROUTES for latency.
    expect(top[0]).toContain(`http_route=~"${Array.from({ length: REQUEST_ROUTES }, (_, i) => `/r${i}`).join('|')}"`);
    expect(top[1]).toContain(`http_route=~"${Array.from({ length: LATENCY_ROUTES }, (_, i) => `/r${i}`).join('|')}"`);
  });

  it('lets a later cache take each handed-over answer once, instead of asking again', async () => {
    const boot = new QueryCache();
    QueryCache.handOver(boot);
    const first = boot.labelValues('service_name', ['up'], 0, 10);
    const page = new QueryCache();
    expect(page.labelValues('service_name', ['up'], 0, 10)).toBe(first);
    expect(api.asked).toEqual(['/api/v1/label/service_name/values']);
    // The same question again, in the same cache: its own answer; in another cache: asked anew.
    expect(page.labelValues('service_name', ['up'], 0, 10)).toBe(first);
    await new QueryCache().labelValues('service_name', ['up'], 0, 10);
    expect(api.asked).toHaveLength(2);
    // A different question is asked, not taken.
    await page.labelValues('service_name', ['up'], 0, 11);
    expect(api.asked).toHaveLength(3);
  });
});
