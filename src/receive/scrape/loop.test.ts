/**
 * Scrape loops against local HTTP servers serving fixture exposition text, appending into the
 * in-memory store; assertions read the stored samples back. Intervals are 200 ms so each test
 * sees a handful of scrapes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../../log.ts';
import { VERSION } from '../../version.ts';
import { parseScrapeConfigs, SCRAPE_ACCEPT_HEADER, ScrapeManager } from './index.ts';
import { MemoryAppendable, startFixtureServer, waitFor, type FixtureReply, type FixtureServer, type StoredSample } from './test-support.ts';

const INTERVAL = '200ms';
const TIMEOUT = '200ms';

interface Rig {
  fx: FixtureServer;
  store: MemoryAppendable;
  manager: ScrapeManager;
  registry: Registry;
  /** The target's labels on every series. */
  target: { job: string; instance: string };
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.manager.stop();
    await r.fx.close();
  }
});

/** Starts a fixture server and a manager scraping it with one job; `extra` is YAML merged into the job. */
async function rig(reply: FixtureServer['next'], extra = ''): Promise<Rig> {
  const fx = await startFixtureServer(reply);
  const store = new MemoryAppendable();
  const registry = new Registry();
  const manager = new ScrapeManager({ appendable: store, logger: silentLogger, registry });
  const job = parseYaml(`{ job_name: fx, scrape_interval: ${INTERVAL}, scrape_timeout: ${TIMEOUT}, static_configs: [{ targets: ['${fx.address}'] }] ${extra ? ', ' + extra : ''} }`);
  await manager.applyConfig(parseScrapeConfigs([job], {}, 'scrape_configs'));
  const r = { fx, store, manager, registry, target: { job: 'fx', instance: fx.address } };
  rigs.push(r);
  return r;
}

/** The `up` samples so far. */
async function ups(r: Rig): Promise<StoredSample[]> {
  return (await r.store.series({ __name__: 'up', ...r.target })) ?? [];
}

/** Waits until `n` more scrapes than now have been recorded; returns all `up` samples. */
async function scrapes(r: Rig, n: number): Promise<StoredSample[]> {
  const have = (await ups(r)).length;
  return waitFor(`${n} more scrapes`, async () => {
    const u = await ups(r);
    return u.length >= have + n ? u : undefined;
  });
}

async function report(r: Rig, name: string): Promise<number[]> {
  return ((await r.store.series({ __name__: name, ...r.target })) ?? []).map((s) => s.v);
}

