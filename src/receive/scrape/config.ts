/**
 * @module `global:` and `scrape_configs:` as written in prometheus.yml (already decoded from YAML),
 * validated with Prometheus' rules and defaults (config/config.go, common/config/http_config.go).
 * Errors name the key path and, where Prometheus has one, use its wording.
 */
import { isAbsolute, resolve } from 'node:path';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { parseRelabelConfigs, RelabelConfigError, type RelabelConfig } from '../../relabel/index.ts';
import { parseDuration } from '../../model/duration.ts';

/** The `global:` settings the scrape manager uses. Times in ms. */
export interface GlobalConfig {
  /** Default `scrape_interval` of jobs (Prometheus: 1m). */
  readonly scrapeIntervalMs: number;
  /** Default `scrape_timeout` of jobs (Prometheus: 10s, or the interval if shorter). */
  readonly scrapeTimeoutMs: number;
  /** Accepted for prometheus.yml compatibility; the rules engine owns it (Prometheus: 1m). */
  readonly evaluationIntervalMs: number;
  /**
   * Labels Prometheus adds when data leaves the server (federation, remote write, alerts): the
   * remote-write queues add them to what they send. The scraper does not add them to samples; it
   * only seeds the scrape offsets with them.
   */
  readonly externalLabels: Labels;
  /** Defaults of the per-job limits below; 0 means no limit. */
  readonly sampleLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly bodySizeLimitBytes: number;
}

/** Credentials sent with each scrape. `*File` paths are read at every scrape, as Prometheus does. */
export type ScrapeAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly usernameFile: string; readonly password: string; readonly passwordFile: string }
  | { readonly kind: 'authorization'; readonly type: string; readonly credentials: string; readonly credentialsFile: string };

/** `tls_config`: files are read when the job's HTTP client is built (at applyConfig). */
export interface ScrapeTlsConfig {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
}

/** A target group as service discovery yields it: addresses plus labels shared by all of them. */
export interface TargetGroup {
  /** Identifies the group within its discoverer (`0`, `/etc/sd/a.json:2`). */
  readonly source: string;
  /** Host:port addresses (`__address__`). */
  readonly targets: readonly string[];
  /** Labels every target of the group gets before relabelling (may include `__meta_*`). */
  readonly labels: Labels;
}

/** `file_sd_configs` entry. */
export interface FileSdConfig {
  /** Absolute paths; the last segment may hold `*` (Go filepath.Glob). */
  readonly files: readonly string[];
  readonly refreshIntervalMs: number;
}

/** One validated `scrape_configs` entry. Immutable. Times in ms. */
export interface ScrapeConfig {
  readonly jobName: string;
  readonly scrapeIntervalMs: number;
  /** At most scrapeIntervalMs. */
  readonly scrapeTimeoutMs: number;
  readonly metricsPath: string;
  /** URL query parameters; the first value of each also becomes `__param_<name>`. */
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly scheme: 'http' | 'https';
  readonly auth: ScrapeAuth | null;
  readonly tls: ScrapeTlsConfig;
  readonly followRedirects: boolean;
  /** Sends `Accept-Encoding: gzip` (Prometheus `enable_compression`, default true). */
  readonly enableCompression: boolean;
  /** Exposed labels win over target labels on conflict (else they become `exported_<name>`). */
  readonly honorLabels: boolean;
  /** Keep timestamps the target exposes (else every sample gets the scrape time). */
  readonly honorTimestamps: boolean;
  /** Write staleness markers for series with explicit timestamps too (Prometheus `track_timestamps_staleness`). */
  readonly trackTimestampsStaleness: boolean;
  /** Limits (0 = none). Exceeding one fails the whole scrape. */
  readonly sampleLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly bodySizeLimitBytes: number;
  readonly staticConfigs: readonly TargetGroup[];
  readonly fileSdConfigs: readonly FileSdConfig[];
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly metricRelabelConfigs: readonly RelabelConfig[];
}

/** Options of parseScrapeConfigs. */
export interface ScrapeParseOptions {
  /** Relative file paths (file_sd, credentials, TLS) are resolved against this directory (the config file's). */
  readonly baseDir?: string;
}

/** A scrape configuration that does not validate. The message starts with the key path. */
export class ScrapeConfigError extends Error {
  readonly code = 'bad_scrape_config';
  constructor(readonly path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
  }
}

