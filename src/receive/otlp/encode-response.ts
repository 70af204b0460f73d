/**
 * @module Encoders for the few messages a receiver sends back: Export*ServiceResponse with
 * partial_success, and google.rpc.Status (with RetryInfo for backpressure), in protobuf and JSON.
 */
import type { OtlpSignal } from './receiver-metrics.ts';

/** partial_success of an Export*ServiceResponse; rejected = 0 with a message is a warning. */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

const encoder = new TextEncoder();

/** ExportMetricsServiceResponse (and the trace/log twins: same field numbers) as protobuf bytes. */
export function encodeExportResponseProtobuf(partial: PartialSuccess | null): Uint8Array {
  if (!partial || (partial.rejected === 0 && partial.message === '')) return new Uint8Array(0);
  const inner = new ProtoWriter();
  if (partial.rejected > 0) inner.tag(1, 0).varint(partial.rejected);
  if (partial.message !== '') inner.bytesField(2, encoder.encode(partial.message));
  return new ProtoWriter().bytesField(1, inner.finish()).finish();
}

const REJECTED_FIELD: Record<OtlpSignal, string> = { metrics: 'rejectedDataPoints', traces: 'rejectedSpans', logs: 'rejectedLogRecords' };

/** The same response in OTLP/JSON (int64 as a string, as the spec's JSON mapping requires). */
export function encodeExportResponseJson(signal: OtlpSignal, partial: PartialSuccess | null): string {
  if (!partial || (partial.rejected === 0 && partial.message === '')) return '{}';
  const body: Record<string, string> = {};
  if (partial.rejected > 0) body[REJECTED_FIELD[signal]] = String(partial.rejected);
  if (partial.message !== '') body.errorMessage = partial.message;
  return JSON.stringify({ partialSuccess: body });
}

/** gRPC status codes used here. */
export const GrpcCode = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** google.rpc.Status as protobuf; with retryDelaySeconds it carries a google.rpc.RetryInfo detail. */
export function encodeStatusProtobuf(code: number, message: string, retryDelaySeconds?: number): Uint8Array {
  const w = new ProtoWriter();
  if (code !== 0) w.tag(1, 0).varint(code);
  w.bytesField(2, encoder.encode(message));
  if (retryDelaySeconds !== undefined) {
    const duration = new ProtoWriter().tag(1, 0).varint(retryDelaySeconds).finish();
    const retryInfo = new ProtoWriter().bytesField(1, duration).finish();
    const any = new ProtoWriter().bytesField(1, encoder.encode('type.googleapis.com/google.rpc.RetryInfo')).bytesField(2, retryInfo).finish();
    w.bytesField(3, any);
  }
  return w.finish();
}

/** google.rpc.Status as JSON. */
export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

/** A minimal protobuf writer for small responses. */
class ProtoWriter {
  #bytes: number[] = [];
  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }
  varint(n: number): this {
    while (n > 0x7f) {
      this.#bytes.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.#bytes.push(n);
    return this;
  }
  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.#bytes.push(b);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}