async function metric(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  return (await m.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('scrape loop: a healthy target', () => {
  it('stores samples with job and instance, one batch per scrape, plus the report series', async () => {
    const r = await rig({ body: '# HELP a An example.\n# TYPE a gauge\na{x="1"} 1\na{x="2"} 2\n', gzip: true });
    const up = await scrapes(r, 3);
    expect(up.map((s) => s.v)).toEqual(up.map(() => 1));

    const a1 = (await r.store.series({ __name__: 'a', x: '1', ...r.target }))!;
    // Every sample carries the scrape's timestamp, the same as `up` of that scrape.
    expect(a1.slice(0, 3).map((s) => s.t)).toEqual(up.slice(0, 3).map((s) => s.t));
    expect(new Set(a1.map((s) => s.v))).toEqual(new Set([1]));

    expect((await report(r, 'scrape_samples_scraped')).slice(0, 3)).toEqual([2, 2, 2]);
    expect((await report(r, 'scrape_samples_post_metric_relabeling')).slice(0, 3)).toEqual([2, 2, 2]);
    expect((await report(r, 'scrape_series_added')).slice(0, 3)).toEqual([2, 0, 0]);
    const durations = await report(r, 'scrape_duration_seconds');
    expect(Math.min(...durations)).toBeGreaterThan(0);
    expect(Math.max(...durations)).toBeLessThan(1);
    expect(r.store.metadata.get('a')).toEqual({ type: 'gauge', unit: '', help: 'An example.' });

    await r.manager.stop();
    expect(r.store.commits).toBe((await ups(r)).length); // one commit per scrape, nothing else
  });

  it('asks like Prometheus: OpenMetrics preferred, gzip, the timeout in a header', async () => {
    const r = await rig({ body: 'a 1\n' });
    await scrapes(r, 1);
    const h = r.fx.requests[0].headers;
    expect(h.accept).toBe(SCRAPE_ACCEPT_HEADER);
    expect(h['accept-encoding']).toBe('gzip');
    expect(h['x-prometheus-scrape-timeout-seconds']).toBe('0.2');
    expect(h['user-agent']).toBe(`Pharos/${VERSION}`);
    expect(r.fx.requests[0].url).toBe('/metrics');
  });

  it('reads OpenMetrics when the target answers with it', async () => {
    const r = await rig({
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      body: '# TYPE req counter\n# HELP req Requests.\nreq_total 7\nreq_created 1700000000.5\n# EOF\n',
    });
    await scrapes(r, 1);
    expect((await r.store.series({ __name__: 'req_total', ...r.target }))![0].v).toBe(7);
    // Prometheus ingests _created as an ordinary series unless created-timestamp ingestion is on.
    expect((await r.store.series({ __name__: 'req_created', ...r.target }))![0].v).toBe(1700000000.5);
    expect(r.manager.targets().activeTargets[0].health).toBe('up');
  });
});

describe('scrape loop: scheduling', () => {
  it('each target scrapes at a phase of the interval of its own, and the phases spread over the interval', async () => {
    const fx = await startFixtureServer({ body: 'a 1\n' });
    const store = new MemoryAppendable();
    const manager = new ScrapeManager({ appendable: store, logger: silentLogger, registry: new Registry() });
    rigs.push({ fx, store, manager, registry: new Registry(), target: { job: 'spread', instance: '' } });
    const interval = 1000;
    // Eight targets on one server, told apart by a label (the target key holds the labels).
    const groups = Array.from({ length: 8 }, (_, i) => ({ targets: [fx.address], labels: { replica: String(i) } }));
    await manager.applyConfig(parseScrapeConfigs([{ job_name: 'spread', scrape_interval: '1s', static_configs: groups }], {}, 'scrape_configs'));
    const ups = await waitFor('three scrapes of every target', async () => {
      const all = (await store.select()).filter((s) => s.labels.__name__ === 'up').map((s) => s.samples.map((x) => x.t));
      return all.length === 8 && all.every((ts) => ts.length >= 3) ? all : undefined;
    }, 10_000);
    // A scrape that starts late (a busy event loop, as on a loaded CI machine) is stamped with its
    // real start: one phase per target means all its scrapes but at most one lie near one phase.
    const distance = (a: number, b: number) => Math.min(Math.abs(a - b), interval - Math.abs(a - b));
    const phases = ups.map((ts) => {
      const near = (p: number) => ts.filter((t) => distance(t % interval, p) < 150).length;
      const phase = ts.map((t) => t % interval).reduce((best, p) => (near(p) > near(best) ? p : best));
      expect(near(phase), `${ts}`).toBeGreaterThanOrEqual(ts.length - 1);
      return phase;
    });
    // Started together, they do not scrape together: the phases spread over the interval.
    // (Two late timers can fire in the same millisecond on a loaded machine, so not all 8 need differ.)
    expect(new Set(phases).size).toBeGreaterThanOrEqual(6);
    expect(Math.max(...phases) - Math.min(...phases)).toBeGreaterThan(interval / 4);
  });
});

describe('scrape loop: staleness', () => {
  it('a series that disappears gets a staleness marker at the scrape that missed it', async () => {
    const r = await rig({ body: 'keep 1\ngone 2\n' });
    await scrapes(r, 2);
    r.fx.next = { body: 'keep 1\n' };
    const gone = await waitFor('a staleness marker on gone', async () => {
      const s = (await r.store.series({ __name__: 'gone', ...r.target }))!;
      return s.at(-1)!.stale ? s : undefined;
    });
    await scrapes(r, 2);
    const up = await ups(r);
    const staleAt = gone.at(-1)!.t;
    expect(up.map((s) => s.t)).toContain(staleAt); // stamped with that scrape's time
    expect(gone.filter((s) => s.stale)).toHaveLength(1); // once, not at every later scrape
    expect((await r.store.series({ __name__: 'gone', ...r.target }))!).toHaveLength(gone.length);
    const keep = (await r.store.series({ __name__: 'keep', ...r.target }))!;
    expect(keep.some((s) => s.stale)).toBe(false);
    expect((await report(r, 'scrape_series_added')).includes(1)).toBe(false);
  });

  it('a series with its own timestamp gets no marker when it disappears (Prometheus cannot know it ended)', async () => {
    const r = await rig({ body: 'ts 1 1600000000000\nplain 1\n' });
    await scrapes(r, 2);
    r.fx.next = { body: 'other 1\n' };
    await waitFor('plain to go stale', async () => (await r.store.series({ __name__: 'plain', ...r.target }))!.at(-1)!.stale || undefined);
    const ts = (await r.store.series({ __name__: 'ts', ...r.target }))!;
    expect(ts).toEqual([{ t: 1600000000000, v: 1, stale: false }]);
  });

  // `scraped`: scrape_samples_scraped of the failed scrape, which counts what was read before the error.
  const failures: Array<{ name: string; reply: FixtureReply; error: RegExp; scraped: number }> = [
    { name: 'HTTP 500', reply: { status: 500, body: 'oops' }, error: /^server returned HTTP status 500 Internal Server Error$/, scraped: 0 },
    { name: 'a timeout', reply: { body: 'a 1\n', delayMs: 1000 }, error: /^Get "http:\/\/127\.0\.0\.1:\d+\/metrics": context deadline exceeded$/, scraped: 0 },
    { name: 'garbage', reply: { body: 'this is { not metrics\n' }, error: /^line 1: /, scraped: 0 },
    { name: 'OpenMetrics without # EOF', reply: { contentType: 'application/openmetrics-text; version=1.0.0', body: 'a 1\n' }, error: /EOF/, scraped: 1 },
  ];
  it.each(failures)('a failed scrape ($name) writes up=0 and marks every series of the last scrape stale', async ({ reply, error, scraped }) => {
    const r = await rig({ body: 'a 1\nb{k="v"} 2\n' });
    await scrapes(r, 2);
    r.fx.next = reply;
    const up = await waitFor('up=0', async () => {
      const u = await ups(r);
      return u.at(-1)!.v === 0 ? u : undefined;
    });
    const failed = up.findIndex((s) => s.v === 0);
    const failedAt = up[failed].t;
    for (const labels of [{ __name__: 'a' }, { __name__: 'b', k: 'v' }] as Array<Record<string, string>>) {
      const s = (await r.store.series({ ...labels, ...r.target }))!;
      expect(s.at(-1)).toEqual({ t: failedAt, v: expect.anything(), stale: true });
    }
    const t = r.manager.targets().activeTargets[0];
    expect(t.health).toBe('down');
    expect(t.lastError).toMatch(error);
    expect((await report(r, 'scrape_samples_scraped'))[failed]).toBe(scraped);

    // Back to normal: up again, the series continue.
    r.fx.next = { body: 'a 1\n' };
    await waitFor('up=1 again', async () => (await ups(r)).at(-1)!.v === 1 || undefined);
    expect(r.manager.targets().activeTargets[0]).toMatchObject({ health: 'up', lastError: '' });
  });
});

describe('scrape loop: labels and timestamps', () => {
  const body = 'm{job="pushgateway-job",instance="elsewhere",x="1"} 1\n';

  it('without honor_labels, conflicting exposed labels become exported_*', async () => {
    const r = await rig({ body });
    await scrapes(r, 1);
    const all = await r.store.select();
    expect(all.find((s) => s.labels.__name__ === 'm')!.labels).toEqual({
      __name__: 'm', ...r.target, x: '1', exported_job: 'pushgateway-job', exported_instance: 'elsewhere',
    });
  });

  it('with honor_labels: true, exposed labels win (report series still carry the target labels)', async () => {
    const r = await rig({ body }, 'honor_labels: true');
    await scrapes(r, 1);
    const all = await r.store.select();
    expect(all.find((s) => s.labels.__name__ === 'm')!.labels).toEqual({ __name__: 'm', job: 'pushgateway-job', instance: 'elsewhere', x: '1' });
    expect(all.find((s) => s.labels.__name__ === 'up')!.labels).toEqual({ __name__: 'up', ...r.target });
  });

  it('honor_timestamps (default) keeps exposed timestamps; a repeat of the same one is a counted duplicate, not a failure', async () => {
    const r = await rig({ body: 'm 5 1600000000000\n' });
    await scrapes(r, 3);
    expect((await r.store.series({ __name__: 'm', ...r.target }))!).toEqual([{ t: 1600000000000, v: 5, stale: false }]);
    expect((await ups(r)).map((s) => s.v)).not.toContain(0);
    expect(await metric(r.registry, 'prometheus_target_scrapes_sample_duplicate_timestamp_total')).toBeGreaterThanOrEqual(2);
  });

  it('honor_timestamps: false stamps every sample with the scrape time', async () => {
    const r = await rig({ body: 'm 5 1600000000000\n' }, 'honor_timestamps: false');
    const up = await scrapes(r, 3);
    const m = (await r.store.series({ __name__: 'm', ...r.target }))!;
    expect(m.slice(0, 3).map((s) => s.t)).toEqual(up.slice(0, 3).map((s) => s.t));
  });

  it('the same series twice in one scrape: the first value is kept and the repeat counted', async () => {
    const r = await rig({ body: 'm 1\nm 2\n' });
    await scrapes(r, 1);
    expect((await r.store.series({ __name__: 'm', ...r.target }))![0].v).toBe(1);
    expect((await report(r, 'scrape_samples_post_metric_relabeling'))[0]).toBe(2); // as Prometheus reports it
    expect(await metric(r.registry, 'prometheus_target_scrapes_sample_duplicate_timestamp_total')).toBeGreaterThanOrEqual(1);
  });
});

describe('scrape loop: limits and metric relabelling', () => {
  it('sample_limit: a scrape over the limit stores none of its samples and writes up=0', async () => {
    const r = await rig({ body: 'a 1\nb 2\nc 3\n' }, 'sample_limit: 2');
    const up = await scrapes(r, 2);
    expect(up.map((s) => s.v)).toEqual([0, 0]);
    for (const name of ['a', 'b', 'c']) expect(await r.store.series({ __name__: name, ...r.target })).toBeUndefined();
    expect((await report(r, 'scrape_samples_scraped')).slice(0, 2)).toEqual([3, 3]);
    expect(r.manager.targets().activeTargets[0].lastError).toBe('sample limit exceeded');
    expect(await metric(r.registry, 'prometheus_target_scrapes_exceeded_sample_limit_total')).toBeGreaterThanOrEqual(2);

    r.fx.next = { body: 'a 1\nb 2\n' };
    await waitFor('up=1 within the limit', async () => (await ups(r)).at(-1)!.v === 1 || undefined);
    expect((await r.store.series({ __name__: 'a', ...r.target }))!.length).toBeGreaterThan(0);
  });

  it('sample_limit counts samples after metric relabelling', async () => {
    const r = await rig({ body: 'a 1\nb 2\ngo_x 3\n' }, "sample_limit: 2, metric_relabel_configs: [{ source_labels: [__name__], regex: 'go_.*', action: drop }]");
    const up = await scrapes(r, 1);
    expect(up[0].v).toBe(1);
  });

  it('label_limit: a series with too many labels fails the scrape', async () => {
    const r = await rig({ body: 'ok 1\nm{a="1"} 1\n' }, 'label_limit: 3');
    await scrapes(r, 1);
    expect((await ups(r))[0].v).toBe(0);
    expect(r.manager.targets().activeTargets[0].lastError).toBe('label_limit exceeded (metric: m, number of labels: 4, limit: 3)');
    expect(await r.store.series({ __name__: 'ok', ...r.target })).toBeUndefined();
  });

  it('metric_relabel_configs: dropped series are not stored and not counted after relabelling', async () => {
    const r = await rig(
      { body: 'go_goroutines 8\ngo_threads 9\nhttp_requests_total{code="200"} 3\n' },
      "metric_relabel_configs: [{ source_labels: [__name__], regex: 'go_.*', action: drop }, { source_labels: [code], target_label: status }]",
    );
    await scrapes(r, 2);
    const names = new Set((await r.store.select()).map((s) => s.labels.__name__));
    expect(names.has('go_goroutines')).toBe(false);
    expect(names.has('go_threads')).toBe(false);
    expect((await r.store.series({ __name__: 'http_requests_total', code: '200', status: '200', ...r.target }))!.length).toBeGreaterThan(0);
    expect((await report(r, 'scrape_samples_scraped')).slice(0, 2)).toEqual([3, 3]);
    expect((await report(r, 'scrape_samples_post_metric_relabeling')).slice(0, 2)).toEqual([1, 1]);
  });
});

describe('scrape loop: HTTP settings', () => {
  it('basic_auth sends the password from its file, read again at every scrape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-scrape-auth-'));
    const pw = join(dir, 'pw');
    writeFileSync(pw, 'first\n');
    const r = await rig({ body: 'a 1\n' }, `basic_auth: { username: scraper, password_file: '${pw}' }`);
    await scrapes(r, 1);
    expect(r.fx.requests[0].headers.authorization).toBe('Basic ' + Buffer.from('scraper:first').toString('base64'));
    writeFileSync(pw, 'second');
    await scrapes(r, 1);
    expect(r.fx.requests.at(-1)!.headers.authorization).toBe('Basic ' + Buffer.from('scraper:second').toString('base64'));
  });

  it('authorization sends its type and credentials', async () => {
    const r = await rig({ body: 'a 1\n' }, 'authorization: { type: Token, credentials: abc }');
    await scrapes(r, 1);
    expect(r.fx.requests[0].headers.authorization).toBe('Token abc');
  });

  it('bearer_token and bearer_token_file send Authorization: Bearer, the file read again at every scrape', async () => {
    const r = await rig({ body: 'a 1\n' }, 'bearer_token: inline-token');
    await scrapes(r, 1);
    expect(r.fx.requests[0].headers.authorization).toBe('Bearer inline-token');

    const file = join(mkdtempSync(join(tmpdir(), 'pharos-scrape-bearer-')), 'token');
    writeFileSync(file, 'first-token\n');
    const f = await rig({ body: 'a 1\n' }, `bearer_token_file: '${file}'`);
    await scrapes(f, 1);
    expect(f.fx.requests[0].headers.authorization).toBe('Bearer first-token');
    writeFileSync(file, 'rotated-token');
    await scrapes(f, 2);
    expect(f.fx.requests.at(-1)!.headers.authorization).toBe('Bearer rotated-token');
  });

  it('asks for metrics_path with params in the query string', async () => {
    const r = await rig({ body: 'a 1\n' }, "metrics_path: /probe, params: { module: [http_2xx], target: ['a b', c] }");
    await scrapes(r, 1);
    expect(r.fx.requests[0].url).toBe('/probe?module=http_2xx&target=a+b&target=c');
  });

  it('follows redirects unless follow_redirects is false', async () => {
    const redirecting = (url: string): FixtureReply => (url === '/metrics' ? { status: 302, body: '', headers: { Location: '/real' } } : { body: 'a 1\n' });
    const r = await rig(redirecting);
    expect((await scrapes(r, 1))[0].v).toBe(1);
    expect(r.fx.requests.slice(0, 2).map((q) => q.url)).toEqual(['/metrics', '/real']);

    const strict = await rig(redirecting, 'follow_redirects: false');
    expect((await scrapes(strict, 1))[0].v).toBe(0);
    expect(strict.manager.targets().activeTargets[0].lastError).toBe('server returned HTTP status 302 Found');
  });

  it('body_size_limit fails a scrape whose decompressed body is larger', async () => {
    const r = await rig({ body: `a ${'1'.repeat(2000)}\n`, gzip: true }, 'body_size_limit: 1KB');
    expect((await scrapes(r, 1))[0].v).toBe(0);
    expect(r.manager.targets().activeTargets[0].lastError).toBe('body size limit exceeded');
    expect(await metric(r.registry, 'prometheus_target_scrapes_exceeded_body_size_limit_total')).toBeGreaterThanOrEqual(1);
  });
});