/** Prometheus' defaults (config.DefaultGlobalConfig, DefaultScrapeConfig, file.DefaultSDConfig). */
export const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;
export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
export const DEFAULT_FILE_SD_REFRESH_MS = 5 * 60_000;
const DEFAULT_METRICS_PATH = '/metrics';

const GLOBAL_FIELDS: ReadonlySet<string> = new Set([
  'scrape_interval', 'scrape_timeout', 'evaluation_interval', 'external_labels', 'rule_query_offset', 'query_log_file',
  'sample_limit', 'label_limit', 'label_name_length_limit', 'label_value_length_limit', 'body_size_limit',
]);
const JOB_FIELDS: ReadonlySet<string> = new Set([
  'job_name', 'scrape_interval', 'scrape_timeout', 'metrics_path', 'params', 'scheme', 'basic_auth', 'authorization',
  'bearer_token', 'bearer_token_file', 'tls_config', 'follow_redirects', 'enable_http2', 'enable_compression',
  'honor_labels', 'honor_timestamps', 'track_timestamps_staleness', 'sample_limit', 'label_limit',
  'label_name_length_limit', 'label_value_length_limit', 'body_size_limit', 'static_configs', 'file_sd_configs',
  'relabel_configs', 'metric_relabel_configs',
]);
/** Prometheus keys Pharos does not implement: refused by name, so a config never silently means less. */
const UNSUPPORTED_JOB_FIELDS: Readonly<Record<string, string>> = {
  oauth2: 'OAuth 2.0 is not supported by Pharos',
  proxy_url: 'proxies are not supported by Pharos',
  no_proxy: 'proxies are not supported by Pharos',
  proxy_from_environment: 'proxies are not supported by Pharos',
  proxy_connect_header: 'proxies are not supported by Pharos',
  target_limit: 'target_limit is not supported by Pharos',
  keep_dropped_targets: 'keep_dropped_targets is not supported by Pharos (all dropped targets are kept)',
  scrape_protocols: 'Pharos scrapes the text formats only (OpenMetrics 1.0 and Prometheus text 0.0.4)',
  scrape_classic_histograms: 'native histograms are not supported by Pharos',
  native_histogram_bucket_limit: 'native histograms are not supported by Pharos',
  native_histogram_min_bucket_factor: 'native histograms are not supported by Pharos',
  http_headers: 'http_headers is not supported by Pharos',
};
const SD_SUFFIX = '_sd_configs';
const TLS_FIELDS: ReadonlySet<string> = new Set(['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version']);
// Under UTF-8 name validation (Prometheus 3) a label name is any non-empty text that encodes as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// The `file_sd_configs` name rule of Prometheus discovery/file (patFileSDName).
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

/** Validates a YAML-decoded `global:` section; null or undefined gives Prometheus' defaults. */
export function parseGlobalConfig(raw: unknown, where = 'global'): GlobalConfig {
  const o = raw === null || raw === undefined ? {} : strictMapping(raw, where, GLOBAL_FIELDS, {});
  const at = (k: string) => `${where}.${k}`;
  let intervalMs = o.scrape_interval === undefined ? 0 : duration(o.scrape_interval, at('scrape_interval'));
  let timeoutMs = o.scrape_timeout === undefined ? 0 : duration(o.scrape_timeout, at('scrape_timeout'));
  // Prometheus GlobalConfig.UnmarshalYAML: the interval first, then the (inferred) timeout.
  if (intervalMs === 0) intervalMs = DEFAULT_SCRAPE_INTERVAL_MS;
  if (timeoutMs > intervalMs) throw new ScrapeConfigError(at('scrape_timeout'), 'global scrape timeout greater than scrape interval');
  if (timeoutMs === 0) timeoutMs = Math.min(DEFAULT_SCRAPE_TIMEOUT_MS, intervalMs);
  if (o.rule_query_offset !== undefined) duration(o.rule_query_offset, at('rule_query_offset'));
  if (o.query_log_file !== undefined) str(o.query_log_file, at('query_log_file'));
  const evaluationIntervalMs = o.evaluation_interval === undefined ? 0 : duration(o.evaluation_interval, at('evaluation_interval'));
  return {
    scrapeIntervalMs: intervalMs,
    scrapeTimeoutMs: timeoutMs,
    evaluationIntervalMs: evaluationIntervalMs || DEFAULT_EVALUATION_INTERVAL_MS,
    externalLabels: labelSet(o.external_labels, at('external_labels')),
    sampleLimit: o.sample_limit === undefined ? 0 : uint(o.sample_limit, at('sample_limit')),
    labelLimit: o.label_limit === undefined ? 0 : uint(o.label_limit, at('label_limit')),
    labelNameLengthLimit: o.label_name_length_limit === undefined ? 0 : uint(o.label_name_length_limit, at('label_name_length_limit')),
    labelValueLengthLimit: o.label_value_length_limit === undefined ? 0 : uint(o.label_value_length_limit, at('label_value_length_limit')),
    bodySizeLimitBytes: o.body_size_limit === undefined ? 0 : bytes(o.body_size_limit, at('body_size_limit')),
  };
}

