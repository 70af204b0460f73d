/**
 * @module The scrape manager's self-metrics, under Prometheus' own names (scrape/metrics.go,
 * discovery/file/metrics.go) so existing dashboards and alerts for a Prometheus work unchanged.
 */
import { Counter, Gauge, Summary, type Registry } from 'prom-client';

const OBJECTIVES = [0.01, 0.05, 0.5, 0.9, 0.99];

/** Counters and gauges of scraping. One instance per registry. */
export class ScrapeMetrics {
  readonly intervalLength: Summary<'interval'>;
  readonly exceededSampleLimit: Counter;
  readonly exceededBodySizeLimit: Counter;
  readonly exceededLabelLimits: Counter;
  readonly sampleOutOfOrder: Counter;
  readonly sampleDuplicate: Counter;
  readonly sampleOutOfBounds: Counter;
  readonly poolsTotal: Counter;
  readonly poolReloads: Counter;
  readonly poolReloadsFailed: Counter;
  readonly poolTargets: Gauge<'scrape_job'>;
  readonly poolSyncs: Counter<'scrape_job'>;
  readonly syncLength: Summary<'scrape_job'>;
  readonly targetsCreationFailed: Counter<'scrape_job'>;
  readonly discoveredTargets: Gauge<'config' | 'name'>;
  readonly fileReadErrors: Counter;
  readonly fileScanDuration: Summary;
  readonly fileWatcherErrors: Counter;
  readonly fileMtime: Gauge<'filename'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.intervalLength = new Summary({ name: 'prometheus_target_interval_length_seconds', help: 'Actual intervals between scrapes.', labelNames: ['interval'], percentiles: OBJECTIVES, registers });
    this.exceededSampleLimit = new Counter({ name: 'prometheus_target_scrapes_exceeded_sample_limit_total', help: 'Total number of scrapes that hit the sample limit and were rejected.', registers });
    this.exceededBodySizeLimit = new Counter({ name: 'prometheus_target_scrapes_exceeded_body_size_limit_total', help: 'Total number of scrapes that hit the body size limit.', registers });
    this.exceededLabelLimits = new Counter({ name: 'prometheus_target_scrape_pool_exceeded_label_limits_total', help: 'Total number of times scrape pools hit the label limits, during sync or config reload.', registers });
    this.sampleOutOfOrder = new Counter({ name: 'prometheus_target_scrapes_sample_out_of_order_total', help: 'Total number of samples rejected due to not being out of the expected order.', registers });
    this.sampleDuplicate = new Counter({ name: 'prometheus_target_scrapes_sample_duplicate_timestamp_total', help: 'Total number of samples rejected due to duplicate timestamps but different values.', registers });
    this.sampleOutOfBounds = new Counter({ name: 'prometheus_target_scrapes_sample_out_of_bounds_total', help: 'Total number of samples rejected due to timestamp falling outside of the time bounds.', registers });
    this.poolsTotal = new Counter({ name: 'prometheus_target_scrape_pools_total', help: 'Total number of scrape pool creation attempts.', registers });
    this.poolReloads = new Counter({ name: 'prometheus_target_scrape_pool_reloads_total', help: 'Total number of scrape pool reloads.', registers });
    this.poolReloadsFailed = new Counter({ name: 'prometheus_target_scrape_pool_reloads_failed_total', help: 'Total number of failed scrape pool reloads.', registers });
    this.poolTargets = new Gauge({ name: 'prometheus_target_scrape_pool_targets', help: 'Current number of targets in this scrape pool.', labelNames: ['scrape_job'], registers });
    this.poolSyncs = new Counter({ name: 'prometheus_target_scrape_pool_sync_total', help: 'Total number of syncs that were executed on a scrape pool.', labelNames: ['scrape_job'], registers });
    this.syncLength = new Summary({ name: 'prometheus_target_sync_length_seconds', help: 'Actual interval to sync the scrape pool.', labelNames: ['scrape_job'], percentiles: OBJECTIVES, registers });
    this.targetsCreationFailed = new Counter({ name: 'pharos_target_creation_failed_total', help: 'Discovered addresses that could not become targets (no address, bad interval...), by job.', labelNames: ['scrape_job'], registers });
    this.discoveredTargets = new Gauge({ name: 'prometheus_sd_discovered_targets', help: 'Current number of discovered targets.', labelNames: ['config', 'name'], registers });
    this.fileReadErrors = new Counter({ name: 'prometheus_sd_file_read_errors_total', help: 'The number of File-SD read errors.', registers });
    this.fileScanDuration = new Summary({ name: 'prometheus_sd_file_scan_duration_seconds', help: 'The duration of the File-SD scan in seconds.', percentiles: [0.5, 0.9, 0.99], registers });
    this.fileWatcherErrors = new Counter({ name: 'prometheus_sd_file_watcher_errors_total', help: 'The number of File-SD errors caused by filesystem watch failures.', registers });
    this.fileMtime = new Gauge({ name: 'prometheus_sd_file_mtime_seconds', help: 'Timestamp (mtime) of files read by FileSD. Timestamp is set at read time.', labelNames: ['filename'], registers });
  }
}
