/**
 * @module `remote_write:` entries as written in Prometheus YAML (already decoded to JS values),
 * validated with Prometheus' rules (config/config.go, common/config/http_config.go) plus the
 * Pharos `buffer:` extension for the on-disk queue. Errors name the key path.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { parseBytes } from '../../config/parse-value.ts';
import { parseRelabelConfigs, RelabelConfigError, type RelabelConfig } from '../../relabel/index.ts';
import { parseDuration } from '../../model/duration.ts';

/** How the queue sends (Prometheus `queue_config`). Times in ms. */
export interface RemoteWriteQueueConfig {
  /** Samples each shard holds in memory before the disk reader waits (Prometheus: per-shard buffer). */
  readonly capacity: number;
  /**
   * Shards used. Pharos does not reshard dynamically: it runs exactly `maxShards` shards, so the
   * default is 4 (Prometheus' 50 or 200 are sized for resharding goroutines, not for one event loop).
   */
  readonly maxShards: number;
  /** Accepted and checked (≤ maxShards) for compatibility; unused without dynamic resharding. */
  readonly minShards: number;
  readonly maxSamplesPerSend: number;
  /** A shard sends a partial batch once its oldest pending sample waited this long. */
  readonly batchSendDeadlineMs: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Retry on HTTP 429 (true) or count the batch as failed (false). */
  readonly retryOnHttp429: boolean;
}

/** The on-disk buffer (Pharos extension `buffer:`). */
export interface RemoteWriteBufferConfig {
  /** Largest total size of the buffer's segment files; past it the OLDEST segment is dropped. */
  readonly maxBytes: number;
  /** Samples older than this (by sample timestamp, at send time) are dropped, not sent; 0 = no limit. */
  readonly maxAgeMs: number;
}

/** Credentials sent with each request. `*File` paths are read at every request, as Prometheus does. */
export type RemoteWriteAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly usernameFile: string; readonly password: string; readonly passwordFile: string }
  | { readonly kind: 'authorization'; readonly type: string; readonly credentials: string; readonly credentialsFile: string };

/** One validated `remote_write` entry. Immutable. */
export interface RemoteWriteConfig {
  readonly url: string;
  /** The `remote_name` metric label; when not configured, the first 6 hex digits of sha256(url). */
  readonly name: string;
  readonly remoteTimeoutMs: number;
  /** Extra request headers (none of Prometheus' reserved ones). */
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: RemoteWriteAuth | null;
  /** Applied before a sample enters this remote's buffer. */
  readonly writeRelabelConfigs: readonly RelabelConfig[];
  readonly queue: RemoteWriteQueueConfig;
  readonly buffer: RemoteWriteBufferConfig;
  /** `metadata_config.send`: whether metric metadata is forwarded (default true). */
  readonly sendMetadata: boolean;
  /**
   * `metadata_config.send_interval` (default 1m): unchanged metadata of a family is forwarded again
   * at most this often; changed metadata goes with the next commit.
   */
  readonly metadataSendIntervalMs: number;
  /** `follow_redirects` (default true). */
  readonly followRedirects: boolean;
}

/** Defaults of `queue_config` (see RemoteWriteQueueConfig for where they differ from Prometheus). */
export const DEFAULT_QUEUE_CONFIG: RemoteWriteQueueConfig = {
  capacity: 10_000,
  maxShards: 4,
  minShards: 1,
  maxSamplesPerSend: 2000,
  batchSendDeadlineMs: 5000,
  minBackoffMs: 30,
  maxBackoffMs: 5000,
  retryOnHttp429: true,
};

/**
 * Defaults of `buffer`: 1 GiB, and 2h because a Prometheus-compatible receiver refuses samples
 * more than about 1h behind its newest one anyway (out of bounds) unless it accepts out-of-order
 * samples; older data would only be sent to be refused.
 */
export const DEFAULT_BUFFER_CONFIG: RemoteWriteBufferConfig = { maxBytes: 1024 ** 3, maxAgeMs: 2 * 3_600_000 };

