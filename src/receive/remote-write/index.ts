/** @module The Prometheus remote write 1.0 receiver: HTTP handler and its transport-free core. */
export type { RemoteWriteHandler, RemoteWriteHandlerOptions } from './handler.ts';
export { createRemoteWriteHandler, REMOTE_WRITE_PATH } from './handler.ts';
export type { RemoteWriteIngestDeps, RemoteWriteResult } from './ingest.ts';
export { ingestWriteRequest } from './ingest.ts';
export type { RemoteWriteRejectReason } from './receiver-metrics.ts';
export { RemoteWriteReceiverMetrics } from './receiver-metrics.ts';
export { canonicalLabels } from './labels.ts';
