/**
 * End to end: bad OTLP input gets the status the spec names and a message naming the problem;
 * the server keeps serving, and good data in the same or other requests is kept.
 */
import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { apiGet, startPharosProcess, type PharosProcess } from './pharos-process.ts';
import { counter, gauge, request } from './otlp-payloads.ts';

const BODY_LIMIT = 1024 * 1024;
let pharos: PharosProcess;
beforeAll(async () => {
  pharos = await startPharosProcess({ extraArgs: [`--otlp-http-max-request-body-size=${BODY_LIMIT}`, '--otlp-grpc-max-recv-msg-size=1MiB', '--otlp-max-inflight-bytes=1MiB'] });
});
afterAll(async () => { expect(await pharos.stop()).toBe(0); });

const now = () => Date.now();

async function post(body: string | Uint8Array, headers: Record<string, string>, path = '/v1/metrics') {
  const r = await fetch(pharos.otlpHttpUrl + path, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, bytes: new Uint8Array(await r.arrayBuffer()) };
}
const postJson = (doc: unknown, extra: Record<string, string> = {}) => post(JSON.stringify(doc), { 'Content-Type': 'application/json', ...extra });
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

async function valueOf(q: string): Promise<string[]> {
  const body = await apiGet(pharos, `/api/v1/query?query=${encodeURIComponent(q)}`);
  expect(body.status).toBe('success');
  return body.data.result.map((r: { value: [number, string] }) => r.value[1]);
}

/** The server still takes and serves a good request. */
async function expectStillServing(tag: string) {
  const t = now();
  const r = await postJson(request('alive', [gauge('alive.check', [1], t, { tag })]));
  expect(r.status).toBe(200);
  expect(await valueOf(`alive_check{tag="${tag}"}`)).toEqual(['1']);
}

