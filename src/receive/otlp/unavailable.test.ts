/**
 * When storage cannot take a write, receivers say "retry later": HTTP 503 with Retry-After, gRPC
 * UNAVAILABLE with a google.rpc.RetryInfo detail — never a 200 for data that was not stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { silentLogger } from '../../log.ts';
import type { Appendable, Appender } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { OtlpTranslator } from '../../translate/otlp/index.ts';
import { createOtlpHttpHandler, InflightBudget, OtlpReceiverMetrics, startOtlpGrpcServer, type OtlpGrpcServer, type OtlpIngestDeps } from './index.ts';

/** A store that accepts appends but fails every commit as unavailable (a full disk, say). */
const unavailableStore: Appendable = {
  appender(): Appender {
    return {
      append: () => 1,
      updateMetadata: () => {},
      commit: () => Promise.reject(new StorageError('unavailable', 'disk full')),
      rollback: () => {},
    };
  },
};

const point = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: `${Date.now()}000000` }] } }] }] }] });

let http: Server;
let grpcServer: OtlpGrpcServer;
beforeAll(async () => {
  const translator = new OtlpTranslator();
  const deps: OtlpIngestDeps = { appendable: unavailableStore, translator, metrics: new OtlpReceiverMetrics(new Registry()), log: silentLogger, retryAfterSeconds: 7 };
  const inflight = new InflightBudget(1 << 20);
  const handler = createOtlpHttpHandler(deps, { maxRequestBodyBytes: 1 << 20, inflight });
  http = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  grpcServer = await startOtlpGrpcServer({ host: '127.0.0.1', port: 0 }, deps, { maxRecvMsgBytes: 1 << 20, inflight });
});
afterAll(async () => {
  await new Promise((r) => http.close(r));
  await grpcServer.close(0);
});

describe('storage unavailable', () => {
  it('HTTP answers 503 with Retry-After and a Status message', async () => {
    const port = (http.address() as AddressInfo).port;
    const r = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: point });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(await r.json()).toEqual({ code: 14, message: 'storage unavailable, retry later: disk full' });
  });

  it('gRPC answers UNAVAILABLE with RetryInfo in grpc-status-details-bin', async () => {
    const client = new grpc.Client(`127.0.0.1:${grpcServer.port}`, grpc.credentials.createInsecure());
    // An empty request has no points: it still commits, so it still fails.
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e) => resolve(e)));
    client.close();
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    const details = err!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
    // RetryInfo{retry_delay: Duration{seconds: 7}} = 0a 02 08 07
    expect(details.includes(Buffer.from([0x0a, 0x02, 0x08, 0x07]))).toBe(true);
  });
});
