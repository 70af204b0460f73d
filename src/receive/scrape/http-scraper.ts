/**
 * @module The HTTP side of a scrape: one GET with Prometheus' headers (Accept preferring
 * OpenMetrics, gzip, X-Prometheus-Scrape-Timeout-Seconds, credentials), a deadline, redirects and
 * a body size limit; returns the decompressed body. Errors read like Prometheus' (`Get "<url>":
 * context deadline exceeded`, `server returned HTTP status 500 Internal Server Error`).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGunzip } from 'node:zlib';
import { VERSION } from '../../version.ts';
import type { ScrapeAuth, ScrapeConfig } from './config.ts';

/**
 * Prometheus' scrape Accept header for the text formats (scrape.go acceptHeader): OpenMetrics 1.0
 * first, then OpenMetrics 0.0.1, then the text format 0.0.4, then anything.
 */
export const SCRAPE_ACCEPT_HEADER = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Go's http.Client gives up after this many redirects. */
const MAX_REDIRECTS = 10;

/** A successful scrape response. */
export interface ScrapeResponse {
  /** The body, decompressed. */
  readonly body: Buffer;
  readonly contentType: string | undefined;
}

/** The scrape exceeded `body_size_limit`. */
export class BodySizeLimitError extends Error {
  constructor() {
    super('body size limit exceeded');
  }
}

/** The connection settings of one job: agents (keep-alive, TLS) and credentials. Close when done. */
export class HttpScraper {
  readonly #cfg: ScrapeConfig;
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  /** Reads the TLS files of `cfg` now; throws when one cannot be read. */
  constructor(cfg: ScrapeConfig) {
    this.#cfg = cfg;
    const tls = cfg.tls;
    const read = (file: string, what: string): Buffer | undefined => {
      if (file === '') return undefined;
      try {
        return readFileSync(file);
      } catch (cause) {
        throw new Error(`job ${JSON.stringify(cfg.jobName)}: unable to load specified ${what} ${JSON.stringify(file)}: ${(cause as Error).message}`, { cause });
      }
    };
    this.#http = new HttpAgent({ keepAlive: true });
    this.#https = new HttpsAgent({
      keepAlive: true,
      ca: read(tls.caFile, 'CA cert'),
      cert: read(tls.certFile, 'client cert'),
      key: read(tls.keyFile, 'client key'),
      servername: tls.serverName || undefined,
      rejectUnauthorized: !tls.insecureSkipVerify,
    });
  }

  /**
   * GETs `url`, failing after `timeoutMs` or when `signal` aborts. Rejects with an Error whose
   * message is what the targets API shows as lastError.
   */
  async scrape(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResponse> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const headers: Record<string, string> = {
      Accept: SCRAPE_ACCEPT_HEADER,
      'Accept-Encoding': this.#cfg.enableCompression ? 'gzip' : 'identity',
      'User-Agent': `Pharos/${VERSION}`,
      'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
    };
    const authorization = authorizationHeader(this.#cfg.auth);
    if (authorization !== null) headers.Authorization = authorization;

    let current = url;
    for (let redirects = 0; ; redirects++) {
      let res: IncomingMessage;
      try {
        res = await this.#get(current, headers, both);
      } catch (cause) {
        throw requestError(current, cause, deadline.aborted);
      }
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (this.#cfg.followRedirects && location !== undefined && [301, 302, 303, 307, 308].includes(status)) {
        res.resume();
        if (redirects + 1 >= MAX_REDIRECTS) throw new Error(`Get ${JSON.stringify(current)}: stopped after ${MAX_REDIRECTS} redirects`);
        current = new URL(location, current).toString();
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw new Error(`server returned HTTP status ${status} ${res.statusMessage ?? ''}`.trimEnd());
      }
      try {
        const body = await readBody(res, this.#cfg.bodySizeLimitBytes, both);
        return { body, contentType: res.headers['content-type'] };
      } catch (cause) {
        if (cause instanceof BodySizeLimitError) throw cause;
        throw requestError(current, cause, deadline.aborted);
      }
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return Promise.reject(new Error(`parse ${JSON.stringify(url)}: invalid URL`));
    }
    const https = u.protocol === 'https:';
    if (!https && u.protocol !== 'http:') return Promise.reject(new Error(`unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(u, { method: 'GET', headers, agent: https ? this.#https : this.#http, signal }, resolve);
      req.once('error', reject);
      req.end();
    });
  }
}

/** The Authorization header value for `auth`, reading `*_file` credentials now (trimmed, as Prometheus). */
function authorizationHeader(auth: ScrapeAuth | null): string | null {
  if (auth === null) return null;
  const fromFile = (file: string, fallback: string) => (file === '' ? fallback : readFileSync(file, 'utf8').trim());
  if (auth.kind === 'basic') {
    const user = fromFile(auth.usernameFile, auth.username);
    const pass = fromFile(auth.passwordFile, auth.password);
    return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
  }
  return `${auth.type} ${fromFile(auth.credentialsFile, auth.credentials)}`;
}

/** Reads a response body, gunzipping when the server compressed it, up to `limitBytes` (0 = none). */
function readBody(res: IncomingMessage, limitBytes: number, signal: AbortSignal): Promise<Buffer> {
  const gzip = (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
  const stream = gzip ? res.pipe(createGunzip()) : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      res.destroy();
      if (gzip) stream.destroy();
      reject(err);
    };
    const onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (limitBytes > 0 && size > limitBytes) return fail(new BodySizeLimitError());
      chunks.push(chunk);
    });
    stream.once('error', fail);
    if (gzip) res.once('error', fail);
    stream.once('end', () => {
      signal.removeEventListener('abort', onAbort);
      // One copy at the end instead of growing a buffer chunk by chunk.
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
  });
}

function requestError(url: string, cause: unknown, timedOut: boolean): Error {
  if (timedOut) return new Error(`Get ${JSON.stringify(url)}: context deadline exceeded`, { cause });
  const err = cause as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new Error(`Get ${JSON.stringify(url)}: context canceled`, { cause });
  return new Error(`Get ${JSON.stringify(url)}: ${err?.message ?? String(cause)}`, { cause });
}
