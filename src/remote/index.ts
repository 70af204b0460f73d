/** @module Prometheus remote write 1.0 wire format: a columnar encoder and a streaming decoder. */
export type { WireLabels, WriteRequestVisitor, WriteSeries } from './write-request.ts';
export { decodeWriteRequest, encodeWriteRequest, WriteRequestDecodeError, WriteRequestEncoder } from './write-request.ts';
export * from './queue/index.ts';
