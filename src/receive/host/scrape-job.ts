/**
 * @module Host metrics as a scrape job: the built-in collectors stand behind a Scraper, so the
 * scrape manager gives them what it gives any target (up, scrape_duration_seconds, staleness
 * markers, an entry in /api/v1/targets) — as Alloy's prometheus.exporter.unix behind a
 * prometheus.scrape does.
 */
import { hostname } from 'node:os';
import type { Logger } from '../../log.ts';
import { parseScrapeConfig, type GlobalConfig, type ScrapeConfig } from '../scrape/config.ts';
import type { ScrapeResponse } from '../scrape/http-scraper.ts';
import type { Scraper } from '../scrape/loop.ts';
import { HostMetricsCollector } from './collect.ts';
import { TextExpositionSink } from './text-writer.ts';
import type { HostMetricsOptions } from './types.ts';

/** The `job` label of host metrics (what node_exporter's scrape job is usually called). */
export const HOST_METRICS_JOB = 'node';

/**
 * The scrape job of host metrics: one target whose `instance` is this machine's hostname, scraped
 * every `intervalMs` with the global defaults for everything else.
 */
export function hostMetricsScrapeConfig(intervalMs: number, global: GlobalConfig): ScrapeConfig {
  const interval = `${intervalMs}ms`;
  return parseScrapeConfig(
    {
      job_name: HOST_METRICS_JOB,
      scrape_interval: interval,
      // The collectors read local files; a slow /proc read still has to end before the next round.
      scrape_timeout: intervalMs < global.scrapeTimeoutMs ? interval : `${global.scrapeTimeoutMs}ms`,
      static_configs: [{ targets: [hostname()] }],
    },
    global,
    'host_metrics',
  );
}

/** A Scraper that ignores the URL and collects from /proc and /sys of this machine. */
export class HostMetricsScraper implements Scraper {
  readonly #collector: HostMetricsCollector;

  constructor(options: HostMetricsOptions & { logger: Logger }) {
    this.#collector = new HostMetricsCollector(options);
  }

  scrape(): Promise<ScrapeResponse> {
    const sink = new TextExpositionSink();
    this.#collector.collect(sink);
    return Promise.resolve({ body: Buffer.from(sink.text()), contentType: 'text/plain; version=0.0.4; charset=utf-8' });
  }

  close(): void {}
}
