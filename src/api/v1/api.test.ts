/**
 * HTTP-level tests: a real node:http server on port 0 with the API handler, driven by fetch,
 * checking exact JSON bodies and status codes against what Prometheus answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeQueryable } from '../../promql/fake-queryable.ts';
import { StorageError, type Queryable } from '../../storage/interface.ts';
import { createApiHandler, type ApiDeps } from './index.ts';

const S = 1000;
const M = 60 * S;
const NOW = 1_000 * M; // 60000 s

function data(): FakeQueryable {
  return new FakeQueryable()
    .add({ __name__: 'up', job: 'api', instance: 'a:1' }, [[NOW - 2 * M, 1], [NOW - M, 1], [NOW, 1]])
    .add({ __name__: 'up', job: 'db', instance: 'b:1' }, [[NOW - 2 * M, 0], [NOW - M, 'stale']])
    .add({ __name__: 'http_requests_total', job: 'api', code: '200' }, [[NOW - 30 * S, 1.5], [NOW - 15 * S, 1e-7]])
    .add({ __name__: 'http_requests_total', job: 'api', code: '500' }, [[NOW - 10 * M, 3]])
    .add({ __name__: 'my.dotted', 'label.with.dots': 'x' }, [[NOW, Infinity]]);
}

let ready = false;
const registry = new Registry();
new Counter({ name: 'pharos_test_total', help: 'A test counter.', registers: [registry] }).inc(3);

async function startServer(deps: Partial<ApiDeps> & { queryable: Queryable }): Promise<{ server: Server; base: string }> {
  const handler = createApiHandler({ registry, ready: () => ready, version: '0.1.0', now: () => NOW, ...deps });
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) {
          res.writeHead(404);
          res.end('not mine');
        }
      },
      (err: unknown) => {
        res.writeHead(599);
        res.end(String(err));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let server: Server;
let base: string;
beforeAll(async () => {
  ({ server, base } = await startServer({ queryable: data() }));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(base + path);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

async function post(path: string, form: string): Promise<{ status: number; body: string }> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: r.status, body: await r.text() };
}

const q = encodeURIComponent;

describe('/api/v1/query', () => {
  it('returns a vector for a selector at the default time (now)', async () => {
    const r = await get(`/api/v1/query?query=up`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body).toBe('{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"a:1","job":"api"},"value":[60000,"1"]}]}}');
  });

  it('shows a series before its stale marker, and formats fractional times and odd values', async () => {
    const r = await get(`/api/v1/query?query=${q('{job=~"api|db"}')}&time=${(NOW - M - 1) / 1000}`);
    expect(JSON.parse(r.body)).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { __name__: 'up', instance: 'a:1', job: 'api' }, value: [59939.999, '1'] },
          { metric: { __name__: 'up', instance: 'b:1', job: 'db' }, value: [59939.999, '0'] },
        ],
      },
    });
    expect(r.body).toContain('"value":[59939.999,"0"]');
  });

  it('applies regex and negative matchers', async () => {
    const r = await get(`/api/v1/query?query=${q('http_requests_total{code!~"5..",job!="db"}')}`);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"http_requests_total","code":"200","job":"api"},"value":[60000,"1e-07"]}]}}');
  });

  it('drops series outside the 5m lookback', async () => {
    const at5 = await get(`/api/v1/query?query=${q('http_requests_total{code="500"}')}&time=${(NOW - 5 * M - 1) / 1000}`);
    expect(JSON.parse(at5.body).data.result).toHaveLength(1);
    const after = await get(`/api/v1/query?query=${q('http_requests_total{code="500"}')}&time=${(NOW - 5 * M) / 1000}`);
    expect(after.body).toBe('{"status":"success","data":{"resultType":"vector","result":[]}}');
  });

  it('handles quoted UTF-8 metric and label names, and +Inf', async () => {
    const r = await get(`/api/v1/query?query=${q('{"my.dotted","label.with.dots"="x"}')}&time=2015-07-01T20:10:51.781Z`);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"vector","result":[]}}');
    const r2 = await get(`/api/v1/query?query=${q('{"my.dotted"}')}`);
    expect(r2.body).toBe('{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"my.dotted","label.with.dots":"x"},"value":[60000,"+Inf"]}]}}');
  });

  it('returns scalars and strings', async () => {
    expect((await get(`/api/v1/query?query=1.5&time=4`)).body).toBe('{"status":"success","data":{"resultType":"scalar","result":[4,"1.5"]}}');
    expect((await get(`/api/v1/query?query=${q('"hi"')}&time=4.5`)).body).toBe('{"status":"success","data":{"resultType":"string","result":[4.500,"hi"]}}');
  });

  it("answers Grafana's health check (POST 1+1 at time 4)", async () => {
    const r = await post('/api/v1/query', 'query=1%2B1&time=4');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}');
  });

  it('accepts POST form bodies the same as GET', async () => {
    const form = `query=${q('up{job="api"}')}&time=${NOW / 1000}`;
    const viaPost = await post('/api/v1/query', form);
    const viaGet = await get(`/api/v1/query?${form}`);
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toBe(viaGet.body);
    // body values win over URL values, like Go's r.FormValue
    const mixed = await post(`/api/v1/query?query=nothing`, `query=up`);
    expect(JSON.parse(mixed.body).data.result).toHaveLength(1);
  });

  it('honours lookback_delta per query', async () => {
    const t = (NOW - M + 30 * S) / 1000; // job="api" last sample 30s ago, job="db" went stale
    expect(JSON.parse((await get(`/api/v1/query?query=up&time=${t}`)).body).data.result).toHaveLength(1);
    expect((await get(`/api/v1/query?query=up&time=${t}&lookback_delta=20s`)).body).toBe('{"status":"success","data":{"resultType":"vector","result":[]}}');
  });

  it('cuts results at limit with a warning', async () => {
    const r = await get(`/api/v1/query?query=${q('{job=~".+"}')}&limit=1`);
    const body = JSON.parse(r.body);
    expect(body.data.result).toHaveLength(1);
    expect(body.warnings).toEqual(['results truncated due to limit']);
  });
});

describe('/api/v1/query_range', () => {
  it('returns a matrix stepping through lookback and staleness', async () => {
    const r = await get(`/api/v1/query_range?query=up&start=${(NOW - 3 * M) / 1000}&end=${NOW / 1000}&step=60`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[' +
        '{"metric":{"__name__":"up","instance":"a:1","job":"api"},"values":[[59880,"1"],[59940,"1"],[60000,"1"]]},' +
        '{"metric":{"__name__":"up","instance":"b:1","job":"db"},"values":[[59880,"0"]]}]}}',
    );
  });

  it('accepts durations for step, fractional times and POST', async () => {
    const form = `query=up%7Bjob%3D%22api%22%7D&start=${(NOW - M) / 1000}&end=${NOW / 1000}.5&step=30s`;
    const r = await post('/api/v1/query_range', form);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a:1","job":"api"},"values":[[59940,"1"],[59970,"1"],[60000,"1"]]}]}}');
  });

  it('keeps the first series of a matrix under limit and says so', async () => {
    const r = await get(`/api/v1/query_range?query=up&start=${(NOW - 3 * M) / 1000}&end=${NOW / 1000}&step=60&limit=1`);
    expect(r.body).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[' +
        '{"metric":{"__name__":"up","instance":"a:1","job":"api"},"values":[[59880,"1"],[59940,"1"],[60000,"1"]]}]},' +
        '"warnings":["results truncated due to limit"]}',
    );
  });

  it('makes a matrix of a scalar', async () => {
    const r = await get(`/api/v1/query_range?query=1&start=0&end=2&step=1`);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1"],[1,"1"],[2,"1"]]}]}}');
  });
});

describe('errors', () => {
  it.each<[string, number, string, string]>([
    ['/api/v1/query', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: no expression found in input'],
    ['/api/v1/query?query=up%7B', 400, 'bad_data', 'invalid parameter "query": 1:4: parse error: unexpected end of input inside braces'],
    ['/api/v1/query?query=%7Ba%3D%22%22%7D', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['/api/v1/query?query=rate(up)', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: expected type range vector in call to function "rate", got instant vector'],
    ['/api/v1/query?query=sum(up%5B5m%5D)', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: expected type instant vector in aggregation expression, got range vector'],
    ['/api/v1/query?query=up&time=yesterday', 400, 'bad_data', `invalid parameter "time": invalid time value for 'time': cannot parse "yesterday" to a valid timestamp`],
    ['/api/v1/query?query=up&timeout=soon', 400, 'bad_data', 'invalid parameter "timeout": cannot parse "soon" to a valid duration'],
    ['/api/v1/query?query=up&lookback_delta=x', 400, 'bad_data', 'error parsing lookback delta duration: cannot parse "x" to a valid duration'],
    ['/api/v1/query?query=up&limit=-1', 400, 'bad_data', 'invalid parameter "limit": limit must be non-negative'],
    ['/api/v1/query_range?query=up&end=1&step=1', 400, 'bad_data', 'invalid parameter "start": cannot parse "" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=x&end=1&step=1', 400, 'bad_data', 'invalid parameter "start": cannot parse "x" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=1&end=y&step=1', 400, 'bad_data', 'invalid parameter "end": cannot parse "y" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=10&end=1&step=1', 400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time'],
    ['/api/v1/query_range?query=up&start=0&end=1', 400, 'bad_data', 'invalid parameter "step": cannot parse "" to a valid duration'],
    ['/api/v1/query_range?query=up&start=0&end=1&step=abc', 400, 'bad_data', 'invalid parameter "step": cannot parse "abc" to a valid duration'],
    ['/api/v1/query_range?query=up&start=0&end=1&step=0', 400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/api/v1/query_range?query=up&start=0&end=1&step=-5s', 400, 'bad_data', 'invalid parameter "step": cannot parse "-5s" to a valid duration'],
    ['/api/v1/query_range?query=up&start=0&end=1&step=-5', 400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/api/v1/query_range?query=up&start=0&end=11001&step=1', 400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['/api/v1/query_range?query=%22s%22&start=0&end=1&step=1', 400, 'bad_data', 'invalid parameter "query": invalid expression type "string" for range query, must be Scalar or instant Vector'],
    ['/api/v1/series', 400, 'bad_data', 'no match[] parameter provided'],
    ['/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D', 400, 'bad_data', 'invalid parameter "match[]": match[] must contain at least one non-empty matcher'],
    ['/api/v1/series?match[]=up&start=z', 400, 'bad_data', `invalid parameter "start": invalid time value for 'start': cannot parse "z" to a valid timestamp`],
    ['/api/v1/labels?limit=x', 400, 'bad_data', 'invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax'],
    ['/api/v1/labels?match[]=up%7B', 400, 'bad_data', 'invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces'],
    ['/api/v1/nope', 404, 'not_found', 'unknown API endpoint /api/v1/nope'],
  ])('%s → %d %s', async (path, status, errorType, error) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.type).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ status: 'error', errorType, error });
    expect(r.body).toBe(JSON.stringify({ status: 'error', errorType, error }));
  });

  it('11,000 points exactly is allowed', async () => {
    expect((await get('/api/v1/query_range?query=1&start=0&end=11000&step=1')).status).toBe(200);
  });

  it('maps a timeout to 503 timeout', async () => {
    const { server: s, base: b } = await startServer({ queryable: data(), queryTimeoutMs: -1 });
    try {
      const r = await fetch(`${b}/api/v1/query?query=up`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    } finally {
      s.close();
    }
  });

  it('maps storage failures: unavailable → 503, others → 500 internal', async () => {
    const failing = (code: 'unavailable' | 'out_of_bounds'): Queryable => ({
      querier: async () => {
        throw new StorageError(code, `store says ${code}`);
      },
    });
    for (const [code, status, errorType] of [['unavailable', 503, 'unavailable'], ['out_of_bounds', 500, 'internal']] as const) {
      const { server: s, base: b } = await startServer({ queryable: failing(code) });
      try {
        const r = await fetch(`${b}/api/v1/query?query=up`);
        expect(r.status).toBe(status);
        expect(await r.json()).toEqual({ status: 'error', errorType, error: `store says ${code}` });
        const l = await fetch(`${b}/api/v1/labels`);
        expect(l.status).toBe(status);
      } finally {
        s.close();
      }
    }
  });

  it('cancels the query when the client goes away', async () => {
    let nextCalls = 0;
    let closed = 0;
    const slow: Queryable = {
      querier: async () => ({
        select: async () => {
          await new Promise((r) => setTimeout(r, 150));
          return { next: () => (nextCalls++, false), at: () => { throw new Error('empty'); }, warnings: () => [] };
        },
        labelNames: async () => [],
        labelValues: async () => [],
        close: () => void closed++,
      }),
    };
    const { server: s, base: b } = await startServer({ queryable: slow });
    try {
      const ac = new AbortController();
      const pending = fetch(`${b}/api/v1/query?query=up`, { signal: ac.signal }).catch((e: unknown) => e);
      setTimeout(() => ac.abort(), 30);
      expect(await pending).toBeInstanceOf(Error);
      await new Promise((r) => setTimeout(r, 250));
      expect(nextCalls).toBe(0); // the engine stopped right after select
      expect(closed).toBe(1);
    } finally {
      s.close();
    }
  });

  it('answers 405 to a POST on label values', async () => {
    const r = await post('/api/v1/label/job/values', '');
    expect(r.status).toBe(405);
  });
});

describe('/api/v1/series', () => {
  it('unions several match[] sets, sorted', async () => {
    const r = await get(`/api/v1/series?match[]=${q('up{job="db"}')}&match[]=${q('{"my.dotted"}')}&match[]=up`);
    expect(r.body).toBe(
      '{"status":"success","data":[' +
        '{"__name__":"my.dotted","label.with.dots":"x"},' +
        '{"__name__":"up","instance":"a:1","job":"api"},' +
        '{"__name__":"up","instance":"b:1","job":"db"}]}',
    );
  });

  it('honours start/end and POST', async () => {
    const r = await post('/api/v1/series', `match[]=${q('http_requests_total')}&start=${(NOW - M) / 1000}&end=${NOW / 1000}`);
    expect(r.body).toBe('{"status":"success","data":[{"__name__":"http_requests_total","code":"200","job":"api"}]}');
  });

  it('cuts at limit with a warning', async () => {
    const r = await get(`/api/v1/series?match[]=up&limit=1`);
    expect(r.body).toBe('{"status":"success","data":[{"__name__":"up","instance":"a:1","job":"api"}],"warnings":["results truncated due to limit"]}');
  });

  it('returns [] when nothing matches', async () => {
    expect((await get(`/api/v1/series?match[]=nothing`)).body).toBe('{"status":"success","data":[]}');
  });
});

describe('/api/v1/labels and /api/v1/label/<name>/values', () => {
  it('lists all label names', async () => {
    expect((await get('/api/v1/labels')).body).toBe('{"status":"success","data":["__name__","code","instance","job","label.with.dots"]}');
  });

  it('filters names by match[] and limit, GET or POST', async () => {
    expect((await post('/api/v1/labels', `match[]=up&match[]=${q('{"my.dotted"}')}`)).body).toBe('{"status":"success","data":["__name__","instance","job","label.with.dots"]}');
    expect((await get('/api/v1/labels?limit=2')).body).toBe('{"status":"success","data":["__name__","code"],"warnings":["results truncated due to limit"]}');
  });

  it('lists values, with match[] and time range', async () => {
    expect((await get('/api/v1/label/__name__/values')).body).toBe('{"status":"success","data":["http_requests_total","my.dotted","up"]}');
    expect((await get(`/api/v1/label/job/values?match[]=${q('up{instance="b:1"}')}`)).body).toBe('{"status":"success","data":["db"]}');
    expect((await get(`/api/v1/label/code/values?start=${(NOW - M) / 1000}`)).body).toBe('{"status":"success","data":["200"]}');
    expect((await get('/api/v1/label/nope/values')).body).toBe('{"status":"success","data":[]}');
  });

  it('decodes U__-escaped UTF-8 label names', async () => {
    expect((await get('/api/v1/label/U__label_2e_with_2e_dots/values')).body).toBe('{"status":"success","data":["x"]}');
    expect((await get('/api/v1/label/label.with.dots/values')).body).toBe('{"status":"success","data":["x"]}');
  });
});

describe('/api/v1/query_exemplars', () => {
  it('answers an empty list (Grafana init probe, ms timestamps included)', async () => {
    expect((await post('/api/v1/query_exemplars', 'query=test&start=1718000000000&end=1718000060000')).body).toBe('{"status":"success","data":[]}');
    expect((await get('/api/v1/query_exemplars?query=up')).body).toBe('{"status":"success","data":[]}');
  });
});

describe('status and health', () => {
  it('serves buildinfo without features', async () => {
    const r = await get('/api/v1/status/buildinfo');
    expect(JSON.parse(r.body)).toEqual({
      status: 'success',
      data: { version: '0.1.0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: process.version },
    });
    expect(r.body).not.toContain('features');
  });

  it('is healthy at once and ready when deps say so', async () => {
    expect(await get('/-/healthy')).toMatchObject({ status: 200, body: 'Pharos Server is Healthy.\n' });
    ready = false;
    expect(await get('/-/ready')).toMatchObject({ status: 503, body: 'Service Unavailable' });
    ready = true;
    expect(await get('/-/ready')).toMatchObject({ status: 200, body: 'Pharos Server is Ready.\n' });
  });

  it('serves /metrics from the registry', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toBe(registry.contentType);
    expect(r.body).toContain('# TYPE pharos_test_total counter\npharos_test_total 3\n');
  });

  it('leaves other paths to other handlers', async () => {
    expect(await get('/v1/metrics')).toMatchObject({ status: 404, body: 'not mine' });
  });
});

describe('queries over the whole language', () => {
  it('aggregates rates by label, as a Grafana RED panel asks', async () => {
    const r = await get(`/api/v1/query?query=${q('sum by (job) (count_over_time(up[5m]))')}`);
    expect(JSON.parse(r.body)).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [60000, '3'] }, { metric: { job: 'db' }, value: [60000, '1'] }] },
    });
  });

  it('reports infos next to warnings', async () => {
    const r = await get(`/api/v1/query?query=${q('rate(up[5m])')}`);
    const body = JSON.parse(r.body);
    expect(body.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "up"']);
    expect(body.data.result).toEqual([{ metric: { instance: 'a:1', job: 'api' }, value: [60000, '0'] }]);
  });
});

describe('metadata, format_query and status endpoints', () => {
  let s: Server;
  let b: string;
  beforeAll(async () => {
    ({ server: s, base: b } = await startServer({
      queryable: data(),
      metadata: () => new Map([['http_requests_total', { type: 'counter', help: 'Requests.', unit: '' }], ['up', { type: 'gauge', help: 'Up.', unit: '' }]]),
      status: { settings: new Map([['query.lookback_delta', '5m']]), flagNames: new Map([['query.lookback_delta', 'query-lookback-delta']]), startTime: new Date(0) },
    }));
  });
  afterAll(() => new Promise<void>((r) => s.close(() => r())));
  const getB = async (path: string) => {
    const r = await fetch(b + path);
    return { status: r.status, json: (await r.json()) as { status: string; data: unknown; errorType?: string } };
  };

  it('/api/v1/metadata lists families, filtered by metric and limit', async () => {
    expect((await getB('/api/v1/metadata')).json.data).toEqual({ http_requests_total: [{ type: 'counter', help: 'Requests.', unit: '' }], up: [{ type: 'gauge', help: 'Up.', unit: '' }] });
    expect((await getB('/api/v1/metadata?metric=up')).json.data).toEqual({ up: [{ type: 'gauge', help: 'Up.', unit: '' }] });
    expect(Object.keys((await getB('/api/v1/metadata?limit=1')).json.data as object)).toEqual(['http_requests_total']);
  });

  it('/api/v1/format_query prints the canonical form', async () => {
    expect((await getB(`/api/v1/format_query?query=${q('sum by(job)(rate(x[5m]))')}`)).json.data).toBe('sum by (job) (rate(x[5m]))');
    const bad = await getB(`/api/v1/format_query?query=${q('sum(')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.errorType).toBe('bad_data');
  });

  it('/api/v1/status/config and flags show the effective settings', async () => {
    expect((await getB('/api/v1/status/config')).json.data).toEqual({ yaml: 'query.lookback_delta: 5m\n' });
    expect((await getB('/api/v1/status/flags')).json.data).toEqual({ 'query-lookback-delta': '5m' });
  });

  it('/api/v1/status/tsdb counts series by metric and label', async () => {
    const d = (await getB('/api/v1/status/tsdb')).json.data as { headStats: { numSeries: number }; seriesCountByMetricName: unknown; labelValueCountByLabelName: unknown };
    expect(d.headStats.numSeries).toBe(5);
    expect(d.seriesCountByMetricName).toEqual([{ name: 'http_requests_total', value: 2 }, { name: 'up', value: 2 }, { name: 'my.dotted', value: 1 }]);
    expect(d.labelValueCountByLabelName).toEqual(expect.arrayContaining([{ name: '__name__', value: 3 }, { name: 'job', value: 2 }]));
  });

  it('/api/v1/status/runtimeinfo and /api/v1/rules answer in Prometheus shapes', async () => {
    const rt = (await getB('/api/v1/status/runtimeinfo')).json.data as Record<string, unknown>;
    expect(rt.startTime).toBe('1970-01-01T00:00:00.000Z');
    expect((await getB('/api/v1/rules')).json.data).toEqual({ groups: [] });
  });
});

describe('query limits', () => {
  it('fails a query that would load more samples than allowed, with errorType execution', async () => {
    const { server: s, base: b } = await startServer({ queryable: data(), queryMaxSamples: 2 });
    try {
      const r = await fetch(`${b}/api/v1/query?query=${q('count_over_time(up[10m])')}`);
      expect(r.status).toBe(422);
      expect(await r.json()).toEqual({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
      // Within the limit the same store answers.
      expect((await fetch(`${b}/api/v1/query?query=up`)).status).toBe(200);
    } finally {
      s.close();
    }
  });
});
