/**
 * @module Host metrics as a Prometheus text exposition 0.0.4 page, for a /metrics-style debug
 * endpoint and for diffing against node_exporter's own page.
 */
import { collectHostMetrics } from './collect.ts';
import { TextExpositionSink } from './text-writer.ts';
import type { HostMetricsOptions } from './types.ts';

/**
 * One collection rendered as text exposition 0.0.4 (Content-Type `text/plain; version=0.0.4`),
 * sorted and formatted as node_exporter's page is. Never throws for unreadable or malformed
 * files; those collectors show node_scrape_collector_success 0.
 */
export function renderHostMetricsText(options: HostMetricsOptions = {}): string {
  const sink = new TextExpositionSink();
  collectHostMetrics(sink, options);
  return sink.text();
}
