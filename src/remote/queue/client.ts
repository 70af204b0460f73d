/**
 * @module One remote-write HTTP attempt: POST a snappy-compressed WriteRequest with the remote
 * write 1.0 headers and credentials, and classify the answer as sent, retry, or failed
 * (Prometheus storage/remote/client.go Store()).
 */
import { readFileSync } from 'node:fs';
import { VERSION } from '../../version.ts';
import type { RemoteWriteConfig } from './config.ts';
import { isRetryableStatus, parseRetryAfterMs } from './retry.ts';

/** What one attempt came to. */
export type SendOutcome =
  | { readonly kind: 'sent'; readonly status: number }
  /** Try again later: a 5xx, a 429 (when configured), a network error or a timeout. */
  | { readonly kind: 'retry'; readonly status: number | null; readonly reason: string; readonly retryAfterMs: number | null }
  /** Do not try again: another non-2xx status; `message` is the first line of the body. */
  | { readonly kind: 'failed'; readonly status: number; readonly message: string };

/** Bytes of an error body read for the log line. */
const ERROR_BODY_BYTES = 4096;

/** Sends remote-write requests to one remote. Stateless apart from the config; safe to share. */
export class RemoteWriteClient {
  readonly #config: RemoteWriteConfig;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(config: RemoteWriteConfig, options: { fetch?: typeof fetch; now?: () => number } = {}) {
    this.#config = config;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  /**
   * One POST of `body` (already snappy-compressed). Rejects only when `signal` aborts (the queue
   * is closing); every other problem is an outcome. `remote_timeout` bounds the whole attempt.
   */
  async send(body: Uint8Array, signal: AbortSignal): Promise<SendOutcome> {
    const c = this.#config;
    let headers: Record<string, string>;
    try {
      headers = {
        ...c.headers,
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': `Pharos/${VERSION}`,
      };
      const auth = authorizationHeader(c);
      if (auth !== null) headers.Authorization = auth;
    } catch (err) {
      // A credentials file that cannot be read now may be readable later (a secret being rotated).
      return { kind: 'retry', status: null, reason: (err as Error).message, retryAfterMs: null };
    }
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(c.remoteTimeoutMs)]);
    let res: Response;
    try {
      res = await this.#fetch(c.url, { method: 'POST', headers, body, signal: attempt, redirect: c.followRedirects ? 'follow' : 'manual' });
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      return { kind: 'retry', status: null, reason: describeFetchError(err, c.remoteTimeoutMs), retryAfterMs: null };
    }
    try {
      if (res.status >= 200 && res.status < 300) {
        await res.arrayBuffer(); // drain, so the connection is reused
        return { kind: 'sent', status: res.status };
      }
      const text = await readPrefix(res, ERROR_BODY_BYTES);
      const firstLine = text.split('\n', 1)[0].trim().slice(0, 512);
      if (isRetryableStatus(res.status, c.queue.retryOnHttp429)) {
        return { kind: 'retry', status: res.status, reason: `HTTP ${res.status}${firstLine ? `: ${firstLine}` : ''}`, retryAfterMs: parseRetryAfterMs(res.headers.get('retry-after'), this.#now()) };
      }
      return { kind: 'failed', status: res.status, message: firstLine };
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      return { kind: 'retry', status: res.status, reason: `reading the response: ${describeFetchError(err, c.remoteTimeoutMs)}`, retryAfterMs: null };
    }
  }
}

/** The Authorization header value for the configured credentials, or null; reads `*_file` now. */
export function authorizationHeader(c: Pick<RemoteWriteConfig, 'auth'>): string | null {
  const a = c.auth;
  if (a === null) return null;
  if (a.kind === 'basic') {
    const user = a.usernameFile ? readSecret(a.usernameFile) : a.username;
    const pass = a.passwordFile ? readSecret(a.passwordFile) : a.password;
    return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
  }
  const cred = a.credentialsFile ? readSecret(a.credentialsFile) : a.credentials;
  return `${a.type} ${cred}`;
}

function readSecret(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read credentials file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e?.name === 'TimeoutError') return `no answer within remote_timeout (${timeoutMs}ms)`;
  const cause = e?.cause;
  if (cause) return `${e.message}: ${cause.code ?? ''}${cause.code ? ' ' : ''}${cause.message}`;
  return String(e?.message ?? err);
}

/** Up to `max` bytes of the body as text; the rest is discarded. */
async function readPrefix(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  if (size >= max) await reader.cancel().catch(() => {});
  return Buffer.concat(chunks, size).subarray(0, max).toString('utf8');
}
