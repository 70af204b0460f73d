/**
 * End to end: each official OpenTelemetry JS exporter flavour (grpc, http/protobuf, http/json)
 * pushes to the real `pharos start` process, and the series come back through the Prometheus API
 * with exactly the names and labels of spec/otlp-to-prometheus.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { apiGet, eventually, startPharosProcess, type PharosProcess } from './pharos-process.ts';

let pharos: PharosProcess;
beforeAll(async () => { pharos = await startPharosProcess(); });
afterAll(async () => { expect(await pharos.stop()).toBe(0); });

const flavours: Array<[string, (p: PharosProcess) => PushMetricExporter]> = [
  ['grpc', (p) => new GrpcExporter({ url: `http://127.0.0.1:${p.otlpGrpcPort}`, compression: CompressionAlgorithm.GZIP })],
  ['http/protobuf', (p) => new ProtoExporter({ url: `${p.otlpHttpUrl}/v1/metrics` })],
  ['http/json', (p) => new JsonExporter({ url: `${p.otlpHttpUrl}/v1/metrics`, compression: CompressionAlgorithm.GZIP })],
  // Exporters set up for Prometheus 3's OTLP receiver post to this path on the API port.
  ['http/protobuf on /api/v1/otlp', (p) => new ProtoExporter({ url: `${p.apiUrl}/api/v1/otlp/v1/metrics` })],
];

/** Records one service's worth of RED metrics and exports them once. */
async function pushWith(exporter: PushMetricExporter, service: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'instance-1', 'deployment.environment.name': 'test' }),
    readers: [reader],
  });
  const meter = provider.getMeter('e2e-meter', '1.2.3');
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } });
  const attrs = { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200, 'url.scheme': 'http' };
  for (const v of [0.02, 0.2, 1.5]) duration.record(v, attrs);
  duration.record(0.3, { ...attrs, 'http.response.status_code': 500 });
  meter.createCounter('orders.processed', { unit: '1' }).add(7, { 'order.kind': 'express' });
  meter.createUpDownCounter('http.server.active_requests', { unit: '{request}' }).add(3, { 'http.request.method': 'GET', 'url.scheme': 'http' });
  meter.createGauge('process.memory.usage', { unit: 'By' }).record(123456789);
  await provider.shutdown(); // one collection, one export
}

async function query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = await apiGet(pharos, `/api/v1/query?query=${encodeURIComponent(q)}`);
  expect(body.status).toBe('success');
  expect(body.data.resultType).toBe('vector');
  return body.data.result;
}

describe.each(flavours)('OTLP %s exporter', (flavour, makeExporter) => {
  const service = `e2e-${flavour.replace(/[^a-z]+/g, '-')}`;
  const base = { job: service, instance: 'instance-1', service_name: service, service_instance_id: 'instance-1', deployment_environment_name: 'test', otel_scope_name: 'e2e-meter', otel_scope_version: '1.2.3' };

  beforeAll(async () => {
    await pushWith(makeExporter(pharos), service);
    await eventually(async () => (await query(`http_server_request_duration_seconds_count{job="${service}"}`)).length === 2, 15_000, `${flavour} data`);
  });

  it('stores the HTTP duration histogram under Prometheus names with every label', async () => {
    const counts = await query(`http_server_request_duration_seconds_count{service_name="${service}"}`);
    const ok = counts.find((s) => s.metric.http_response_status_code === '200')!;
    expect(ok.metric).toEqual({ __name__: 'http_server_request_duration_seconds_count', ...base, http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200', url_scheme: 'http' });
    expect(ok.value[1]).toBe('3');
    const sum = await query(`http_server_request_duration_seconds_sum{service_name="${service}",http_response_status_code="200"}`);
    expect(Number(sum[0].value[1])).toBeCloseTo(1.72, 10);
    const buckets = await query(`http_server_request_duration_seconds_bucket{service_name="${service}",http_response_status_code="200"}`);
    const byLe = Object.fromEntries(buckets.map((b) => [b.metric.le, b.value[1]]));
    expect(byLe).toEqual({ '0.005': '0', '0.01': '0', '0.025': '1', '0.05': '1', '0.075': '1', '0.1': '1', '0.25': '2', '0.5': '2', '0.75': '2', '1': '2', '2.5': '3', '5': '3', '7.5': '3', '10': '3', '+Inf': '3' });
  });

  it('names the counter with _total, the up-down counter and gauge with their units', async () => {
    const [orders] = await query(`orders_processed_total{job="${service}"}`);
    expect(orders.metric).toEqual({ __name__: 'orders_processed_total', ...base, order_kind: 'express' });
    expect(orders.value[1]).toBe('7');
    const [active] = await query(`http_server_active_requests{job="${service}"}`);
    expect(active.metric).toEqual({ __name__: 'http_server_active_requests', ...base, http_request_method: 'GET', url_scheme: 'http' });
    expect(active.value[1]).toBe('3');
    const [mem] = await query(`process_memory_usage_bytes{job="${service}"}`);
    expect(mem.value[1]).toBe('123456789');
  });

  it('writes target_info for the resource, without scope labels', async () => {
    const [info] = await query(`target_info{job="${service}"}`);
    expect(info.metric).toEqual({ __name__: 'target_info', job: service, instance: 'instance-1', deployment_environment_name: 'test' });
    expect(info.value[1]).toBe('1');
  });
});

it('counts received points per protocol on /metrics', async () => {
  const text = await (await fetch(`${pharos.apiUrl}/metrics`)).text();
  for (const protocol of ['grpc', 'http/protobuf', 'http/json']) {
    const m = new RegExp(`pharos_receiver_points_received_total\\{receiver="otlp",protocol="${protocol.replace('/', '\\/')}"\\} (\\d+)`).exec(text);
    expect(m, `points received for ${protocol}`).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(5);
  }
});
