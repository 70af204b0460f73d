/**
 * Differential check against the real Prometheus (Debian's 2.42): both scrape the same fixture
 * targets (text format and OpenMetrics, with explicit timestamps, conflicting labels, relabelling
 * and a metric_relabel drop) with the same scrape_configs, and must store the same series, the
 * same samples at the exposed timestamps, the same report values, and list the same targets.
 * Fails (never skips) when /usr/bin/prometheus is missing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { apiQuery, requirePrometheus, startPrometheus, type ApiSeries, type PrometheusPeer } from '../../../test/peers/prometheus.ts';
import { silentLogger } from '../../log.ts';
import { Matcher } from '../../model/matcher.ts';
import { parseScrapeConfigs, ScrapeManager } from './index.ts';
import { MemoryAppendable, waitFor } from './test-support.ts';

const JOBS = ['fixture-text', 'fixture-om'];
// Explicit timestamps a little in the past: the same samples at every scrape.
const TS_MS = Math.floor(Date.now() / 1000) * 1000 - 30_000;

const TEXT_BODY = `# HELP http_requests_total Requests handled.
# TYPE http_requests_total counter
http_requests_total{code="200",job="exported-job"} 1027 ${TS_MS}
http_requests_total{code="500",instance="somewhere-else"} 3 ${TS_MS}
# TYPE temperature_celsius gauge
temperature_celsius{room="lab"} 21.5 ${TS_MS}
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.1"} 4 ${TS_MS}
rpc_seconds_bucket{le="1"} 6 ${TS_MS}
rpc_seconds_bucket{le="+Inf"} 7 ${TS_MS}
rpc_seconds_sum 3.25 ${TS_MS}
rpc_seconds_count 7 ${TS_MS}
# TYPE gc_seconds summary
gc_seconds{quantile="0.5"} 0.01 ${TS_MS}
gc_seconds_sum 1.5 ${TS_MS}
gc_seconds_count 100 ${TS_MS}
drop_me_total 1 ${TS_MS}
untyped_thing{exported_job="taken"} -1e-3 ${TS_MS}
`;

const TS_S = TS_MS / 1000;
const OM_BODY = `# TYPE jobs counter
# HELP jobs Jobs run.
jobs_total{queue="a"} 17 ${TS_S}
jobs_created{queue="a"} 1700000000.25 ${TS_S}
# TYPE latency_seconds histogram
# UNIT latency_seconds seconds
latency_seconds_bucket{le="0.5"} 1 ${TS_S}
latency_seconds_bucket{le="+Inf"} 2 ${TS_S}
latency_seconds_sum 0.75 ${TS_S}
latency_seconds_count 2 ${TS_S}
latency_seconds_created 1700000000 ${TS_S}
# TYPE build info
build_info{version="1.2.3"} 1 ${TS_S}
# TYPE feature stateset
feature{feature="a"} 1 ${TS_S}
feature{feature="b"} 0 ${TS_S}
# TYPE drop_me gauge
drop_me 5 ${TS_S}
# EOF
`;

let fixture: Server;
let fixtureAddress = '';
let prom: PrometheusPeer | null = null;
let manager: ScrapeManager;
const store = new MemoryAppendable();

function scrapeConfigs(): unknown[] {
  return JOBS.map((job) => ({
    job_name: job,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    metrics_path: job === 'fixture-om' ? '/om' : '/text',
    static_configs: [{ targets: [fixtureAddress], labels: { team: 'core' } }],
    relabel_configs: [{ target_label: 'env', replacement: 'test' }],
    metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'drop_me.*', action: 'drop' }],
  }));
}

beforeAll(async () => {
  requirePrometheus();
  fixture = createServer((req, res) => {
    if (req.url === '/om') res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(OM_BODY);
    else res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(TEXT_BODY);
  });
  await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
  fixtureAddress = `127.0.0.1:${(fixture.address() as AddressInfo).port}`;
  prom = await startPrometheus({ config: toYaml({ global: { scrape_interval: '1s' }, scrape_configs: scrapeConfigs() }) });
  manager = new ScrapeManager({ appendable: store, logger: silentLogger, registry: new Registry() });
  await manager.applyConfig(parseScrapeConfigs(scrapeConfigs(), { scrape_interval: '1s' }, 'scrape_configs'));
});

afterAll(async () => {
  await manager?.stop();
  await prom?.stop();
  await new Promise<void>((r) => (fixture ? fixture.close(() => r()) : r()));
});

/** Prometheus' series of a job, as sorted label-set JSON. */
async function prometheusSeries(job: string): Promise<string[]> {
  const url = `${prom!.url}/api/v1/series?${new URLSearchParams({ 'match[]': `{job="${job}"}`, start: String(TS_S - 60), end: String(Date.now() / 1000 + 60) })}`;
  const body = (await (await fetch(url)).json()) as { data: Array<Record<string, string>> };
  return body.data.map(canonical).sort();
}

