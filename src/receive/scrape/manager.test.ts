/**
 * The scrape manager as a whole: reloads that keep, add and remove targets, file_sd driving the
 * target set, and the /api/v1/targets view and handler.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../../log.ts';
import { createTargetsHandler, parseScrapeConfigs, ScrapeManager, type ScrapeConfig } from './index.ts';
import { globalUrl } from './targets-view.ts';
import { MemoryAppendable, startFixtureServer, waitFor, type FixtureServer, type StoredSample } from './test-support.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function fixture(body: string): Promise<FixtureServer> {
  const fx = await startFixtureServer({ body });
  cleanup.push(() => fx.close());
  return fx;
}

function manager(store = new MemoryAppendable(), registry = new Registry()): { m: ScrapeManager; store: MemoryAppendable; registry: Registry } {
  const m = new ScrapeManager({ appendable: store, logger: silentLogger, registry });
  cleanup.push(() => m.stop());
  return { m, store, registry };
}

/** scrape_configs from YAML (a list), with a 200 ms global interval. */
function configs(yaml: string, baseDir?: string): ScrapeConfig[] {
  return parseScrapeConfigs(parseYaml(yaml), { scrape_interval: '200ms', scrape_timeout: '150ms' }, 'scrape_configs', { baseDir });
}

async function samples(store: MemoryAppendable, labels: Record<string, string>): Promise<StoredSample[]> {
  return (await store.series(labels)) ?? [];
}

/** Waits until the series has `n` more samples than now. */
async function more(store: MemoryAppendable, labels: Record<string, string>, n: number): Promise<StoredSample[]> {
  const have = (await samples(store, labels)).length;
  return waitFor(`${n} more samples of ${JSON.stringify(labels)}`, async () => {
    const s = await samples(store, labels);
    return s.length >= have + n ? s : undefined;
  });
}

async function staleMarked(store: MemoryAppendable, labels: Record<string, string>): Promise<StoredSample[]> {
  return waitFor(`a staleness marker on ${JSON.stringify(labels)}`, async () => {
    const s = await samples(store, labels);
    return s.at(-1)?.stale ? s : undefined;
  });
}

