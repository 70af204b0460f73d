/**
 * End to end: `pharos start` in the collector's place. The blog's config.alloy, converted by
 * `pharos import-alloy`, scrapes a real node_exporter, takes OTLP from the OTel SDK's gRPC
 * exporter, and forwards both to a real Prometheus; host
 * metrics switched on with one setting stand beside a scraped node_exporter under its names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BLOG_CONFIG_ALLOY } from '../fixtures/blog.ts';
import { startNodeExporter } from '../peers/node-exporter.ts';
import { apiQuery, startPrometheus, type ApiSeries } from '../peers/prometheus.ts';
import { gauge, request } from './otlp-payloads.ts';
import { eventually, ROOT, startPharosProcess } from './pharos-process.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

/** The instant vector `query` evaluates to now, or [] on an error. */
async function vector(url: string, query: string): Promise<ApiSeries[]> {
  const a = await apiQuery(url, query, { time: Date.now() / 1000 });
  if (!a.ok) throw new Error(`${query}: ${a.error}`);
  return a.result as ApiSeries[];
}

/** The single value of `query` now, or undefined when it is empty. */
async function value(url: string, query: string): Promise<string | undefined> {
  const r = await vector(url, query);
  return r.length === 1 ? r[0].value![1] : undefined;
}

describe('collector roles', () => {
  it("runs the blog's config.alloy after import-alloy: scrapes node_exporter, converts OTLP, forwards both to Prometheus", async () => {
    const exporter = await startNodeExporter();
    cleanup.push(() => exporter.stop());
    const prometheus = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
    cleanup.push(() => prometheus.stop());

    // The blog's hosts are docker-compose names; here they are the local peers. cAdvisor is not
    // packaged for Debian, so its job scrapes the same node_exporter (a target is a target).
    const dir = mkdtempSync(join(tmpdir(), 'pharos-blog-'));
    const alloyFile = join(dir, 'config.alloy');
    const pharosFile = join(dir, 'pharos.yaml');
    writeFileSync(alloyFile, BLOG_CONFIG_ALLOY
      .replace('host.docker.internal:9100', exporter.address)
      .replace('cadvisor:8080', exporter.address)
      .replace('http://prometheus:9090', prometheus.url));
    const converted = spawnSync(process.execPath, [join(ROOT, 'bin/pharos.js'), 'import-alloy', alloyFile, '-o', pharosFile], { encoding: 'utf8' });
    expect(converted.status, converted.stderr).toBe(0);

    const pharos = await startPharosProcess({ extraArgs: [`--config=${pharosFile}`] });
    cleanup.push(() => pharos.stop());

    // The blog scrapes every 15 s; the first scrape comes within one interval.
    for (const job of ['node_exporter', 'cadvisor']) {
      await eventually(async () => (await value(pharos.apiUrl, `up{job="${job}",instance="my-server"}`)) === '1', 40_000, `up{job="${job}"} in Pharos\n${pharos.output()}`);
    }
    const targets = (await (await fetch(`${pharos.apiUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string; scrapeUrl: string }> } };
    expect(targets.data.activeTargets.map((t) => [t.labels.job, t.labels.instance, t.health, t.scrapeUrl])).toEqual([
      ['cadvisor', 'my-server', 'up', `http://${exporter.address}/metrics`],
      ['node_exporter', 'my-server', 'up', `http://${exporter.address}/metrics`],
    ]);
    const scraped = Number(await value(pharos.apiUrl, 'scrape_samples_scraped{job="node_exporter"}'));
    expect(scraped).toBeGreaterThan(100);

    // Everything scraped reaches the remote Prometheus, with the labels the blog's queries use.
    await eventually(async () => (await value(prometheus.url, 'up{job="node_exporter",instance="my-server"}')) === '1', 30_000, `up in the remote Prometheus\n${prometheus.output()}`);
    const cpuHere = await vector(pharos.apiUrl, 'count by (mode) (node_cpu_seconds_total{job="node_exporter"})');
    const cpuThere = await eventually(async () => {
      const r = await vector(prometheus.url, 'count by (mode) (node_cpu_seconds_total{job="node_exporter"})');
      return r.length > 0 && r;
    }, 30_000, 'node_cpu_seconds_total in the remote Prometheus');
    expect(cpuThere.map((s) => s.metric.mode).sort()).toEqual(cpuHere.map((s) => s.metric.mode).sort());
    expect(cpuHere.length).toBeGreaterThan(3);

    // The blog's application half: an OTel SDK exports over gRPC (otelcol.receiver.otlp); the series
    // reach the remote with every resource attribute as a label (resource_to_telemetry_conversion).
    const reader = new PeriodicExportingMetricReader({ exporter: new GrpcExporter({ url: `http://127.0.0.1:${pharos.otlpGrpcPort}` }), exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'blog' }), readers: [reader] });
    const duration = provider.getMeter('blog-app').createHistogram('http.server.request.duration', { unit: 's' });
    for (const v of [0.02, 0.2, 1.5]) duration.record(v, { 'http.route': '/cart', 'http.response.status_code': 200 });
    await provider.shutdown(); // one collection, one export
    const query = 'http_server_request_duration_seconds_count{job="checkout",service_name="checkout",deployment_environment="blog",http_route="/cart"}';
    const otlpThere = await eventually(async () => {
      const r = await vector(prometheus.url, query);
      return r.length === 1 && r;
    }, 30_000, 'the OTLP histogram in the remote Prometheus');
    expect(otlpThere[0].value![1]).toBe('3');
    expect(await value(pharos.apiUrl, query)).toBe('3');
  }, 120_000);

  it('host_metrics.enabled collects this machine under node_exporter\'s names, as job "node"; relabelling applies to scraped and OTLP series', async () => {
    const exporter = await startNodeExporter();
    cleanup.push(() => exporter.stop());
    const file = join(mkdtempSync(join(tmpdir(), 'pharos-host-')), 'pharos.yaml');
    writeFileSync(file, [
      'host_metrics:',
      '  enabled: true',
      '  interval: 1s',
      'scrape_configs:',
      '  - job_name: node_exporter',
      '    scrape_interval: 1s',
      '    static_configs: [{ targets: ["' + exporter.address + '"] }]',
      '    metric_relabel_configs:',
      '      - source_labels: [__name__]',
      '        regex: "go_.*|promhttp_.*"',
      '        action: drop',
      'otlp:',
      '  metric_relabel_configs:',
      '    - { source_labels: [__name__], regex: "debug_.*", action: drop }',
      '    - { source_labels: [__name__], regex: probe, target_label: relabelled, replacement: "yes" }',
      '',
    ].join('\n'));
    const pharos = await startPharosProcess({ extraArgs: [`--config=${file}`] });
    cleanup.push(() => pharos.stop());

    for (const job of ['node', 'node_exporter']) {
      await eventually(async () => (await value(pharos.apiUrl, `up{job="${job}"}`)) === '1', 20_000, `up{job="${job}"}\n${pharos.output()}`);
    }
    // Same machine, same /proc: a constant reads the same from both, and the series match label for label.
    const memTotal = await vector(pharos.apiUrl, 'node_memory_MemTotal_bytes');
    expect(memTotal.map((s) => s.metric.job).sort()).toEqual(['node', 'node_exporter']);
    expect(memTotal[0].value![1]).toBe(memTotal[1].value![1]);
    const cpuSeries = async (job: string) => (await vector(pharos.apiUrl, `node_cpu_seconds_total{job="${job}"}`)).map((s) => `${s.metric.cpu}/${s.metric.mode}`).sort();
    expect(await cpuSeries('node')).toEqual(await cpuSeries('node_exporter'));
    const [host] = await vector(pharos.apiUrl, 'node_load1{job="node"}');
    expect(host.metric.instance).not.toBe('');

    // metric_relabel_configs dropped node_exporter's Go runtime metrics, and only those.
    expect(await vector(pharos.apiUrl, '{job="node_exporter",__name__=~"go_.*|promhttp_.*"}')).toEqual([]);
    expect(await value(pharos.apiUrl, 'count(node_exporter_build_info{job="node_exporter"})')).toBe('1');

    // OTLP series pass the same kind of rules on their way in.
    const pushed = await fetch(`${pharos.otlpHttpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request('relabel-demo', [gauge('probe', [3], Date.now()), gauge('debug_probe', [4], Date.now())])),
    });
    expect(pushed.status).toBe(200);
    const probe = await vector(pharos.apiUrl, 'probe{service_name="relabel-demo"}');
    expect(probe.map((s) => [s.metric.relabelled, s.value![1]])).toEqual([['yes', '3']]);
    expect(await vector(pharos.apiUrl, 'debug_probe')).toEqual([]);

    // The scraped target goes away: up turns 0 and its series end with staleness markers; host metrics go on.
    await exporter.stop();
    await eventually(async () => (await value(pharos.apiUrl, 'up{job="node_exporter"}')) === '0', 20_000, 'up 0 after node_exporter stopped');
    await eventually(async () => (await vector(pharos.apiUrl, 'node_load1{job="node_exporter"}')).length === 0, 20_000, 'node_exporter series marked stale');
    expect(await vector(pharos.apiUrl, 'node_load1{job="node"}')).toHaveLength(1);
  }, 120_000);
});
