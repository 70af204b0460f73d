/**
 * @module The OTLP/HTTP receiver: POST /v1/{metrics,traces,logs} with protobuf or JSON bodies,
 * gzip/deflate, a decompressed-size limit, partial_success and Retry-After, per
 * otlp-to-prometheus.md §1.2–1.3. Thin: the work happens in ingest.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { countItemsJson, countItemsProtobuf } from './count-items.ts';
import { encodeExportResponseJson, encodeExportResponseProtobuf, encodeStatusJson, encodeStatusProtobuf, GrpcCode, type PartialSuccess } from './encode-response.ts';
import type { InflightBudget } from './inflight.ts';
import { ingestMetrics, type OtlpIngestDeps } from './ingest.ts';
import { BodyError, readBody } from './read-body.ts';
import type { OtlpProtocol, OtlpSignal } from './receiver-metrics.ts';

/** Options of the HTTP receiver. */
export interface OtlpHttpOptions {
  maxRequestBodyBytes: number;
  inflight: InflightBudget;
  /** Paths served for each signal; the API port adds the Prometheus alias for metrics. */
  paths?: Partial<Record<string, OtlpSignal>>;
}

/** The default OTLP/HTTP paths. */
export const DEFAULT_OTLP_HTTP_PATHS: Record<string, OtlpSignal> = { '/v1/metrics': 'metrics', '/v1/traces': 'traces', '/v1/logs': 'logs' };

const NOT_STORED = 'signal not stored: Pharos stores metrics only';
const OVERLOAD_RETRY_SECONDS = 1;

/**
 * Returns a handler that serves the OTLP paths and returns false for any other path,
 * so it can share a server with other handlers.
 */
export function createOtlpHttpHandler(deps: OtlpIngestDeps, options: OtlpHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const paths = options.paths ?? DEFAULT_OTLP_HTTP_PATHS;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const signal = paths[path];
    if (!signal) return false;
    const mediaType = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
    const format = mediaType === 'application/x-protobuf' ? 'protobuf' : mediaType === 'application/json' ? 'json' : null;
    const protocol: OtlpProtocol = format === 'protobuf' ? 'http/protobuf' : 'http/json';
    const count = (code: number) => deps.metrics.requests.inc({ receiver: 'otlp', protocol, signal, code: String(code) });

    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'POST' }).end(`${req.method} is not supported on ${path}; OTLP uses POST\n`);
      count(405);
      return true;
    }
    if (!format) {
      req.resume();
      res.writeHead(415, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; supported: application/x-protobuf, application/json\n`);
      count(415);
      return true;
    }
    const reply = (status: number, body: Uint8Array | string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': format === 'protobuf' ? 'application/x-protobuf' : 'application/json', ...extra }).end(body);
      count(status);
    };
    const replyStatus = (status: number, grpcCode: number, message: string, extra?: Record<string, string>) =>
      reply(status, format === 'protobuf' ? encodeStatusProtobuf(grpcCode, message) : encodeStatusJson(grpcCode, message), extra);

    // Reserve the worst case up front: a body may grow to the limit while it streams in.
    const reserve = Math.min(options.maxRequestBodyBytes, Number(req.headers['content-length']) || options.maxRequestBodyBytes);
    if (!options.inflight.tryAcquire(reserve)) {
      req.resume();
      replyStatus(429, GrpcCode.RESOURCE_EXHAUSTED, 'too many request bytes in progress, retry later', { 'Retry-After': String(OVERLOAD_RETRY_SECONDS) });
      return true;
    }
    try {
      let body: Buffer;
      try {
        body = await readBody(req, options.maxRequestBodyBytes);
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        replyStatus(err.status, GrpcCode.INVALID_ARGUMENT, err.message, err.status === 413 ? { Connection: 'close' } : {});
        return true;
      }
      if (signal !== 'metrics') {
        let items: number;
        try {
          items = format === 'protobuf' ? countItemsProtobuf(body) : countItemsJson(body.toString('utf8'), signal);
        } catch (err) {
          replyStatus(400, GrpcCode.INVALID_ARGUMENT, `cannot decode OTLP ${signal} request: ${(err as Error).message}`);
          return true;
        }
        deps.metrics.itemsDiscarded.inc({ receiver: 'otlp', protocol, signal }, items);
        const partial: PartialSuccess = { rejected: items, message: NOT_STORED };
        reply(200, format === 'protobuf' ? encodeExportResponseProtobuf(partial) : encodeExportResponseJson(signal, partial));
        return true;
      }
      const result = await ingestMetrics(body, format, protocol, deps);
      switch (result.status) {
        case 'ok':
          reply(200, format === 'protobuf' ? encodeExportResponseProtobuf(result.partial) : encodeExportResponseJson('metrics', result.partial));
          break;
        case 'invalid':
          replyStatus(400, GrpcCode.INVALID_ARGUMENT, result.message);
          break;
        case 'unavailable':
          replyStatus(503, GrpcCode.UNAVAILABLE, result.message, { 'Retry-After': String(result.retryAfterSeconds) });
          break;
        case 'internal':
          replyStatus(500, GrpcCode.INTERNAL, result.message);
          break;
      }
      return true;
    } finally {
      options.inflight.release(reserve);
    }
  };
}