describe('ScrapeManager.applyConfig: reloads', () => {
  it('keeps loops of unchanged targets, starts new ones, and marks the series of removed ones stale', async () => {
    const [a, b] = [await fixture('m 1\n'), await fixture('m 2\n')];
    const { m, store } = manager();
    const ma = { __name__: 'm', job: 'j', instance: a.address };
    const mb = { __name__: 'm', job: 'j', instance: b.address };
    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}'] }] }]`));
    await more(store, ma, 2);

    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}', '${b.address}'] }] }]`));
    // The kept target's loop was not restarted: it still shows its last scrape.
    const kept = m.targets().activeTargets.find((t) => t.labels.instance === a.address)!;
    expect(kept.lastScrape).not.toBe('0001-01-01T00:00:00Z');
    await more(store, mb, 2);

    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}'] }] }]`));
    expect(m.targets().activeTargets.map((t) => t.labels.instance)).toEqual([a.address]);
    // About two intervals later, every series of the removed target ends with a staleness marker.
    const gone = await staleMarked(store, mb);
    const upB = await staleMarked(store, { __name__: 'up', job: 'j', instance: b.address });
    expect(gone.at(-1)!.t).toBe(upB.at(-1)!.t);
    expect(gone.at(-1)!.t).toBeGreaterThan(gone.at(-2)!.t);
    const stillA = await more(store, ma, 2);
    expect(stillA.some((s) => s.stale)).toBe(false);
  });

  it('removing a job stops its targets with staleness markers', async () => {
    const a = await fixture('m 1\n');
    const { m, store } = manager();
    await m.applyConfig(configs(`[{ job_name: gone, static_configs: [{ targets: ['${a.address}'] }] }]`));
    await more(store, { __name__: 'm', job: 'gone', instance: a.address }, 1);
    await m.applyConfig([]);
    expect(m.targets().activeTargets).toEqual([]);
    await staleMarked(store, { __name__: 'm', job: 'gone', instance: a.address });
    await staleMarked(store, { __name__: 'scrape_duration_seconds', job: 'gone', instance: a.address });
  });

  it('a new interval keeps the series going without staleness markers', async () => {
    const a = await fixture('m 1\n');
    const { m, store } = manager();
    const series = { __name__: 'm', job: 'j', instance: a.address };
    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}'] }] }]`));
    await more(store, series, 2);
    await m.applyConfig(configs(`[{ job_name: j, scrape_interval: 100ms, scrape_timeout: 50ms, static_configs: [{ targets: ['${a.address}'] }] }]`));
    expect(m.targets().activeTargets[0]).toMatchObject({ scrapeInterval: '100ms', scrapeTimeout: '50ms' });
    const s = await more(store, series, 6);
    expect(s.some((x) => x.stale)).toBe(false);
    await m.settled();
    expect((await samples(store, series)).some((x) => x.stale)).toBe(false);
  });

  it('a new metric_relabel_configs starts over: series it now drops get staleness markers', async () => {
    const a = await fixture('keep 1\ndrop_me 2\n');
    const { m, store } = manager();
    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}'] }] }]`));
    await more(store, { __name__: 'drop_me', job: 'j', instance: a.address }, 1);
    await m.applyConfig(configs(`[{ job_name: j, static_configs: [{ targets: ['${a.address}'] }], metric_relabel_configs: [{ source_labels: [__name__], regex: drop_me, action: drop }] }]`));
    await staleMarked(store, { __name__: 'drop_me', job: 'j', instance: a.address });
    await m.settled();
    const keep = await samples(store, { __name__: 'keep', job: 'j', instance: a.address });
    expect(keep.some((s) => s.stale)).toBe(false); // its old loop's late marker was out of order and dropped
  });

  it('a job whose HTTP client cannot be built fails the reload by name; the other jobs run', async () => {
    const a = await fixture('m 1\n');
    const { m, store } = manager();
    const bad = configs(`[
      { job_name: broken, scheme: https, tls_config: { ca_file: /nonexistent/ca.pem }, static_configs: [{ targets: ['${a.address}'] }] },
      { job_name: fine, static_configs: [{ targets: ['${a.address}'] }] }]`);
    await expect(m.applyConfig(bad)).rejects.toThrow(/error creating new scrape pool for job "broken": job "broken": unable to load specified CA cert "\/nonexistent\/ca.pem"/);
    await more(store, { __name__: 'm', job: 'fine', instance: a.address }, 1);
    expect(m.targets().activeTargets.map((t) => t.scrapePool)).toEqual(['fine']);
  });
});