async function ourSeries(job: string): Promise<string[]> {
  return (await store.select(new Matcher('=', 'job', job))).map((s) => canonical(s.labels)).sort();
}

function canonical(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
}

describe.each(JOBS)('the same job scraped by Prometheus and by Pharos: %s', (job) => {
  it('stores the same set of series, report series included', async () => {
    // Both have scraped at least twice (so scrape_series_added etc. exist everywhere).
    await waitFor('Prometheus to scrape twice', async () => {
      const r = await vector(`count_over_time(up{job="${job}"}[1m])`);
      return r.length === 1 && Number(r[0].value![1]) >= 2;
    }, 30_000);
    await waitFor('Pharos to scrape twice', async () => ((await store.series({ __name__: 'up', job, instance: fixtureAddress, team: 'core', env: 'test' })) ?? []).length >= 2, 30_000);

    const theirs = await prometheusSeries(job);
    const ours = await ourSeries(job);
    expect(ours).toEqual(theirs);
    const names = new Set(ours.map((s) => (JSON.parse(s) as Record<string, string>).__name__));
    for (const n of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) expect(names).toContain(n);
    expect([...names].some((n) => n.startsWith('drop_me'))).toBe(false);
  });

  it('stores the same values at the exposed timestamps', async () => {
    const theirs = (await vector(`{job="${job}"}`, TS_S)).map((s) => `${canonical(s.metric)} ${s.value![0]} ${s.value![1]}`).sort();
    const ours: string[] = [];
    for (const s of await store.select(new Matcher('=', 'job', job))) {
      const { __name__: name, ...rest } = s.labels;
      const at = s.samples.find((x) => x.t === TS_MS);
      if (at) ours.push(`${canonical({ ...rest, __name__: name })} ${TS_S} ${formatValue(at.v)}`);
    }
    expect(ours.sort()).toEqual(theirs);
    expect(theirs.length).toBeGreaterThan(5);
  });

  it('reports the same counts', async () => {
    for (const name of ['scrape_samples_scraped', 'scrape_samples_post_metric_relabeling']) {
      const theirs = Number((await vector(`${name}{job="${job}"}`))[0].value![1]);
      const ours = (await store.series({ __name__: name, job, instance: fixtureAddress, team: 'core', env: 'test' }))!.at(-1)!.v;
      expect(ours, name).toBe(theirs);
    }
  });

  it('lists the target the same way in /api/v1/targets', async () => {
    const body = (await (await fetch(`${prom!.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<Record<string, unknown>> } };
    const theirs = body.data.activeTargets.find((t) => t.scrapePool === job)!;
    const ours = manager.targets('active').activeTargets.find((t) => t.scrapePool === job)! as unknown as Record<string, unknown>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const k of ['discoveredLabels', 'labels', 'scrapePool', 'scrapeUrl', 'lastError', 'health', 'scrapeInterval', 'scrapeTimeout']) expect(ours[k], k).toEqual(theirs[k]);
  });
});

/** An instant query against Prometheus that must return a vector. */
async function vector(query: string, time?: number): Promise<ApiSeries[]> {
  const r = await apiQuery(prom!.url, query, time === undefined ? {} : { time });
  if (!r.ok || r.resultType !== 'vector') throw new Error(`query ${query} failed: ${JSON.stringify(r)}`);
  return r.result as ApiSeries[];
}

/** A float as Prometheus' API prints it (strconv.FormatFloat 'f', -1 for these values). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

it('has Prometheus installed (a missing binary fails, never skips)', () => {
  expect(requirePrometheus).not.toThrow();
});
