/**
 * @module Self-metrics of remote-write queues, named after Prometheus' prometheus_remote_storage_*
 * (storage/remote/queue_manager.go), each with `remote_name` and `url` labels.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why samples were dropped instead of sent (the `reason` label). */
export type DropReason =
  /** write_relabel_configs dropped the series. */
  | 'write_relabel'
  /** The buffer went over buffer.max_size and its oldest segment was deleted unsent. */
  | 'buffer_full'
  /** Older than buffer.max_age when their turn to be sent came. */
  | 'too_old'
  /** The buffer file could not be written (disk full, I/O error). */
  | 'buffer_write_failed'
  /** Appended after close(). */
  | 'queue_closed'
  /** A record referenced a series the segment does not define (damaged segment). */
  | 'unknown_series';

const LABELS = ['remote_name', 'url'] as const;
type L = (typeof LABELS)[number];

/** The metric families, registered once per registry and shared by every queue that uses it. */
export class RemoteWriteMetrics {
  readonly samplesPending: Gauge<L>;
  readonly samplesTotal: Counter<L>;
  readonly samplesRetried: Counter<L>;
  readonly samplesFailed: Counter<L>;
  readonly samplesDropped: Counter<L | 'reason'>;
  readonly metadataTotal: Counter<L>;
  readonly bytesTotal: Counter<L>;
  readonly highestTimestamp: Gauge<L>;
  readonly highestSentTimestamp: Gauge<L>;
  readonly shards: Gauge<L>;
  readonly bufferBytes: Gauge<L>;
  readonly bufferSegments: Gauge<L>;

  private constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = LABELS;
    this.samplesPending = new Gauge({ name: 'pharos_remote_storage_samples_pending', help: 'Samples read from the buffer and held by shards, not yet acknowledged by the remote.', labelNames, registers });
    this.samplesTotal = new Counter({ name: 'pharos_remote_storage_samples_total', help: 'Samples sent to the remote and acknowledged (2xx).', labelNames, registers });
    this.samplesRetried = new Counter({ name: 'pharos_remote_storage_samples_retried_total', help: 'Samples in attempts that failed in a retryable way (5xx, 429, network error, timeout) and will be sent again.', labelNames, registers });
    this.samplesFailed = new Counter({ name: 'pharos_remote_storage_samples_failed_total', help: 'Samples the remote refused with a non-retryable status (4xx other than 429); not sent again.', labelNames, registers });
    this.samplesDropped = new Counter({ name: 'pharos_remote_storage_samples_dropped_total', help: 'Samples dropped before sending, by reason.', labelNames: [...LABELS, 'reason'], registers });
    this.metadataTotal = new Counter({ name: 'pharos_remote_storage_metadata_total', help: 'Metadata entries sent to the remote and acknowledged.', labelNames, registers });
    this.bytesTotal = new Counter({ name: 'pharos_remote_storage_bytes_total', help: 'Request bytes (after snappy) put on the wire, every attempt counted.', labelNames, registers });
    this.highestTimestamp = new Gauge({ name: 'pharos_remote_storage_highest_timestamp_in_seconds', help: 'Highest sample timestamp appended to the queue, in seconds since the epoch.', labelNames, registers });
    this.highestSentTimestamp = new Gauge({ name: 'pharos_remote_storage_queue_highest_sent_timestamp_seconds', help: 'Highest sample timestamp acknowledged by the remote, in seconds since the epoch.', labelNames, registers });
    this.shards = new Gauge({ name: 'pharos_remote_storage_shards', help: 'Shards sending in parallel (fixed: queue_config.max_shards).', labelNames, registers });
    this.bufferBytes = new Gauge({ name: 'pharos_remote_storage_buffer_bytes', help: 'Size of the on-disk buffer (all segment files).', labelNames, registers });
    this.bufferSegments = new Gauge({ name: 'pharos_remote_storage_buffer_segments', help: 'Segment files in the on-disk buffer.', labelNames, registers });
  }

  static readonly #byRegistry = new WeakMap<Registry, RemoteWriteMetrics>();

  /** The metrics of `registry`, registering them on first use. */
  static for(registry: Registry): RemoteWriteMetrics {
    let m = RemoteWriteMetrics.#byRegistry.get(registry);
    if (!m) {
      m = new RemoteWriteMetrics(registry);
      RemoteWriteMetrics.#byRegistry.set(registry, m);
    }
    return m;
  }
}