describe('file_sd', () => {
  it('targets follow the files: added, removed (with staleness markers), and a broken file keeps the last good targets', async () => {
    const [a, b] = [await fixture('m 1\n'), await fixture('m 2\n')];
    const dir = mkdtempSync(join(tmpdir(), 'pharos-file-sd-'));
    const file = join(dir, 'web.json');
    const write = (content: string) => {
      // Write then rename, as config management tools do, so the watcher never sees half a file.
      writeFileSync(file + '.tmp', content);
      renameSync(file + '.tmp', file);
    };
    write(JSON.stringify([{ targets: [a.address, b.address], labels: { env: 'prod' } }]));
    const { m, store, registry } = manager();
    // A long refresh_interval: only the directory watch can notice the edits in time.
    await m.applyConfig(configs(`[{ job_name: sd, file_sd_configs: [{ files: ['sd/*.json'], refresh_interval: 10m }] }]`, dir.replace(/\/sd$/, '')).map((c) => ({
      ...c, fileSdConfigs: [{ files: [join(dir, '*.json')], refreshIntervalMs: 600_000 }],
    })));
    const active = m.targets().activeTargets;
    expect(active.map((t) => t.labels)).toEqual([
      { env: 'prod', instance: a.address, job: 'sd' },
      { env: 'prod', instance: b.address, job: 'sd' },
    ].sort((x, y) => (`http://${x.instance}` < `http://${y.instance}` ? -1 : 1)));
    expect(active[0].discoveredLabels.__meta_filepath).toBe(file);
    await more(store, { __name__: 'm', env: 'prod', job: 'sd', instance: b.address }, 1);

    write(JSON.stringify([{ targets: [a.address], labels: { env: 'prod' } }]));
    await waitFor('b to leave the targets', () => m.targets().activeTargets.length === 1);
    await staleMarked(store, { __name__: 'm', env: 'prod', job: 'sd', instance: b.address });

    write('[{"targets": ["oops"'); // broken JSON
    await waitFor('the read error to be counted', async () => ((await registry.getSingleMetric('prometheus_sd_file_read_errors_total')!.get()).values[0]?.value ?? 0) >= 1);
    expect(m.targets().activeTargets.map((t) => t.labels.instance)).toEqual([a.address]);
  });

  it('reads YAML files, and a directory that appears later is found by polling', async () => {
    const a = await fixture('m 1\n');
    const root = mkdtempSync(join(tmpdir(), 'pharos-file-sd-'));
    const { m, registry } = manager();
    const cfg = configs(`[{ job_name: y, file_sd_configs: [{ files: ['later/*.yml'], refresh_interval: 200ms }] }]`, root);
    await m.applyConfig(cfg);
    expect(m.targets().activeTargets).toEqual([]);
    expect((await registry.getSingleMetric('prometheus_sd_file_watcher_errors_total')!.get()).values[0].value).toBe(1);

    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'later'));
    writeFileSync(join(root, 'later', 't.yml'), `- targets: ['${a.address}']\n  labels: { team: db }\n`);
    await waitFor('the YAML target', () => m.targets().activeTargets.length === 1);
    expect(m.targets().activeTargets[0].labels).toEqual({ instance: a.address, job: 'y', team: 'db' });
  });
});

