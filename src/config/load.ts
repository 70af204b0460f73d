/**
 * @module Reads the configuration once: defaults < YAML file < environment < flags.
 * A bad value stops start-up with a ConfigError naming the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SETTINGS, type Setting } from './settings.ts';
import { parseSettingValue, type ListenAddress, type SettingValue } from './parse-value.ts';

/** A configuration problem; the message names the key and its source. */
export class ConfigError extends Error {
  readonly code = 'config_error';
}

/** The parsed configuration. Sizes in bytes, durations in ms. */
export interface PharosConfig {
  dataDir: string;
  httpListen: ListenAddress | null;
  otlp: {
    grpcListen: ListenAddress | null;
    httpListen: ListenAddress | null;
    grpcMaxRecvMsgSize: number;
    httpMaxRequestBodySize: number;
    maxInflightBytes: number;
    resourceToTelemetryConversion: boolean;
    promoteResourceAttributes: readonly string[];
    ignoreResourceAttributes: readonly string[];
    translationStrategy: 'UnderscoreEscapingWithSuffixes' | 'UnderscoreEscapingWithoutSuffixes' | 'NoUTF8EscapingWithSuffixes' | 'NoTranslation';
    namespace: string;
    scopeLabels: 'spec' | 'name_version' | 'none';
    targetInfo: boolean;
    delta: 'convert' | 'reject';
    startTimeZeroInjection: boolean;
    staleAfterMissedExports: number;
    /** `otlp.metric_relabel_configs` as parsed YAML (prometheus.yml's relabel shape), applied to every OTLP series. */
    metricRelabelConfigs: unknown;
  };
  storage: {
    walFsync: 'never' | 'always';
    remoteFlushDeadlineMs: number;
    retentionTimeMs: number;
    retentionBytes: number;
    outOfOrderTimeWindowMs: number;
    /** Bytes of block chunk pages kept for queries (storage.read_cache_size). */
    readCacheBytes: number;
    /** Cardinality limits on active series (0 = off). */
    maxSeries: number;
    maxSeriesPerMetric: number;
    maxSeriesPerService: number;
  };
  web: { enableAdminApi: boolean };
  remoteWriteReceiver: { enabled: boolean; maxRequestBodySize: number };
  query: { lookbackDeltaMs: number; timeoutMs: number; maxSamples: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  hostMetrics: { enabled: boolean; intervalMs: number };
  /**
   * The Prometheus-shaped sections of the file, as parsed YAML (prometheus.yml's own shapes, so a
   * Prometheus configuration's global/scrape_configs/remote_write can be pasted in unchanged).
   * Validated by the components that own them (receive/scrape, remote/queue) at start-up.
   */
  prometheus: { global: unknown; scrapeConfigs: unknown; remoteWrite: unknown };
  /** The YAML file read, if any; relative paths in its sections are resolved against its folder. */
  configFile: string | null;
  /** Every setting as the text that won (default, file, env or flag), for /api/v1/status/{config,flags}. */
  effective: ReadonlyMap<string, string>;
}

/** Where the raw settings come from. */
export interface ConfigSources {
  /** Flag values by flag name (without --). */
  flags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Path of a YAML file; `flags.config` or PHAROS_CONFIG_FILE also name one. */
  configFile?: string;
}

/** Loads and validates the configuration. Throws ConfigError. */
export function loadConfig(sources: ConfigSources = {}): PharosConfig {
  const flags = sources.flags ?? {};
  const env = sources.env ?? process.env;
  const file = sources.configFile ?? flags.config ?? env.PHAROS_CONFIG_FILE;
  const { values: fileValues, sections } = file ? readConfigFile(file) : { values: new Map<string, unknown>(), sections: new Map<string, unknown>() };

  const values = new Map<string, SettingValue>();
  const effective = new Map<string, string>();
  for (const s of SETTINGS) {
    let raw: unknown = s.default;
    let origin = 'default';
    if (fileValues.has(s.key)) { raw = fileValues.get(s.key); origin = `${file}: ${s.key}`; }
    if (env[s.env] !== undefined) { raw = env[s.env]; origin = `environment ${s.env}`; }
    if (flags[s.flag] !== undefined) { raw = flags[s.flag]; origin = `flag --${s.flag}`; }
    values.set(s.key, parseOrThrow(s, raw, origin));
    effective.set(s.key, Array.isArray(raw) ? raw.join(',') : String(raw));
  }
  for (const key of fileValues.keys()) {
    if (!SETTINGS.some((s) => s.key === key)) throw new ConfigError(`${file}: unknown setting ${JSON.stringify(key)}`);
  }
  for (const name of Object.keys(flags)) {
    if (name !== 'config' && !SETTINGS.some((s) => s.flag === name)) throw new ConfigError(`unknown flag --${name}`);
  }
  const v = <T extends SettingValue>(key: string) => values.get(key) as T;
  return {
    effective,
    dataDir: v('data_dir'),
    httpListen: v('http.listen'),
    otlp: {
      grpcListen: v('otlp.grpc.listen'),
      httpListen: v('otlp.http.listen'),
      grpcMaxRecvMsgSize: v('otlp.grpc.max_recv_msg_size'),
      httpMaxRequestBodySize: v('otlp.http.max_request_body_size'),
      maxInflightBytes: v('otlp.max_inflight_bytes'),
      resourceToTelemetryConversion: v('otlp.resource_to_telemetry_conversion'),
      promoteResourceAttributes: v('otlp.promote_resource_attributes'),
      ignoreResourceAttributes: v('otlp.ignore_resource_attributes'),
      translationStrategy: v('otlp.translation_strategy'),
      namespace: v('otlp.namespace'),
      scopeLabels: v('otlp.scope_labels'),
      targetInfo: v('otlp.target_info'),
      delta: v('otlp.delta'),
      startTimeZeroInjection: v('otlp.start_time_zero_injection'),
      staleAfterMissedExports: v('otlp.stale_after_missed_exports'),
      metricRelabelConfigs: sections.get('otlp.metric_relabel_configs'),
    },
    storage: {
      walFsync: v('storage.wal_fsync'),
      remoteFlushDeadlineMs: v('storage.remote_flush_deadline'),
      retentionTimeMs: v('storage.retention.time'),
      retentionBytes: v('storage.retention.size'),
      outOfOrderTimeWindowMs: v('storage.out_of_order_time_window'),
      readCacheBytes: v('storage.read_cache_size'),
      maxSeries: v('storage.max_series'),
      maxSeriesPerMetric: v('storage.max_series_per_metric'),
      maxSeriesPerService: v('storage.max_series_per_service'),
    },
    web: { enableAdminApi: v('web.enable_admin_api') },
    remoteWriteReceiver: { enabled: v('remote_write_receiver.enabled'), maxRequestBodySize: v('remote_write_receiver.max_request_body_size') },
    query: { lookbackDeltaMs: v('query.lookback_delta'), timeoutMs: v('query.timeout'), maxSamples: v('query.max_samples') },
    logLevel: v('log.level'),
    hostMetrics: { enabled: v('host_metrics.enabled'), intervalMs: v('host_metrics.interval') },
    prometheus: { global: sections.get('global'), scrapeConfigs: sections.get('scrape_configs'), remoteWrite: sections.get('remote_write') },
    configFile: file ?? null,
  };
}

function parseOrThrow(s: Setting, raw: unknown, origin: string): SettingValue {
  try {
    return parseSettingValue(s.type, raw);
  } catch (err) {
    throw new ConfigError(`invalid value for ${s.key} (${origin}): ${(err as Error).message}`);
  }
}

/** Top-level sections kept whole, in prometheus.yml's shapes. */
const PROMETHEUS_SECTIONS = ['global', 'scrape_configs', 'remote_write'];
/** Nested keys kept whole too: lists of Prometheus-shaped rules among the settings. */
const NESTED_SECTIONS = ['otlp.metric_relabel_configs'];

/** Flattens the YAML file into dotted keys (nested maps become `a.b.c`), setting aside the Prometheus sections. */
function readConfigFile(path: string): { values: Map<string, unknown>; sections: Map<string, unknown> } {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  const out = new Map<string, unknown>();
  const sections = new Map<string, unknown>();
  if (doc === null || doc === undefined) return { values: out, sections };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: the top level must be a mapping`);
  for (const name of PROMETHEUS_SECTIONS) {
    const record = doc as Record<string, unknown>;
    if (name in record) {
      sections.set(name, record[name]);
      delete record[name];
    }
  }
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, val] of Object.entries(obj)) {
      const key = prefix + k;
      if (NESTED_SECTIONS.includes(key)) {
        sections.set(key, val);
        continue;
      }
      const isLeafSetting = SETTINGS.some((s) => s.key === key);
      if (!isLeafSetting && val !== null && typeof val === 'object' && !Array.isArray(val)) walk(val as Record<string, unknown>, key + '.');
      else out.set(key, val);
    }
  };
  walk(doc as Record<string, unknown>, '');
  return { values: out, sections };
}

/** The configuration reference as a Markdown table (for the README). */
export function configReferenceMarkdown(): string {
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | \`${s.env}\` | \`--${s.flag}\` | \`${s.default}\` | ${s.description} |`);
  return ['| file key | environment | flag | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