/** Default `metadata_config.send_interval`, as Prometheus. */
export const DEFAULT_METADATA_SEND_INTERVAL_MS = 60_000;

/** Default `remote_timeout`, as Prometheus. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

/** Smallest accepted `buffer.max_size` (room for a few segments). */
const MIN_BUFFER_BYTES = 64 * 1024;

/** A `remote_write` entry that does not validate. The message starts with the key path. */
export class RemoteWriteConfigError extends Error {
  readonly code = 'bad_remote_write_config';
  constructor(readonly path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
  }
}

/** Options of parseRemoteWriteConfigs. */
export interface RemoteWriteParseOptions {
  /** Relative `*_file` paths are resolved against this directory (the config file's); default: as given. */
  readonly baseDir?: string;
}

// Prometheus common/config reservedHeaders: set by the client itself.
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds',
  'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
]);

const FIELDS: ReadonlySet<string> = new Set([
  'url', 'name', 'remote_timeout', 'headers', 'basic_auth', 'authorization', 'bearer_token', 'bearer_token_file',
  'write_relabel_configs', 'queue_config', 'metadata_config', 'buffer', 'follow_redirects', 'enable_http2',
  'send_exemplars', 'send_native_histograms',
]);
/** Prometheus keys Pharos does not implement: refused, so a config never silently means less. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  sigv4: 'AWS SigV4 signing is not supported by Pharos',
  azuread: 'Azure AD authentication is not supported by Pharos',
  oauth2: 'OAuth 2.0 is not supported by Pharos',
  google_iam: 'Google IAM authentication is not supported by Pharos',
  tls_config: 'tls_config is not supported by Pharos (https with the system CAs works without it)',
  proxy_url: 'proxies are not supported by Pharos',
  no_proxy: 'proxies are not supported by Pharos',
  proxy_from_environment: 'proxies are not supported by Pharos',
  proxy_connect_header: 'proxies are not supported by Pharos',
  protobuf_message: 'Pharos sends remote write 1.0 (prometheus.WriteRequest) only',
  round_robin_dns: 'round_robin_dns is not supported by Pharos',
};
const QUEUE_FIELDS: ReadonlySet<string> = new Set([
  'capacity', 'max_shards', 'min_shards', 'max_samples_per_send', 'batch_send_deadline', 'min_backoff', 'max_backoff', 'retry_on_http_429',
]);
const METADATA_FIELDS: ReadonlySet<string> = new Set(['send', 'send_interval', 'max_samples_per_send']);
const BUFFER_FIELDS: ReadonlySet<string> = new Set(['max_size', 'max_age']);

/**
 * Validates a YAML-decoded `remote_write:` list. `where` names it in errors (e.g. `remote_write`);
 * null or undefined is an empty list. Throws RemoteWriteConfigError on the first problem, naming
 * the key path (`remote_write[1].queue_config.max_backoff`). Names, explicit or derived, must be unique.
 */
export function parseRemoteWriteConfigs(raw: unknown, where: string, options: RemoteWriteParseOptions = {}): RemoteWriteConfig[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new RemoteWriteConfigError(where, 'must be a list of remote write configurations');
  const out = raw.map((item, i) => parseRemoteWriteConfig(item, `${where}[${i}]`, options));
  const seen = new Map<string, number>();
  out.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) throw new RemoteWriteConfigError(`${where}[${i}].name`, `duplicate remote write name ${JSON.stringify(c.name)} (also ${where}[${first}]); give each entry its own name`);
    seen.set(c.name, i);
  });
  return out;
}

