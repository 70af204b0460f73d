/** @module Remote write out: config parsing, the disk-buffered send queue, and the fanout Appendable. */
export type { RemoteWriteAuth, RemoteWriteBufferConfig, RemoteWriteConfig, RemoteWriteParseOptions, RemoteWriteQueueConfig } from './config.ts';
export { DEFAULT_BUFFER_CONFIG, DEFAULT_QUEUE_CONFIG, DEFAULT_REMOTE_TIMEOUT_MS, parseRemoteWriteConfig, parseRemoteWriteConfigs, RemoteWriteConfigError, remoteWriteQueueDirName } from './config.ts';
export type { RemoteWriteQueueOptions, RemoteWriteQueueStats, SampleBatch } from './queue.ts';
export { RemoteWriteQueue } from './queue.ts';
export { fanoutAppendable } from './fanout.ts';
export type { DropReason } from './metrics.ts';
export { RemoteWriteMetrics } from './metrics.ts';
export { nextBackoffMs, parseRetryAfterMs } from './retry.ts';
