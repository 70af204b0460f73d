/** @module OTLP receivers (gRPC and HTTP) and their shared ingest core. */
export type { OtlpProtocol, OtlpSignal } from './receiver-metrics.ts';
export { OtlpReceiverMetrics } from './receiver-metrics.ts';
export { InflightBudget } from './inflight.ts';
export type { OtlpIngestDeps, IngestResult } from './ingest.ts';
export { ingestMetrics } from './ingest.ts';
export type { OtlpHttpOptions } from './http.ts';
export { createOtlpHttpHandler, DEFAULT_OTLP_HTTP_PATHS } from './http.ts';
export type { OtlpGrpcOptions, OtlpGrpcServer } from './grpc.ts';
export { startOtlpGrpcServer } from './grpc.ts';