/** Validates one `remote_write` entry; `path` prefixes its errors. */
export function parseRemoteWriteConfig(raw: unknown, path: string, options: RemoteWriteParseOptions = {}): RemoteWriteConfig {
  const o = mapping(raw, path);
  for (const key of Object.keys(o)) {
    if (key in UNSUPPORTED) throw new RemoteWriteConfigError(`${path}.${key}`, UNSUPPORTED[key]);
    if (!FIELDS.has(key)) throw new RemoteWriteConfigError(`${path}.${key}`, `unknown field (expected one of ${[...FIELDS].join(', ')})`);
  }
  const at = (k: string) => `${path}.${k}`;
  if (o.url === undefined || o.url === null || o.url === '') throw new RemoteWriteConfigError(at('url'), 'is required');
  const url = str(o.url, at('url'));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RemoteWriteConfigError(at('url'), `not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RemoteWriteConfigError(at('url'), `scheme must be http or https, got ${JSON.stringify(parsed.protocol.slice(0, -1))}`);
  if (parsed.hostname === '') throw new RemoteWriteConfigError(at('url'), 'has no host');

  const name = o.name === undefined || o.name === null || o.name === '' ? createHash('sha256').update(url).digest('hex').slice(0, 6) : str(o.name, at('name'));
  const file = (p: string, k: string) => (p === '' || isAbsolute(p) || options.baseDir === undefined ? str(p, k) : resolve(options.baseDir, p));

  let writeRelabelConfigs: RelabelConfig[];
  try {
    writeRelabelConfigs = parseRelabelConfigs(o.write_relabel_configs, at('write_relabel_configs'));
  } catch (err) {
    if (err instanceof RelabelConfigError) throw new RemoteWriteConfigError(err.path, err.message.slice(err.path.length + 2), { cause: err });
    throw err;
  }

  const metadata = o.metadata_config === undefined || o.metadata_config === null ? {} : strictMapping(o.metadata_config, at('metadata_config'), METADATA_FIELDS);
  // Accepted for compatibility; metadata travels in the sample batches here.
  if (metadata.max_samples_per_send !== undefined) int(metadata.max_samples_per_send, at('metadata_config.max_samples_per_send'), 0);
  for (const k of ['enable_http2', 'send_exemplars', 'send_native_histograms']) if (o[k] !== undefined) bool(o[k], at(k));

  return {
    url,
    name,
    remoteTimeoutMs: o.remote_timeout === undefined ? DEFAULT_REMOTE_TIMEOUT_MS : duration(o.remote_timeout, at('remote_timeout'), 1),
    headers: headers(o.headers, at('headers')),
    auth: auth(o, path, file),
    writeRelabelConfigs,
    queue: queueConfig(o.queue_config, at('queue_config')),
    buffer: bufferConfig(o.buffer, at('buffer')),
    sendMetadata: metadata.send === undefined ? true : bool(metadata.send, at('metadata_config.send')),
    metadataSendIntervalMs: metadata.send_interval === undefined ? DEFAULT_METADATA_SEND_INTERVAL_MS : duration(metadata.send_interval, at('metadata_config.send_interval'), 0),
    followRedirects: o.follow_redirects === undefined ? true : bool(o.follow_redirects, at('follow_redirects')),
  };
}

/**
 * A directory name for a remote's buffer under a common parent: its name with anything but
 * `[A-Za-z0-9._-]` replaced, plus a hash of the URL so renaming the remote or pointing it elsewhere
 * starts a fresh buffer instead of sending old data to a new place.
 */
export function remoteWriteQueueDirName(config: Pick<RemoteWriteConfig, 'name' | 'url'>): string {
  const safe = config.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'remote';
  return `${safe}-${createHash('sha256').update(config.url).digest('hex').slice(0, 8)}`;
}

function queueConfig(raw: unknown, path: string): RemoteWriteQueueConfig {
  if (raw === undefined || raw === null) return DEFAULT_QUEUE_CONFIG;
  const o = strictMapping(raw, path, QUEUE_FIELDS);
  const at = (k: string) => `${path}.${k}`;
  const d = DEFAULT_QUEUE_CONFIG;
  const q: RemoteWriteQueueConfig = {
    capacity: o.capacity === undefined ? d.capacity : int(o.capacity, at('capacity'), 1),
    maxShards: o.max_shards === undefined ? d.maxShards : int(o.max_shards, at('max_shards'), 1),
    minShards: o.min_shards === undefined ? d.minShards : int(o.min_shards, at('min_shards'), 1),
    maxSamplesPerSend: o.max_samples_per_send === undefined ? d.maxSamplesPerSend : int(o.max_samples_per_send, at('max_samples_per_send'), 1),
    batchSendDeadlineMs: o.batch_send_deadline === undefined ? d.batchSendDeadlineMs : duration(o.batch_send_deadline, at('batch_send_deadline'), 1),
    minBackoffMs: o.min_backoff === undefined ? d.minBackoffMs : duration(o.min_backoff, at('min_backoff'), 1),
    maxBackoffMs: o.max_backoff === undefined ? d.maxBackoffMs : duration(o.max_backoff, at('max_backoff'), 1),
    retryOnHttp429: o.retry_on_http_429 === undefined ? d.retryOnHttp429 : bool(o.retry_on_http_429, at('retry_on_http_429')),
  };
  if (q.minShards > q.maxShards) throw new RemoteWriteConfigError(at('min_shards'), `${q.minShards} is more than max_shards (${q.maxShards})`);
  if (q.minBackoffMs > q.maxBackoffMs) throw new RemoteWriteConfigError(at('min_backoff'), `is longer than max_backoff`);
  if (q.capacity < q.maxSamplesPerSend) throw new RemoteWriteConfigError(at('capacity'), `${q.capacity} is less than max_samples_per_send (${q.maxSamplesPerSend}); a full batch could never form`);
  if (q.maxShards > 1000) throw new RemoteWriteConfigError(at('max_shards'), `${q.maxShards} is more than 1000; Pharos runs every shard at once (no dynamic resharding)`);
  return q;
}

function bufferConfig(raw: unknown, path: string): RemoteWriteBufferConfig {
  if (raw === undefined || raw === null) return DEFAULT_BUFFER_CONFIG;
  const o = strictMapping(raw, path, BUFFER_FIELDS);
  let maxBytes = DEFAULT_BUFFER_CONFIG.maxBytes;
  if (o.max_size !== undefined) {
    const k = `${path}.max_size`;
    if (typeof o.max_size === 'number') {
      if (!Number.isSafeInteger(o.max_size)) throw new RemoteWriteConfigError(k, `not a whole number of bytes: ${o.max_size}`);
      maxBytes = o.max_size;
    } else if (typeof o.max_size === 'string') {
      try {
        maxBytes = parseBytes(o.max_size);
      } catch (err) {
        throw new RemoteWriteConfigError(k, (err as Error).message);
      }
    } else throw new RemoteWriteConfigError(k, `must be a byte size like 512MiB or 1GiB, got ${typeName(o.max_size)}`);
    if (maxBytes < MIN_BUFFER_BYTES) throw new RemoteWriteConfigError(k, `${maxBytes} bytes is below the minimum of ${MIN_BUFFER_BYTES}`);
  }
  const maxAgeMs = o.max_age === undefined ? DEFAULT_BUFFER_CONFIG.maxAgeMs : duration(o.max_age, `${path}.max_age`, 0);
  return { maxBytes, maxAgeMs };
}

function auth(o: Record<string, unknown>, path: string, file: (p: string, k: string) => string): RemoteWriteAuth | null {
  const at = (k: string) => `${path}.${k}`;
  const has = (k: string) => o[k] !== undefined && o[k] !== null && o[k] !== '';
  const present = ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file'].filter(has);
  if (has('bearer_token') && has('bearer_token_file')) throw new RemoteWriteConfigError(at('bearer_token_file'), 'at most one of bearer_token and bearer_token_file may be set');
  if (present.length > 1 && !(present.length === 2 && has('bearer_token') && has('bearer_token_file'))) {
    throw new RemoteWriteConfigError(at(present[1]), `cannot be combined with ${present[0]}; configure one way to authenticate`);
  }
  if (has('bearer_token')) return { kind: 'authorization', type: 'Bearer', credentials: str(o.bearer_token, at('bearer_token')), credentialsFile: '' };
  if (has('bearer_token_file')) return { kind: 'authorization', type: 'Bearer', credentials: '', credentialsFile: file(str(o.bearer_token_file, at('bearer_token_file')), at('bearer_token_file')) };
  if (has('basic_auth')) {
    const p = at('basic_auth');
    const b = strictMapping(o.basic_auth, p, new Set(['username', 'username_file', 'password', 'password_file']));
    const s = (k: string) => (b[k] === undefined || b[k] === null ? '' : str(b[k], `${p}.${k}`));
    if (s('password') !== '' && s('password_file') !== '') throw new RemoteWriteConfigError(`${p}.password_file`, 'at most one of password and password_file may be set');
    if (s('username') !== '' && s('username_file') !== '') throw new RemoteWriteConfigError(`${p}.username_file`, 'at most one of username and username_file may be set');
    return { kind: 'basic', username: s('username'), usernameFile: file(s('username_file'), `${p}.username_file`), password: s('password'), passwordFile: file(s('password_file'), `${p}.password_file`) };
  }
  if (has('authorization')) {
    const p = at('authorization');
    const a = strictMapping(o.authorization, p, new Set(['type', 'credentials', 'credentials_file']));
    const s = (k: string) => (a[k] === undefined || a[k] === null ? '' : str(a[k], `${p}.${k}`));
    const type = s('type') || 'Bearer';
    if (type.toLowerCase() === 'basic') throw new RemoteWriteConfigError(`${p}.type`, `cannot be "Basic"; use basic_auth instead`);
    if (/\s/.test(type)) throw new RemoteWriteConfigError(`${p}.type`, `must be a single word, got ${JSON.stringify(type)}`);
    if (s('credentials') !== '' && s('credentials_file') !== '') throw new RemoteWriteConfigError(`${p}.credentials_file`, 'at most one of credentials and credentials_file may be set');
    return { kind: 'authorization', type, credentials: s('credentials'), credentialsFile: file(s('credentials_file'), `${p}.credentials_file`) };
  }
  return null;
}

function headers(raw: unknown, path: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const o = mapping(raw, path);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (RESERVED_HEADERS.has(k.toLowerCase())) throw new RemoteWriteConfigError(`${path}.${k}`, 'is a reserved header the client sets itself (use basic_auth or authorization for credentials)');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new RemoteWriteConfigError(`${path}.${k}`, 'is not a valid HTTP header name');
    const value = str(v, `${path}.${k}`);
    if (/[\r\n\0]/.test(value)) throw new RemoteWriteConfigError(`${path}.${k}`, 'value contains a line break or NUL');
    out[k] = value;
  }
  return out;
}

// ---- typed field readers ----

function mapping(raw: unknown, path: string): Record<string, unknown> {
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) throw new RemoteWriteConfigError(path, `must be a mapping, got ${typeName(raw)}`);
  return raw as Record<string, unknown>;
}

function strictMapping(raw: unknown, path: string, fields: ReadonlySet<string>): Record<string, unknown> {
  const o = mapping(raw, path);
  for (const key of Object.keys(o)) {
    if (key === 'sample_age_limit') throw new RemoteWriteConfigError(`${path}.${key}`, 'is not supported; use buffer.max_age');
    if (!fields.has(key)) throw new RemoteWriteConfigError(`${path}.${key}`, `unknown field (expected one of ${[...fields].join(', ')})`);
  }
  return o;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new RemoteWriteConfigError(path, `must be a string, got ${typeName(v)}`);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new RemoteWriteConfigError(path, `must be true or false, got ${typeName(v)}`);
  return v;
}

function int(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RemoteWriteConfigError(path, `must be a whole number, got ${typeName(v)}`);
  if (v < min) throw new RemoteWriteConfigError(path, `must be at least ${min}, got ${v}`);
  return v;
}

function duration(v: unknown, path: string, minMs: number): number {
  if (v === 0) v = '0'; // YAML reads a bare 0 as a number; Prometheus' parser accepts it
  if (typeof v === 'number') throw new RemoteWriteConfigError(path, `a duration needs a unit: write ${v}s, not ${v}`);
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null) throw new RemoteWriteConfigError(path, `not a valid duration: ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)} (use e.g. 30ms, 15s, 1m30s, 2h)`);
  if (ms < minMs) throw new RemoteWriteConfigError(path, `must be at least ${minMs}ms`);
  return ms;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v);
  return `${typeof v} ${String(v)}`;
}
