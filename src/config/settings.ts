/**
 * @module The configuration table: every setting once, with its file key, environment variable,
 * command-line flag, type, default and meaning. Read once at start-up (config/load.ts); the
 * README's configuration reference is generated from this table (`pharos config-reference`).
 */

/** How a setting's text is parsed. */
export type SettingType =
  | { kind: 'string' }
  | { kind: 'listen' } // HOST:PORT, or '' / 'off' to disable
  | { kind: 'bool' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'bytes' } // 4194304, 4MiB, 20MB
  | { kind: 'duration' } // 15s, 5m, 1h30m; a bare number is seconds
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list' }; // comma-separated in env/flags, a YAML list in the file

/** One configuration setting. */
export interface Setting {
  /** Dotted path in the YAML file, e.g. `otlp.http.listen`. */
  readonly key: string;
  readonly env: string;
  /** Without the leading `--`. */
  readonly flag: string;
  readonly type: SettingType;
  /** Default as text, parsed like user input. */
  readonly default: string;
  readonly description: string;
}

const listen: SettingType = { kind: 'listen' };

/** Every setting Pharos reads. */
export const SETTINGS: readonly Setting[] = [
  { key: 'data_dir', env: 'PHAROS_DATA_DIR', flag: 'data-dir', type: { kind: 'string' }, default: './data', description: 'Directory for the write-ahead log and translator state.' },
  { key: 'http.listen', env: 'PHAROS_HTTP_LISTEN', flag: 'http-listen', type: listen, default: '0.0.0.0:9090', description: 'Prometheus-compatible HTTP API, /metrics and health endpoints (and the OTLP/HTTP alias /api/v1/otlp/v1/metrics).' },
  { key: 'otlp.grpc.listen', env: 'PHAROS_OTLP_GRPC_LISTEN', flag: 'otlp-grpc-listen', type: listen, default: '0.0.0.0:4317', description: "OTLP gRPC receiver; 'off' disables it." },
  { key: 'otlp.http.listen', env: 'PHAROS_OTLP_HTTP_LISTEN', flag: 'otlp-http-listen', type: listen, default: '0.0.0.0:4318', description: "OTLP HTTP receiver (/v1/metrics, protobuf and JSON); 'off' disables it." },
  { key: 'otlp.grpc.max_recv_msg_size', env: 'PHAROS_OTLP_GRPC_MAX_RECV_MSG_SIZE', flag: 'otlp-grpc-max-recv-msg-size', type: { kind: 'bytes' }, default: '16MiB', description: 'Largest gRPC message accepted, after decompression (RESOURCE_EXHAUSTED above it).' },
  { key: 'otlp.http.max_request_body_size', env: 'PHAROS_OTLP_HTTP_MAX_REQUEST_BODY_SIZE', flag: 'otlp-http-max-request-body-size', type: { kind: 'bytes' }, default: '20MiB', description: 'Largest HTTP request body accepted, after decompression (413 above it).' },
  { key: 'otlp.max_inflight_bytes', env: 'PHAROS_OTLP_MAX_INFLIGHT_BYTES', flag: 'otlp-max-inflight-bytes', type: { kind: 'bytes' }, default: '256MiB', description: 'Request bytes being received or decoded at once; beyond it receivers answer HTTP 429 with Retry-After (gRPC UNAVAILABLE with RetryInfo).' },
  { key: 'otlp.resource_to_telemetry_conversion', env: 'PHAROS_OTLP_RESOURCE_TO_TELEMETRY_CONVERSION', flag: 'otlp-resource-to-telemetry-conversion', type: { kind: 'bool' }, default: 'true', description: "Copy every resource attribute (service.name → service_name, …) onto every series, like Alloy's resource_to_telemetry_conversion. Off: only job/instance and target_info." },
  { key: 'otlp.promote_resource_attributes', env: 'PHAROS_OTLP_PROMOTE_RESOURCE_ATTRIBUTES', flag: 'otlp-promote-resource-attributes', type: { kind: 'list' }, default: '', description: 'With conversion off: copy only these resource attributes onto series (Prometheus promote_resource_attributes).' },
  { key: 'otlp.ignore_resource_attributes', env: 'PHAROS_OTLP_IGNORE_RESOURCE_ATTRIBUTES', flag: 'otlp-ignore-resource-attributes', type: { kind: 'list' }, default: '', description: 'Resource attributes never copied onto series (e.g. process.pid, which changes on every restart).' },
  { key: 'otlp.translation_strategy', env: 'PHAROS_OTLP_TRANSLATION_STRATEGY', flag: 'otlp-translation-strategy', type: { kind: 'enum', values: ['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes', 'NoUTF8EscapingWithSuffixes', 'NoTranslation'] }, default: 'UnderscoreEscapingWithSuffixes', description: 'Metric and label name translation (Prometheus otlp.translation_strategy).' },
  { key: 'otlp.namespace', env: 'PHAROS_OTLP_NAMESPACE', flag: 'otlp-namespace', type: { kind: 'string' }, default: '', description: 'Prefix for every translated metric name.' },
  { key: 'otlp.scope_labels', env: 'PHAROS_OTLP_SCOPE_LABELS', flag: 'otlp-scope-labels', type: { kind: 'enum', values: ['spec', 'name_version', 'none'] }, default: 'spec', description: "Instrumentation-scope labels: 'spec' = otel_scope_name/version/schema_url/attributes, 'name_version' = Alloy's, 'none'." },
  { key: 'otlp.target_info', env: 'PHAROS_OTLP_TARGET_INFO', flag: 'otlp-target-info', type: { kind: 'bool' }, default: 'true', description: 'Write a target_info series per resource.' },
  { key: 'otlp.delta', env: 'PHAROS_OTLP_DELTA', flag: 'otlp-delta', type: { kind: 'enum', values: ['convert', 'reject'] }, default: 'convert', description: "Delta temporality: 'convert' accumulates to cumulative (totals survive restarts); 'reject' reports the points in partial_success." },
  { key: 'otlp.start_time_zero_injection', env: 'PHAROS_OTLP_START_TIME_ZERO_INJECTION', flag: 'otlp-start-time-zero-injection', type: { kind: 'bool' }, default: 'true', description: "Write a 0 at a new counter's OTLP start time so its first increment shows in rate()/increase()." },
  { key: 'otlp.stale_after_missed_exports', env: 'PHAROS_OTLP_STALE_AFTER_MISSED_EXPORTS', flag: 'otlp-stale-after-missed-exports', type: { kind: 'int', min: 0, max: 1000 }, default: '3', description: "Mark a resource's series stale after it misses this many export intervals (0 = never; then series linger for the 5m lookback)." },
  { key: 'storage.wal_fsync', env: 'PHAROS_STORAGE_WAL_FSYNC', flag: 'storage-wal-fsync', type: { kind: 'enum', values: ['never', 'always'] }, default: 'never', description: "'never': acknowledged writes survive a process crash (kill -9) but not power loss; 'always': fsync each commit." },
  { key: 'storage.retention.time', env: 'PHAROS_STORAGE_RETENTION_TIME', flag: 'storage-retention-time', type: { kind: 'duration' }, default: '15d', description: "How long on-disk blocks are kept, counted back from the newest sample (Prometheus' --storage.tsdb.retention.time); 0 keeps them forever." },
  { key: 'storage.retention.size', env: 'PHAROS_STORAGE_RETENTION_SIZE', flag: 'storage-retention-size', type: { kind: 'bytes' }, default: '0', description: "The oldest blocks are deleted while blocks, WAL and head chunk files together take more than this (Prometheus' --storage.tsdb.retention.size); 0 means no limit." },
  { key: 'storage.out_of_order_time_window', env: 'PHAROS_STORAGE_OUT_OF_ORDER_TIME_WINDOW', flag: 'storage-out-of-order-time-window', type: { kind: 'duration' }, default: '0', description: "Accept a sample older than its series' newest when it is at most this much older than the newest sample stored (Prometheus' storage.tsdb.out_of_order_time_window); it is queryable at once, kept in the WAL and merged into blocks. 0 rejects it (out_of_order). Never below the newest block (out_of_bounds): with 2h blocks the head reaches back at least 1h." },
  { key: 'storage.max_series', env: 'PHAROS_STORAGE_MAX_SERIES', flag: 'storage-max-series', type: { kind: 'int', min: 0 }, default: '0', description: 'Most active series (series in the head) the store holds; a sample of a new series past it is refused with reason series_limit (OTLP partial_success, remote write 400, scrape fails). 0 = unlimited.' },
  { key: 'storage.max_series_per_metric', env: 'PHAROS_STORAGE_MAX_SERIES_PER_METRIC', flag: 'storage-max-series-per-metric', type: { kind: 'int', min: 0 }, default: '0', description: 'Most active series of one metric name (__name__; a histogram\'s _bucket, _sum and _count count apart), refused the same way. 0 = unlimited.' },
  { key: 'storage.max_series_per_service', env: 'PHAROS_STORAGE_MAX_SERIES_PER_SERVICE', flag: 'storage-max-series-per-service', type: { kind: 'int', min: 0 }, default: '0', description: 'Most active series with one service_name label value (series without the label are not counted), refused the same way. 0 = unlimited.' },
  { key: 'storage.read_cache_size', env: 'PHAROS_STORAGE_READ_CACHE_SIZE', flag: 'storage-read-cache-size', type: { kind: 'bytes' }, default: '64MiB', description: "Memory for the pages of on-disk blocks that queries read, shared by all blocks and freed least recently used first: a repeated query reads no file and checks no CRC again (each page's CRC is checked when it is read in). 0 reads from the files every time." },
  { key: 'storage.remote_flush_deadline', env: 'PHAROS_STORAGE_REMOTE_FLUSH_DEADLINE', flag: 'storage-remote-flush-deadline', type: { kind: 'duration' }, default: '1m', description: "How long shutdown waits for remote_write queues to send what they hold (Prometheus' --storage.remote.flush-deadline); the rest stays in their disk buffers and goes out after the next start." },
  { key: 'remote_write_receiver.enabled', env: 'PHAROS_REMOTE_WRITE_RECEIVER_ENABLED', flag: 'remote-write-receiver-enabled', type: { kind: 'bool' }, default: 'true', description: 'Accept Prometheus remote write 1.0 at POST /api/v1/write on the HTTP port, so an existing Prometheus or Alloy can send here.' },
  { key: 'remote_write_receiver.max_request_body_size', env: 'PHAROS_REMOTE_WRITE_RECEIVER_MAX_REQUEST_BODY_SIZE', flag: 'remote-write-receiver-max-request-body-size', type: { kind: 'bytes' }, default: '32MiB', description: 'Largest remote write body accepted, after snappy decompression (413 above it).' },
  { key: 'web.enable_admin_api', env: 'PHAROS_WEB_ENABLE_ADMIN_API', flag: 'web-enable-admin-api', type: { kind: 'bool' }, default: 'false', description: "Serve the TSDB admin API on the HTTP port (POST or PUT /api/v1/admin/tsdb/delete_series and clean_tombstones), like Prometheus' --web.enable-admin-api. Off, both answer errorType unavailable, \"admin APIs disabled\"." },
  { key: 'query.lookback_delta', env: 'PHAROS_QUERY_LOOKBACK_DELTA', flag: 'query-lookback-delta', type: { kind: 'duration' }, default: '5m', description: 'How far back a query looks for the latest sample of a series.' },
  { key: 'query.timeout', env: 'PHAROS_QUERY_TIMEOUT', flag: 'query-timeout', type: { kind: 'duration' }, default: '2m', description: 'Longest a query may run.' },
  { key: 'query.max_samples', env: 'PHAROS_QUERY_MAX_SAMPLES', flag: 'query-max-samples', type: { kind: 'int', min: 1 }, default: '50000000', description: "Most samples one query may load into memory (Prometheus' --query.max-samples); beyond it the query fails with errorType execution." },
  { key: 'host_metrics.enabled', env: 'PHAROS_HOST_METRICS_ENABLED', flag: 'host-metrics-enabled', type: { kind: 'bool' }, default: 'false', description: "Collect this machine's CPU, memory, filesystem, network, disk and load figures from /proc and /sys under node_exporter's names (job=\"node\"), like Alloy's prometheus.exporter.unix." },
  { key: 'host_metrics.interval', env: 'PHAROS_HOST_METRICS_INTERVAL', flag: 'host-metrics-interval', type: { kind: 'duration' }, default: '15s', description: 'How often host metrics are collected.' },
  { key: 'log.level', env: 'PHAROS_LOG_LEVEL', flag: 'log-level', type: { kind: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', description: 'Log verbosity.' },
];
