/** @module Built-in host metrics: node_exporter's Linux collectors, read from /proc and /sys in-process. */
export type { CollectorOutcome, HostCollectResult, HostCollectorName, HostMetricsOptions } from './types.ts';
export { HOST_COLLECTORS } from './types.ts';
export { HostParseError } from './errors.ts';
export { HostMetricsCollector, collectHostMetrics } from './collect.ts';
export { renderHostMetricsText } from './render.ts';
export { TextExpositionSink, formatGoFloat } from './text-writer.ts';
export { HOST_METRICS_JOB, hostMetricsScrapeConfig, HostMetricsScraper } from './scrape-job.ts';