describe('targets(): the /api/v1/targets data', () => {
  it('lists active targets with their state and dropped targets with their discovered labels', async () => {
    const a = await fixture('m 1\n');
    const { m, store } = manager();
    await m.applyConfig(configs(`[
      { job_name: web, static_configs: [{ targets: ['${a.address}', 'skip.me:1'] }],
        relabel_configs: [{ source_labels: [__address__], regex: 'skip.*', action: drop }] },
      { job_name: api, metrics_path: /m, params: { x: ['1'] }, static_configs: [{ targets: ['127.0.0.1:1'] }] }]`));
    await more(store, { __name__: 'up', job: 'web', instance: a.address }, 1);
    await waitFor('the api target to fail', () => m.targets().activeTargets.find((t) => t.scrapePool === 'api')?.health === 'down');

    const data = m.targets();
    expect(data.activeTargets.map((t) => t.scrapePool)).toEqual(['api', 'web']); // sorted by pool
    const [api, web] = data.activeTargets;
    expect(Object.keys(web)).toEqual([
      'discoveredLabels', 'labels', 'scrapePool', 'scrapeUrl', 'globalUrl', 'lastError', 'lastScrape', 'lastScrapeDuration', 'health', 'scrapeInterval', 'scrapeTimeout',
    ]);
    expect(web).toMatchObject({
      discoveredLabels: { __address__: a.address, __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '200ms', __scrape_timeout__: '150ms', job: 'web' },
      labels: { instance: a.address, job: 'web' },
      scrapeUrl: `http://${a.address}/metrics`,
      globalUrl: `http://${a.address}/metrics`,
      lastError: '',
      health: 'up',
      scrapeInterval: '200ms',
      scrapeTimeout: '150ms',
    });
    expect(web.lastScrape).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(web.lastScrapeDuration).toBeGreaterThan(0);
    expect(api.scrapeUrl).toBe('http://127.0.0.1:1/m?x=1');
    expect(api.discoveredLabels.__param_x).toBe('1');
    expect(api.lastError).toMatch(/^Get "http:\/\/127\.0\.0\.1:1\/m\?x=1": connect ECONNREFUSED/);

    expect(data.droppedTargets).toEqual([{
      discoveredLabels: { __address__: 'skip.me:1', __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '200ms', __scrape_timeout__: '150ms', job: 'web' },
      scrapePool: 'web',
    }]);
    expect(data.droppedTargetCounts).toEqual({ api: 0, web: 1 });

    expect(m.targets('active')).toMatchObject({ droppedTargets: [], droppedTargetCounts: null });
    expect(m.targets('dropped').activeTargets).toEqual([]);
    expect(m.targets('any', 'web').activeTargets.map((t) => t.scrapePool)).toEqual(['web']);
    expect(m.targets('bogus')).toEqual({ activeTargets: [], droppedTargets: [], droppedTargetCounts: null });
  });

  it('a target not scraped yet is "unknown" at Go\'s zero time', async () => {
    const { m } = manager();
    await m.applyConfig(parseScrapeConfigs(parseYaml('[{ job_name: slow, scrape_interval: 1h, static_configs: [{ targets: [h:1] }] }]'), {}, 'scrape_configs'));
    expect(m.targets().activeTargets[0]).toMatchObject({ health: 'unknown', lastScrape: '0001-01-01T00:00:00Z', lastScrapeDuration: 0, lastError: '', scrapeInterval: '1h', scrapeTimeout: '10s' });
  });

  it('createTargetsHandler serves GET /api/v1/targets in the API envelope', async () => {
    const { m } = manager();
    await m.applyConfig(parseScrapeConfigs(parseYaml('[{ job_name: j, scrape_interval: 1h, static_configs: [{ targets: [h:1] }], relabel_configs: [{ action: drop, source_labels: [__address__], regex: nothing }] }]'), {}, 'scrape_configs'));
    const handler = createTargetsHandler(m);
    const server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end('not mine');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const all = await fetch(`${base}/api/v1/targets`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('application/json');
    expect(await all.json()).toEqual({ status: 'success', data: JSON.parse(JSON.stringify(m.targets())) });

    const dropped = (await (await fetch(`${base}/api/v1/targets?state=dropped`)).json()) as { data: { activeTargets: unknown[]; droppedTargetCounts: object } };
    expect(dropped.data.activeTargets).toEqual([]);
    expect(dropped.data.droppedTargetCounts).toEqual({ j: 0 });

    const post = await fetch(`${base}/api/v1/targets`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await post.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'method POST not allowed' });

    expect(await (await fetch(`${base}/api/v1/query`)).text()).toBe('not mine');
  });
});

describe('globalUrl: loopback targets as seen from outside (Prometheus getGlobalURL)', () => {
  const opts = { listenAddress: '0.0.0.0:9090', host: 'pharos.example:9090', scheme: 'https' };
  it.each([
    ['http://127.0.0.1:9100/metrics', 'http://pharos.example:9100/metrics'],
    ['http://localhost:9100/metrics?x=1', 'http://pharos.example:9100/metrics?x=1'],
    ['http://[::1]:9100/metrics', 'http://pharos.example:9100/metrics'],
    ['http://localhost:9090/metrics', 'https://pharos.example:9090/metrics'], // ourselves
    ['http://node-1:9100/metrics', 'http://node-1:9100/metrics'],
  ])('%s → %s', (url, want) => {
    expect(globalUrl(url, opts)).toBe(want);
  });
  it('without options the URL is unchanged', () => {
    expect(globalUrl('http://127.0.0.1:9100/metrics', undefined)).toBe('http://127.0.0.1:9100/metrics');
  });
});