/**
 * Validates a YAML-decoded `scrape_configs:` list against the `global:` section (raw, as decoded;
 * it supplies the default interval, timeout and limits). `where` names the list in errors (e.g.
 * `scrape_configs`); null or undefined is an empty list. Job names must be unique. Throws
 * ScrapeConfigError on the first problem, naming the key path
 * (`scrape_configs[1].basic_auth.password_file`).
 */
export function parseScrapeConfigs(raw: unknown, global: unknown, where: string, options: ScrapeParseOptions = {}): ScrapeConfig[] {
  const g = parseGlobalConfig(global);
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ScrapeConfigError(where, `must be a list of scrape configurations, got ${typeName(raw)}`);
  const out = raw.map((item, i) => parseScrapeConfig(item, g, `${where}[${i}]`, options));
  const seen = new Map<string, number>();
  out.forEach((c, i) => {
    const first = seen.get(c.jobName);
    if (first !== undefined) throw new ScrapeConfigError(`${where}[${i}].job_name`, `found multiple scrape configs with job name ${JSON.stringify(c.jobName)} (also ${where}[${first}])`);
    seen.set(c.jobName, i);
  });
  return out;
}

/** Validates one `scrape_configs` entry against an already-validated global config. */
export function parseScrapeConfig(raw: unknown, global: GlobalConfig, path: string, options: ScrapeParseOptions = {}): ScrapeConfig {
  if (raw === null || raw === undefined) throw new ScrapeConfigError(path, 'empty or null scrape config section');
  const o = strictMapping(raw, path, JOB_FIELDS, UNSUPPORTED_JOB_FIELDS);
  const at = (k: string) => `${path}.${k}`;
  const file = (p: string) => (p === '' || isAbsolute(p) || options.baseDir === undefined ? p : resolve(options.baseDir, p));

  if (o.job_name === undefined || o.job_name === null || o.job_name === '') throw new ScrapeConfigError(at('job_name'), 'job_name is empty');
  const jobName = str(o.job_name, at('job_name'));

  // Prometheus ScrapeConfig.Validate: 0 means "inherit", then the timeout may not exceed the interval.
  let scrapeIntervalMs = o.scrape_interval === undefined ? 0 : duration(o.scrape_interval, at('scrape_interval'));
  let scrapeTimeoutMs = o.scrape_timeout === undefined ? 0 : duration(o.scrape_timeout, at('scrape_timeout'));
  if (scrapeIntervalMs === 0) scrapeIntervalMs = global.scrapeIntervalMs;
  if (scrapeTimeoutMs > scrapeIntervalMs) {
    throw new ScrapeConfigError(at('scrape_timeout'), `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(jobName)}`);
  }
  if (scrapeTimeoutMs === 0) scrapeTimeoutMs = Math.min(global.scrapeTimeoutMs, scrapeIntervalMs);

  let scheme: 'http' | 'https' = 'http';
  if (o.scheme !== undefined && o.scheme !== null && o.scheme !== '') {
    const s = str(o.scheme, at('scheme'));
    if (s !== 'http' && s !== 'https') throw new ScrapeConfigError(at('scheme'), `unknown scrape scheme ${JSON.stringify(s)} (must be http or https)`);
    scheme = s;
  }
  const metricsPath = o.metrics_path === undefined || o.metrics_path === null ? DEFAULT_METRICS_PATH : str(o.metrics_path, at('metrics_path'));

  for (const k of ['enable_http2']) if (o[k] !== undefined) bool(o[k], at(k));
  const limit = (k: 'sample_limit' | 'label_limit' | 'label_name_length_limit' | 'label_value_length_limit', dflt: number) =>
    o[k] === undefined ? dflt : uint(o[k], at(k));
  const relabelConfigs = relabelList(o.relabel_configs, at('relabel_configs'));
  const staticConfigs = staticGroups(o.static_configs, at('static_configs'));
  // Prometheus checks static targets for URLs only when no relabelling could rewrite __address__.
  if (relabelConfigs.length === 0) {
    staticConfigs.forEach((g, i) => g.targets.forEach((t, j) => {
      const why = checkTargetAddress(t);
      if (why) throw new ScrapeConfigError(`${at('static_configs')}[${i}].targets[${j}]`, why);
    }));
  }

  return {
    jobName,
    scrapeIntervalMs,
    scrapeTimeoutMs,
    metricsPath,
    params: params(o.params, at('params')),
    scheme,
    auth: auth(o, path, file),
    tls: tlsConfig(o.tls_config, at('tls_config'), file),
    followRedirects: o.follow_redirects === undefined ? true : bool(o.follow_redirects, at('follow_redirects')),
    enableCompression: o.enable_compression === undefined ? true : bool(o.enable_compression, at('enable_compression')),
    honorLabels: o.honor_labels === undefined ? false : bool(o.honor_labels, at('honor_labels')),
    honorTimestamps: o.honor_timestamps === undefined ? true : bool(o.honor_timestamps, at('honor_timestamps')),
    trackTimestampsStaleness: o.track_timestamps_staleness === undefined ? false : bool(o.track_timestamps_staleness, at('track_timestamps_staleness')),
    sampleLimit: limit('sample_limit', global.sampleLimit),
    labelLimit: limit('label_limit', global.labelLimit),
    labelNameLengthLimit: limit('label_name_length_limit', global.labelNameLengthLimit),
    labelValueLengthLimit: limit('label_value_length_limit', global.labelValueLengthLimit),
    bodySizeLimitBytes: o.body_size_limit === undefined ? global.bodySizeLimitBytes : bytes(o.body_size_limit, at('body_size_limit')),
    staticConfigs,
    fileSdConfigs: fileSdConfigs(o.file_sd_configs, at('file_sd_configs'), file),
    relabelConfigs,
    metricRelabelConfigs: relabelList(o.metric_relabel_configs, at('metric_relabel_configs')),
  };
}

