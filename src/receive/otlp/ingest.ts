/**
 * @module The receiver core shared by gRPC and HTTP: decode one metrics request into the
 * translator, commit, and say what happened. Transports only map the result to their status codes.
 */
import type { Appendable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import type { OtlpTranslatorApi } from '../../translate/otlp/translation.ts';
import { OtlpDecodeError } from '../../translate/otlp/visitor.ts';
import type { Logger } from '../../log.ts';
import { decodeMetricsProtobuf } from './decode-protobuf.ts';
import { decodeMetricsJson } from './decode-json.ts';
import type { PartialSuccess } from './encode-response.ts';
import type { OtlpProtocol, OtlpReceiverMetrics } from './receiver-metrics.ts';

/** What a receiver needs to ingest metrics. */
export interface OtlpIngestDeps {
  appendable: Appendable;
  translator: OtlpTranslatorApi;
  metrics: OtlpReceiverMetrics;
  log: Logger;
  /** Seconds a client should wait before retrying after a storage failure. */
  retryAfterSeconds?: number;
}

/** The outcome of one request, independent of transport. */
export type IngestResult =
  | { readonly status: 'ok'; readonly partial: PartialSuccess | null }
  | { readonly status: 'invalid'; readonly message: string }
  | { readonly status: 'unavailable'; readonly message: string; readonly retryAfterSeconds: number }
  | { readonly status: 'internal'; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes, translates and commits one ExportMetricsServiceRequest. Never throws. */
export async function ingestMetrics(body: Uint8Array, format: 'protobuf' | 'json', protocol: OtlpProtocol, deps: OtlpIngestDeps): Promise<IngestResult> {
  const labels = { receiver: 'otlp', protocol };
  deps.metrics.requestBytes.inc(labels, body.length);
  const appender = deps.appendable.appender();
  const translation = deps.translator.begin(appender);
  try {
    if (format === 'protobuf') decodeMetricsProtobuf(body, translation);
    else decodeMetricsJson(decodeUtf8(body), translation);
  } catch (err) {
    appender.rollback();
    translation.abort();
    if (err instanceof OtlpDecodeError) {
      const message = `cannot decode OTLP ${format === 'protobuf' ? 'protobuf' : 'JSON'} metrics request (${body.length} bytes): ${err.message}`;
      return { status: 'invalid', message };
    }
    deps.log.error('unexpected error while translating an OTLP request', { protocol, err: err as Error });
    return { status: 'internal', message: `internal error: ${(err as Error).message}` };
  }

  try {
    await appender.commit();
    await translation.commit();
  } catch (err) {
    appender.rollback();
    translation.abort();
    if (err instanceof StorageError && err.code === 'unavailable') {
      const retryAfterSeconds = deps.retryAfterSeconds ?? 5;
      return { status: 'unavailable', message: `storage unavailable, retry later: ${err.message}`, retryAfterSeconds };
    }
    deps.log.error('cannot commit an OTLP request', { protocol, err: err as Error });
    return { status: 'unavailable', message: `cannot store the request, retry later: ${(err as Error).message}`, retryAfterSeconds: deps.retryAfterSeconds ?? 5 };
  }

  const received = translation.acceptedPoints + translation.rejectedPoints;
  deps.metrics.pointsReceived.inc(labels, received);
  for (const [reason, n] of translation.rejectedByReason) deps.metrics.pointsRejected.inc({ ...labels, reason }, n);
  if (translation.acceptedPoints > 0 || received === 0) deps.metrics.lastPushMs.set(protocol, Date.now());
  const partial = translation.rejectedPoints > 0 || translation.message !== '' ? { rejected: translation.rejectedPoints, message: translation.message } : null;
  return { status: 'ok', partial };
}

function decodeUtf8(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw new OtlpDecodeError('request body is not valid UTF-8', { cause });
  }
}
