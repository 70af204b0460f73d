/**
 * @module The OTLP/gRPC receiver: unary Export on the metrics, trace and logs services, with
 * gzip message compression (handled by grpc-js), a receive-size limit and RetryInfo on
 * backpressure, per otlp-to-prometheus.md §1.4. No generated code: requests arrive as bytes.
 */
import * as grpc from '@grpc/grpc-js';
import type { ListenAddress } from '../../config/parse-value.ts';
import { countItemsProtobuf } from './count-items.ts';
import { encodeExportResponseProtobuf, encodeStatusProtobuf } from './encode-response.ts';
import type { InflightBudget } from './inflight.ts';
import { ingestMetrics, type OtlpIngestDeps } from './ingest.ts';
import type { OtlpSignal } from './receiver-metrics.ts';

/** Options of the gRPC receiver. */
export interface OtlpGrpcOptions {
  maxRecvMsgBytes: number;
  inflight: InflightBudget;
}

const SERVICES: Record<OtlpSignal, string> = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
const identity = (b: Buffer) => b;
const OVERLOAD_RETRY_SECONDS = 1;

type Callback = grpc.sendUnaryData<Buffer>;

/** A running gRPC receiver. */
export interface OtlpGrpcServer {
  /** The bound port (useful when asked for port 0). */
  readonly port: number;
  /** Stops accepting calls and waits for running ones (forcing after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Starts the OTLP gRPC receiver on `listen`. */
export async function startOtlpGrpcServer(listen: ListenAddress, deps: OtlpIngestDeps, options: OtlpGrpcOptions): Promise<OtlpGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxRecvMsgBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const signal of Object.keys(SERVICES) as OtlpSignal[]) {
    const definition = { Export: { path: SERVICES[signal], requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity, originalName: 'Export' } };
    server.addService(definition as unknown as grpc.ServiceDefinition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: Callback) => {
        handleExport(signal, call.request, callback, deps, options).catch((err: Error) => {
          deps.log.error('gRPC export handler failed', { err });
          callback({ code: grpc.status.INTERNAL, details: err.message });
        });
      },
    });
  }
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${listen.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => { server.forceShutdown(); resolve(); }, graceMs);
        server.tryShutdown(() => { clearTimeout(force); resolve(); });
      }),
  };
}

async function handleExport(signal: OtlpSignal, request: Buffer, callback: Callback, deps: OtlpIngestDeps, options: OtlpGrpcOptions): Promise<void> {
  const count = (code: grpc.status) => deps.metrics.requests.inc({ receiver: 'otlp', protocol: 'grpc', signal, code: grpc.status[code] });
  const fail = (code: grpc.status, message: string, retryDelaySeconds?: number) => {
    const metadata = new grpc.Metadata();
    if (retryDelaySeconds !== undefined) metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProtobuf(code, message, retryDelaySeconds)));
    callback({ code, details: message, metadata });
    count(code);
  };
  if (signal !== 'metrics') {
    let items: number;
    try {
      items = countItemsProtobuf(request);
    } catch (err) {
      fail(grpc.status.INVALID_ARGUMENT, `cannot decode OTLP ${signal} request: ${(err as Error).message}`);
      return;
    }
    deps.metrics.itemsDiscarded.inc({ receiver: 'otlp', protocol: 'grpc', signal }, items);
    callback(null, Buffer.from(encodeExportResponseProtobuf({ rejected: items, message: 'signal not stored: Pharos stores metrics only' })));
    count(grpc.status.OK);
    return;
  }
  if (!options.inflight.tryAcquire(request.length)) {
    fail(grpc.status.UNAVAILABLE, 'too many request bytes in progress, retry later', OVERLOAD_RETRY_SECONDS);
    return;
  }
  try {
    const result = await ingestMetrics(request, 'protobuf', 'grpc', deps);
    switch (result.status) {
      case 'ok':
        callback(null, Buffer.from(encodeExportResponseProtobuf(result.partial)));
        count(grpc.status.OK);
        break;
      case 'invalid':
        fail(grpc.status.INVALID_ARGUMENT, result.message);
        break;
      case 'unavailable':
        fail(grpc.status.UNAVAILABLE, result.message, result.retryAfterSeconds);
        break;
      case 'internal':
        fail(grpc.status.INTERNAL, result.message);
        break;
    }
  } finally {
    options.inflight.release(request.length);
  }
}