describe('OTLP/HTTP transport errors', () => {
  it('answers GET with 405', async () => {
    const r = await fetch(`${pharos.otlpHttpUrl}/v1/metrics`);
    expect(r.status).toBe(405);
    expect(await r.text()).toMatch(/POST/);
  });

  it.each(['text/plain', 'application/xml', ''])('answers Content-Type %j with 415 naming the supported types', async (ct) => {
    const r = await post('{}', ct ? { 'Content-Type': ct } : {});
    expect(r.status).toBe(415);
    expect(text(r.bytes)).toMatch(/application\/x-protobuf, application\/json/);
  });

  it('accepts a media type with parameters', async () => {
    const r = await post('{"resourceMetrics": []}', { 'Content-Type': 'application/json; charset=utf-8' });
    expect(r.status).toBe(200);
    expect(text(r.bytes)).toBe('{}');
  });

  it('answers invalid JSON with 400 and a JSON Status naming the problem', async () => {
    const r = await post('{"resourceMetrics": [', { 'Content-Type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/json');
    const status = JSON.parse(text(r.bytes));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/cannot decode OTLP JSON metrics request/);
    await expectStillServing('after-invalid-json');
  });

  it('answers JSON of the wrong shape with 400 naming the path', async () => {
    const r = await postJson({ resourceMetrics: {} });
    expect(r.status).toBe(400);
    expect(JSON.parse(text(r.bytes)).message).toMatch(/resourceMetrics/);
  });

  it('answers truncated protobuf with 400 and a protobuf Status naming the offset', async () => {
    // ExportMetricsServiceRequest{resource_metrics: <claims 100 bytes, has 3>}
    const truncated = Uint8Array.from([0x0a, 100, 0x0a, 0x01, 0x00]);
    const r = await post(truncated, { 'Content-Type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(text(r.bytes)).toMatch(/cannot decode OTLP protobuf metrics request.*offset/);
    await expectStillServing('after-truncated-protobuf');
  });

  it('answers an unknown Content-Encoding with 400', async () => {
    const r = await post('{}', { 'Content-Type': 'application/json', 'Content-Encoding': 'br' });
    expect(r.status).toBe(400);
    expect(JSON.parse(text(r.bytes)).message).toMatch(/unsupported Content-Encoding "br"/);
  });

  it('answers corrupt gzip with 400', async () => {
    const r = await post(Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(JSON.parse(text(r.bytes)).message).toMatch(/cannot decompress gzip body/);
  });

  it('accepts a gzipped body', async () => {
    const t = now();
    const r = await post(gzipSync(JSON.stringify(request('gz', [gauge('gz.value', [42], t)]))), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(await valueOf('gz_value{job="gz"}')).toEqual(['42']);
  });

  it('answers an oversized body with 413', async () => {
    const big = JSON.stringify(request('big', [gauge('big.value', [1], now(), { pad: 'x'.repeat(BODY_LIMIT) })]));
    const r = await post(big, { 'Content-Type': 'application/json' });
    expect(r.status).toBe(413);
    expect(JSON.parse(text(r.bytes)).message).toMatch(/exceeds the limit of 1048576 bytes/);
    await expectStillServing('after-oversized');
  });

  it('answers a gzip bomb with 413 after decompressing no more than the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(512 * 1024 * 1024, 0x20)); // 512 MiB of spaces in about 500 KiB
    expect(bomb.length).toBeLessThan(BODY_LIMIT);
    const r = await post(bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(JSON.parse(text(r.bytes)).message).toMatch(/after decompression/);
    await expectStillServing('after-gzip-bomb');
    const inflight = Number(/pharos_receiver_inflight_bytes (\d+)/.exec(await (await fetch(`${pharos.apiUrl}/metrics`)).text())![1]);
    expect(inflight).toBe(0); // the bomb's reservation was returned
  });

  it('answers 429 with Retry-After while the in-flight byte budget is used up', async () => {
    // A slow sender holds a 1 MiB reservation (the whole budget) (its Content-Length) without finishing its body.
    const slow = httpRequest({ host: '127.0.0.1', port: pharos.otlpHttpPort, path: '/v1/metrics', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(BODY_LIMIT) } });
    slow.on('error', () => {});
    slow.write('{"resourceMetrics": [');
    await new Promise((r) => setTimeout(r, 200));
    const r = await postJson(request('busy', [gauge('busy.value', [1], now())]), {});
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    slow.destroy();
    await new Promise((r) => setTimeout(r, 200));
    await expectStillServing('after-429');
  });
});

describe('bad points inside a good request', () => {
  it('stores NaN and ±Inf gauge values as Prometheus does', async () => {
    const t = now();
    const r = await postJson(request('specials', [gauge('special.value', ['NaN', 'Infinity', '-Infinity', 2.5], t)]));
    expect(r.status).toBe(200);
    expect(text(r.bytes)).toBe('{}');
    const body = await apiGet(pharos, `/api/v1/query?query=${encodeURIComponent('special_value{job="specials"}')}`);
    const byIndex = Object.fromEntries(body.data.result.map((s: any) => [s.metric.i, s.value[1]]));
    expect(byIndex).toEqual({ 0: 'NaN', 1: '+Inf', 2: '-Inf', 3: '2.5' });
  });

  it('rejects points with empty or invalid metric names via partial_success and keeps the rest', async () => {
    const t = now();
    const r = await postJson(request('names', [gauge('', [1], t), gauge('@#$%', [2], t), gauge('good.one', [3], t)]));
    expect(r.status).toBe(200);
    const body = JSON.parse(text(r.bytes));
    expect(body.partialSuccess.rejectedDataPoints).toBe('2');
    expect(body.partialSuccess.errorMessage).toMatch(/name/);
    expect(await valueOf('good_one{job="names"}')).toEqual(['3']);
  });

  it('rejects a point with a huge label value and keeps the others', async () => {
    const t = now();
    const r = await postJson(request('huge', [gauge('huge.label', [1], t, { big: 'v'.repeat(100_000) }), gauge('small.label', [2], t, { big: 'fine' })]));
    expect(r.status).toBe(200);
    const body = JSON.parse(text(r.bytes));
    expect(body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(body.partialSuccess.errorMessage).toMatch(/label value/);
    expect(await valueOf('small_label{job="huge"}')).toEqual(['2']);
    expect(await valueOf('huge_label{job="huge"}')).toEqual([]);
  });

  it('rejects a delta-less unspecified temporality sum and a zero timestamp, keeping good points', async () => {
    const t = now();
    const unspecified = { name: 'no.temporality', sum: { isMonotonic: true, dataPoints: [{ asDouble: 1, timeUnixNano: `${t}000000` }] } };
    const zeroTime = { name: 'zero.time', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: '0' }] } };
    const r = await postJson(request('mixed', [unspecified, zeroTime, counter('kept.counter', 5, t, t - 1000)]));
    expect(r.status).toBe(200);
    expect(JSON.parse(text(r.bytes)).partialSuccess.rejectedDataPoints).toBe('2');
    expect(await valueOf('kept_counter_total{job="mixed"}')).toEqual(['5']);
  });

  it('ignores unknown fields', async () => {
    const t = now();
    const doc: any = request('unknown', [gauge('unknown.fields', [7], t)]);
    doc.futureField = { x: 1 };
    doc.resourceMetrics[0].somethingNew = [1, 2, 3];
    doc.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].newThing = 'y';
    const r = await postJson(doc);
    expect(r.status).toBe(200);
    expect(text(r.bytes)).toBe('{}');
    expect(await valueOf('unknown_fields{job="unknown"}')).toEqual(['7']);
  });

  it('counts rejected points by reason on /metrics', async () => {
    const metrics = await (await fetch(`${pharos.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/pharos_receiver_points_rejected_total\{receiver="otlp",protocol="http\/json",reason="[a-z_]+"\} [1-9]/);
  });
});

describe('OTLP/gRPC errors', () => {
  const call = (bytes: Buffer) => new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) => {
    const client = new grpc.Client(`127.0.0.1:${pharos.otlpGrpcPort}`, grpc.credentials.createInsecure());
    client.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, bytes, (err, res) => {
      client.close();
      resolve({ err, res });
    });
  });

  it('answers truncated protobuf with INVALID_ARGUMENT', async () => {
    const { err } = await call(Buffer.from([0x0a, 100, 0x0a]));
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/cannot decode OTLP protobuf metrics request/);
  });

  it('answers a message over the receive limit with RESOURCE_EXHAUSTED', async () => {
    const { err } = await call(Buffer.alloc(2 * 1024 * 1024));
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('accepts an empty request', async () => {
    const { err, res } = await call(Buffer.alloc(0));
    expect(err).toBeNull();
    expect(res!.length).toBe(0);
    await expectStillServing('after-grpc');
  });
});

describe('traces and logs', () => {
  it('answers /v1/traces with 200 and reports the spans as not stored', async () => {
    const t = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a' }, { name: 'b' }] }] }] }), { 'Content-Type': 'application/json' }, '/v1/traces');
    expect(t.status).toBe(200);
    expect(JSON.parse(text(t.bytes))).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: 'signal not stored: Pharos stores metrics only' } });
    const l = await post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] }), { 'Content-Type': 'application/json' }, '/v1/logs');
    expect(JSON.parse(text(l.bytes))).toEqual({ partialSuccess: { rejectedLogRecords: '1', errorMessage: 'signal not stored: Pharos stores metrics only' } });
  });
});