/**
 * Why `address` cannot be a target address, or null when it can (Prometheus
 * config.CheckTargetAddress: a scheme or path belongs in `scheme` / `metrics_path`).
 */
export function checkTargetAddress(address: string): string | null {
  return address.includes('/') ? `${JSON.stringify(address)} is not a valid hostname` : null;
}

function relabelList(raw: unknown, path: string): RelabelConfig[] {
  try {
    return parseRelabelConfigs(raw, path);
  } catch (err) {
    if (err instanceof RelabelConfigError) throw new ScrapeConfigError(err.path, err.message.slice(err.path.length + 2), { cause: err });
    throw err;
  }
}

function staticGroups(raw: unknown, path: string): TargetGroup[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ScrapeConfigError(path, `must be a list of target groups, got ${typeName(raw)}`);
  return raw.map((item, i) => parseTargetGroup(item, `${path}[${i}]`, String(i)));
}

/**
 * Validates one target group `{targets: [...], labels: {...}}` (static_configs, file_sd files).
 * Unknown keys are errors, as in Prometheus' strict decoding.
 */
export function parseTargetGroup(raw: unknown, path: string, source: string): TargetGroup {
  const o = strictMapping(raw, path, new Set(['targets', 'labels']), {});
  let targets: string[] = [];
  if (o.targets !== undefined && o.targets !== null) {
    if (!Array.isArray(o.targets)) throw new ScrapeConfigError(`${path}.targets`, `must be a list of host:port addresses, got ${typeName(o.targets)}`);
    targets = o.targets.map((t, j) => str(t, `${path}.targets[${j}]`));
  }
  return { source, targets, labels: labelSet(o.labels, `${path}.labels`) };
}

function fileSdConfigs(raw: unknown, path: string, file: (p: string) => string): FileSdConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ScrapeConfigError(path, `must be a list, got ${typeName(raw)}`);
  return raw.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = strictMapping(item, p, new Set(['files', 'refresh_interval']), {});
    if (!Array.isArray(o.files) || o.files.length === 0) throw new ScrapeConfigError(`${p}.files`, 'file service discovery config must contain at least one path name');
    const files = o.files.map((f, j) => {
      const name = str(f, `${p}.files[${j}]`);
      if (name === '') throw new ScrapeConfigError(`${p}.files[${j}]`, 'file name is empty');
      if (!FILE_SD_NAME.test(name)) throw new ScrapeConfigError(`${p}.files[${j}]`, `path name ${JSON.stringify(name)} is not valid for file discovery`);
      return file(name);
    });
    const refreshIntervalMs = o.refresh_interval === undefined ? DEFAULT_FILE_SD_REFRESH_MS : duration(o.refresh_interval, `${p}.refresh_interval`);
    if (refreshIntervalMs === 0) throw new ScrapeConfigError(`${p}.refresh_interval`, 'must be greater than 0');
    return { files, refreshIntervalMs };
  });
}

