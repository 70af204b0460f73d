/**
 * End to end: cardinality limits in the real process. A label explosion sent by the official
 * OpenTelemetry JS exporter is refused past the limit and the exporter is told (partial_success,
 * which it logs through diag); remote write gets a 400 naming the limit; a scrape target past it
 * fails its scrape with the limit as its last error. Counted on /metrics, logged, and the series
 * already stored keep being written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { labelsFrom } from '../../src/model/labels.ts';
import { encodeWriteRequest } from '../../src/remote/write-request.ts';
import { apiGet, eventually, startPharosProcess, type PharosProcess } from './pharos-process.ts';

const PER_METRIC = 5;
const PER_SERVICE = 12;

/** Warnings the OpenTelemetry SDK logs through diag (where exporters report partial success). */
const warnings: string[] = [];
const diagLogger: DiagLogger = {
  error: (...a: unknown[]) => warnings.push(a.map(String).join(' ')),
  warn: (...a: unknown[]) => warnings.push(a.map(String).join(' ')),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};

let pharos: PharosProcess;
let target: Server;

beforeAll(async () => {
  diag.setLogger(diagLogger, DiagLogLevel.WARN);
  // A scrape target exposing PER_METRIC + 2 series of one metric.
  target = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(Array.from({ length: PER_METRIC + 2 }, (_, i) => `scraped_exploding{id="${i}"} ${i}\n`).join(''));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'pharos-limits-'));
  const config = join(dir, 'pharos.yaml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: exploding\n    static_configs: [{ targets: ["127.0.0.1:${(target.address() as AddressInfo).port}"] }]\n`);
  pharos = await startPharosProcess({ extraArgs: [`--config=${config}`, `--storage-max-series-per-metric=${PER_METRIC}`, `--storage-max-series-per-service=${PER_SERVICE}`] });
}, 60_000);

afterAll(async () => {
  diag.disable();
  await new Promise((r) => target.close(r));
  expect(await pharos.stop()).toBe(0);
});

async function query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = await apiGet(pharos, `/api/v1/query?query=${encodeURIComponent(q)}`);
  expect(body.status).toBe('success');
  return body.data.result;
}

async function metricsText(): Promise<string> {
  return (await fetch(`${pharos.apiUrl}/metrics`)).text();
}

/** The value of one sample line on /metrics (0 when absent). */
function sample(text: string, line: string): number {
  const l = text.split('\n').find((x) => x.startsWith(line + ' '));
  return l === undefined ? 0 : Number(l.slice(line.length + 1));
}

/** Records `values` distinct attribute sets of one gauge for `service` and exports them once. */
async function pushExplosion(exporter: ProtoExporter | GrpcExporter, service: string, metric: string, values: number): Promise<void> {
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
  const gauge = provider.getMeter('limits').createGauge(metric);
  for (let i = 0; i < values; i++) gauge.record(i, { 'user.id': `u${i}` });
  await provider.shutdown();
}

describe('a label explosion over OTLP (the official JS exporters)', () => {
  it('stores up to the per-metric limit and tells the exporter about the rest in partial_success', async () => {
    warnings.length = 0;
    await pushExplosion(new ProtoExporter({ url: `${pharos.otlpHttpUrl}/v1/metrics` }), 'svc-proto', 'user.sessions', PER_METRIC + 3);
    const stored = await query('user_sessions{service_name="svc-proto"}');
    expect(stored).toHaveLength(PER_METRIC);
    const partial = warnings.find((w) => w.includes('Received Partial Success response'));
    expect(partial).toBeDefined();
    expect(partial).toMatch(/"rejectedDataPoints":"?3"?/);
    expect(partial).toMatch(/new series refused: metric \\"user_sessions\\" has 5 active series, its limit \(storage\.max_series_per_metric\)/);
  });

  it('counts the refused points by reason and by limit on /metrics, and logs the refusal', async () => {
    const text = await metricsText();
    expect(sample(text, 'pharos_receiver_points_rejected_total{receiver="otlp",protocol="http/protobuf",reason="series_limit"}')).toBe(3);
    expect(sample(text, 'pharos_tsdb_series_limit_rejected_samples_total{limit="per_metric"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'pharos_tsdb_series_limit{limit="per_metric"}')).toBe(PER_METRIC);
    expect(pharos.output()).toMatch(/new series refused: cardinality limit reached.*per_metric.*user_sessions/);
  });

  it('keeps writing the series it already holds', async () => {
    await pushExplosion(new ProtoExporter({ url: `${pharos.otlpHttpUrl}/v1/metrics` }), 'svc-proto', 'user.sessions', PER_METRIC);
    const again = await query('timestamp(user_sessions{service_name="svc-proto"})');
    expect(again).toHaveLength(PER_METRIC);
  });

  it('refuses a service past the per-service limit over gRPC too', async () => {
    warnings.length = 0;
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'noisy' }), readers: [new PeriodicExportingMetricReader({ exporter: new GrpcExporter({ url: `http://127.0.0.1:${pharos.otlpGrpcPort}` }), exportIntervalMillis: 3_600_000 })] });
    const meter = provider.getMeter('limits');
    for (let i = 0; i < PER_SERVICE + 8; i++) meter.createGauge(`noisy.metric.${i}`).record(i);
    await provider.shutdown();
    const stored = await query('count({service_name="noisy"})');
    expect(Number(stored[0].value[1])).toBe(PER_SERVICE);
    const partial = warnings.find((w) => w.includes('Received Partial Success response'));
    expect(partial).toMatch(/service_name \\"noisy\\" has 12 active series, its limit \(storage\.max_series_per_service\)/);
    expect(sample(await metricsText(), 'pharos_receiver_points_rejected_total{receiver="otlp",protocol="grpc",reason="series_limit"}')).toBeGreaterThan(0);
  });
});

describe('remote write and scrape', () => {
  it('answers remote write past the limit with 400 naming it, storing the rest', async () => {
    const t = Date.now();
    const body = encodeWriteRequest(Array.from({ length: PER_METRIC + 2 }, (_, i) => ({ labels: labelsFrom({ __name__: 'rw_exploding', id: String(i) }), t: Float64Array.of(t), v: Float64Array.of(i) })));
    const r = await fetch(`${pharos.apiUrl}/api/v1/write`, { method: 'POST', body: compressSync(Buffer.from(body)), headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/new series refused: metric "rw_exploding" has 5 active series, its limit \(storage\.max_series_per_metric\).*2 of 7 samples rejected \(series_limit=2\), the others were stored/);
    expect(await query('rw_exploding')).toHaveLength(PER_METRIC);
  });

  it('fails a scrape whose target exposes more series than the limit, like sample_limit', async () => {
    const t = await eventually(async () => {
      const body = await apiGet(pharos, '/api/v1/targets');
      const active = body.data.activeTargets.find((x: { labels: { job: string } }) => x.labels.job === 'exploding');
      return active && active.lastError !== '' ? active : null;
    }, 20_000, 'the exploding target to be scraped');
    expect(t.health).toBe('down');
    expect(t.lastError).toMatch(/new series refused: metric "scraped_exploding" has 5 active series, its limit \(storage\.max_series_per_metric\)/);
    expect((await query('up{job="exploding"}'))[0].value[1]).toBe('0');
  });
});