function params(raw: unknown, path: string): Record<string, string[]> {
  if (raw === undefined || raw === null) return {};
  const o = mapping(raw, path);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!Array.isArray(v)) throw new ScrapeConfigError(`${path}.${k}`, `must be a list of values, got ${typeName(v)}`);
    out[k] = v.map((x, j) => scalar(x, `${path}.${k}[${j}]`));
  }
  return out;
}

function tlsConfig(raw: unknown, path: string, file: (p: string) => string): ScrapeTlsConfig {
  const o = raw === undefined || raw === null ? {} : strictMapping(raw, path, TLS_FIELDS, {});
  const s = (k: string) => (o[k] === undefined || o[k] === null ? '' : str(o[k], `${path}.${k}`));
  for (const k of ['min_version', 'max_version']) {
    const v = s(k);
    if (v !== '' && !['TLS10', 'TLS11', 'TLS12', 'TLS13'].includes(v)) throw new ScrapeConfigError(`${path}.${k}`, `unknown TLS version: ${v}`);
  }
  if ((s('cert_file') === '') !== (s('key_file') === '')) {
    const missing = s('cert_file') === '' ? 'cert_file' : 'key_file';
    throw new ScrapeConfigError(`${path}.${missing}`, `exactly one of key or key_file and cert or cert_file must be configured when a client certificate is used`);
  }
  return {
    caFile: file(s('ca_file')),
    certFile: file(s('cert_file')),
    keyFile: file(s('key_file')),
    serverName: s('server_name'),
    insecureSkipVerify: o.insecure_skip_verify === undefined ? false : bool(o.insecure_skip_verify, `${path}.insecure_skip_verify`),
  };
}

/** HTTPClientConfig.Validate from prometheus/common, with its messages. */
function auth(o: Record<string, unknown>, path: string, file: (p: string) => string): ScrapeAuth | null {
  const at = (k: string) => `${path}.${k}`;
  const has = (k: string) => o[k] !== undefined && o[k] !== null && o[k] !== '';
  if (has('bearer_token') && has('bearer_token_file')) throw new ScrapeConfigError(at('bearer_token_file'), 'at most one of bearer_token & bearer_token_file must be configured');
  const bearer = has('bearer_token') || has('bearer_token_file');
  if (has('basic_auth') && bearer) throw new ScrapeConfigError(at('basic_auth'), 'at most one of basic_auth, bearer_token & bearer_token_file must be configured');
  if (has('authorization') && bearer) throw new ScrapeConfigError(at('authorization'), 'authorization is not compatible with bearer_token & bearer_token_file');
  if (has('basic_auth') && has('authorization')) throw new ScrapeConfigError(at('authorization'), 'at most one of basic_auth, oauth2 & authorization must be configured');

  if (has('bearer_token')) return { kind: 'authorization', type: 'Bearer', credentials: str(o.bearer_token, at('bearer_token')), credentialsFile: '' };
  if (has('bearer_token_file')) return { kind: 'authorization', type: 'Bearer', credentials: '', credentialsFile: file(str(o.bearer_token_file, at('bearer_token_file'))) };
  if (has('basic_auth')) {
    const p = at('basic_auth');
    const b = strictMapping(o.basic_auth, p, new Set(['username', 'username_file', 'password', 'password_file']), {});
    const s = (k: string) => (b[k] === undefined || b[k] === null ? '' : str(b[k], `${p}.${k}`));
    if (s('username') !== '' && s('username_file') !== '') throw new ScrapeConfigError(p, 'at most one of basic_auth username & username_file must be configured');
    if (s('password') !== '' && s('password_file') !== '') throw new ScrapeConfigError(p, 'at most one of basic_auth password & password_file must be configured');
    return { kind: 'basic', username: s('username'), usernameFile: file(s('username_file')), password: s('password'), passwordFile: file(s('password_file')) };
  }
  if (has('authorization')) {
    const p = at('authorization');
    const a = strictMapping(o.authorization, p, new Set(['type', 'credentials', 'credentials_file']), {});
    const s = (k: string) => (a[k] === undefined || a[k] === null ? '' : str(a[k], `${p}.${k}`));
    const type = s('type') || 'Bearer';
    if (type.toLowerCase() === 'basic') throw new ScrapeConfigError(`${p}.type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
    if (/\s/.test(type)) throw new ScrapeConfigError(`${p}.type`, `must be a single word, got ${JSON.stringify(type)}`);
    if (s('credentials') !== '' && s('credentials_file') !== '') throw new ScrapeConfigError(p, 'at most one of authorization credentials & credentials_file must be configured');
    return { kind: 'authorization', type, credentials: s('credentials'), credentialsFile: file(s('credentials_file')) };
  }
  return null;
}

// ---- typed field readers ----

function mapping(raw: unknown, path: string): Record<string, unknown> {
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) throw new ScrapeConfigError(path, `must be a mapping, got ${typeName(raw)}`);
  return raw as Record<string, unknown>;
}

function strictMapping(raw: unknown, path: string, fields: ReadonlySet<string>, unsupported: Readonly<Record<string, string>>): Record<string, unknown> {
  const o = mapping(raw, path);
  for (const key of Object.keys(o)) {
    if (key in unsupported) throw new ScrapeConfigError(`${path}.${key}`, unsupported[key]);
    if (fields === JOB_FIELDS && key.endsWith(SD_SUFFIX) && key !== 'file_sd_configs' && key !== 'static_configs') {
      throw new ScrapeConfigError(`${path}.${key}`, 'this service discovery is not supported by Pharos (use static_configs or file_sd_configs)');
    }
    if (!fields.has(key)) throw new ScrapeConfigError(`${path}.${key}`, `field ${key} not found (expected one of ${[...fields].join(', ')})`);
  }
  return o;
}

/** A label set from a YAML mapping; names must be valid UTF-8, values scalars (yaml.v2 stringifies them). */
function labelSet(raw: unknown, path: string): Labels {
  if (raw === undefined || raw === null) return [];
  const o = mapping(raw, path);
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(o)) {
    if (k === '' || LONE_SURROGATE.test(k)) throw new ScrapeConfigError(`${path}.${k}`, `${JSON.stringify(k)} is not a valid label name`);
    pairs.push([k, v === null ? '' : scalar(v, `${path}.${k}`)]);
  }
  return labelsFrom(pairs);
}

function scalar(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new ScrapeConfigError(path, `must be a string, got ${typeName(v)}`);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ScrapeConfigError(path, `must be a string, got ${typeName(v)}`);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ScrapeConfigError(path, `must be true or false, got ${typeName(v)}`);
  return v;
}

function uint(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ScrapeConfigError(path, `must be a non-negative whole number, got ${typeName(v)}`);
  return v;
}

function duration(v: unknown, path: string): number {
  if (v === 0) return 0; // YAML reads a bare 0 as a number; model.ParseDuration accepts "0"
  if (typeof v === 'number') throw new ScrapeConfigError(path, `not a valid duration string: "${v}" (a duration needs a unit: ${v}s)`);
  if (typeof v !== 'string') throw new ScrapeConfigError(path, `must be a duration like 15s or 1m, got ${typeName(v)}`);
  const ms = parseDuration(v);
  if (ms === null) throw new ScrapeConfigError(path, v === '' ? 'empty duration string' : `not a valid duration string: ${JSON.stringify(v)}`);
  return ms;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1, KB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2, GB: 1024 ** 3, GiB: 1024 ** 3, TB: 1024 ** 4, TiB: 1024 ** 4,
};

/** A size as units.Base2Bytes reads it: a YAML integer is bytes; text needs a unit, and KB means KiB. */
function bytes(v: unknown, path: string): number {
  if (typeof v === 'number') return uint(v, path);
  if (typeof v !== 'string') throw new ScrapeConfigError(path, `must be a size like 10MB, got ${typeName(v)}`);
  const m = /^(\d+)([KMGT]i?B|B)$/.exec(v);
  if (m === null || BYTE_UNITS[m[2]] === undefined) throw new ScrapeConfigError(path, `not a valid size: ${JSON.stringify(v)} (use e.g. 512KB, 10MB, 1GiB)`);
  return Number(m[1]) * BYTE_UNITS[m[2]];
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v);
  return `${typeof v} ${String(v)}`;
}
