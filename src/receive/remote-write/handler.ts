/**
 * @module The Prometheus remote write 1.0 receiver over HTTP: POST /api/v1/write with a
 * snappy-compressed prometheus.WriteRequest. Thin: the work happens in ingest.ts.
 *
 * Status codes (senders retry 5xx and never other 4xx):
 * 204 stored · 400 malformed body, a non-snappy Content-Encoding, or samples/series refused (the
 * rest stored) · 405 not POST · 413 body or decoded request over `maxBodyBytes` · 415 a
 * remote write 2.0 body · 500 unexpected failure · 503 storage unavailable (with Retry-After).
 *
 * Differences from Prometheus 2.42 (measured against the Debian binary), each on purpose:
 * Prometheus rolls back the whole request on the first out-of-order/duplicate/out-of-bounds
 * sample (400); we store the rest and still answer 400, as remote write 2.0 and Mimir do, so one
 * late sample does not drop a batch the sender will never resend. Prometheus answers 500 for
 * duplicate label names or an empty label set, so senders retry forever; we answer 400 and also
 * refuse series without `__name__`. Prometheus ignores Content-Encoding; we refuse a named
 * encoding other than snappy (a missing header still means snappy, as in Prometheus 2 and 3).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { uncompressSync } from 'snappy';
import type { Appendable } from '../../storage/interface.ts';
import type { Logger } from '../../log.ts';
import { ingestWriteRequest } from './ingest.ts';
import type { RemoteWriteReceiverMetrics } from './receiver-metrics.ts';

/** Options of the remote-write HTTP handler. */
export interface RemoteWriteHandlerOptions {
  readonly appendable: Appendable;
  readonly logger: Logger;
  /** Largest decompressed WriteRequest accepted, in bytes; the compressed body is bounded to match. */
  readonly maxBodyBytes: number;
  /** Path served (default /api/v1/write, as Prometheus). */
  readonly path?: string;
  readonly metrics?: RemoteWriteReceiverMetrics;
  /** Seconds a sender should wait before retrying after a storage failure (default 5). */
  readonly retryAfterSeconds?: number;
}

/** The path Prometheus serves remote write on. */
export const REMOTE_WRITE_PATH = '/api/v1/write';

/** A node http handler; resolves false (having done nothing) for other paths, so servers can chain it. */
export type RemoteWriteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Why a body could not be read; `status` is the HTTP status to answer with. */
class BodyError extends Error {
  constructor(readonly status: 400 | 413, message: string) {
    super(message);
  }
}

/** Returns the handler for POST {path} (see the module comment for the status codes). */
export function createRemoteWriteHandler(options: RemoteWriteHandlerOptions): RemoteWriteHandler {
  const path = options.path ?? REMOTE_WRITE_PATH;
  const { logger, metrics, maxBodyBytes } = options;
  // Snappy can expand incompressible input a little: its MaxEncodedLen is 32 + n + n/6.
  const maxCompressedBytes = 32 + maxBodyBytes + Math.ceil(maxBodyBytes / 6);

  return async (req, res) => {
    if ((req.url ?? '/').split('?', 1)[0] !== path) return false;
    const reply = (status: number, message?: string, headers: Record<string, string> = {}) => {
      if (message === undefined) res.writeHead(status, headers).end();
      else res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers }).end(message + '\n');
      metrics?.requests.inc({ code: String(status) });
    };
    const refuse = (status: number, message: string, headers?: Record<string, string>) => {
      req.resume();
      reply(status, message, headers);
      return true;
    };

    if (req.method !== 'POST') return refuse(405, `${req.method} is not supported on ${path}; remote write uses POST`, { Allow: 'POST' });
    // Prometheus accepts a missing Content-Encoding as snappy (remote write 1.0 senders predating
    // the header); anything else named is refused rather than mis-decoded.
    const encoding = (req.headers['content-encoding'] ?? 'snappy').trim().toLowerCase();
    if (encoding !== 'snappy') return refuse(400, `unsupported Content-Encoding ${JSON.stringify(req.headers['content-encoding'])}; remote write requires snappy`);
    const proto = protoParameter(req.headers['content-type']);
    if (proto !== null && proto !== 'prometheus.WriteRequest') return refuse(415, `unsupported remote write message ${JSON.stringify(proto)}; this receiver speaks remote write 1.0 (prometheus.WriteRequest)`);

    let compressed: Buffer;
    try {
      compressed = await readRawBody(req, maxCompressedBytes);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      reply(err.status, err.message, err.status === 413 ? { Connection: 'close' } : {});
      return true;
    }
    const decodedLength = snappyDecodedLength(compressed);
    if (decodedLength < 0) { reply(400, 'snappy: corrupt input (bad length preamble)'); return true; }
    if (decodedLength > maxBodyBytes) { reply(413, `decompressed request of ${decodedLength} bytes exceeds the limit of ${maxBodyBytes} bytes`); return true; }
    let body: Buffer;
    try {
      body = uncompressSync(compressed, { asBuffer: true }) as Buffer;
    } catch (err) {
      reply(400, `snappy: corrupt input: ${(err as Error).message}`);
      return true;
    }

    const result = await ingestWriteRequest(body, options);
    switch (result.status) {
      case 'ok': reply(204); break;
      case 'rejected': reply(400, result.message); break;
      case 'invalid':
        logger.warn('remote write: malformed request', { err: result.message });
        reply(400, result.message);
        break;
      case 'unavailable': reply(503, result.message, { 'Retry-After': String(result.retryAfterSeconds) }); break;
      case 'internal': reply(500, result.message); break;
    }
    return true;
  };
}

/** The `proto` parameter of a Content-Type (remote write 2.0 negotiation), or null when absent. */
function protoParameter(contentType: string | undefined): string | null {
  if (!contentType) return null;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'proto') return param.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return null;
}

/** The uncompressed length a snappy block declares in its varint preamble, or -1 if malformed. */
function snappyDecodedLength(b: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < b.length; i++) {
    n += (b[i] & 0x7f) * mul;
    if (b[i] < 0x80) return n;
    mul *= 128;
  }
  return -1;
}

/** Reads the raw body into one Buffer of at most `maxBytes`, failing fast (413) past it. */
function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: BodyError) => {
      if (done) return;
      done = true;
      req.resume(); // drain the rest so the connection can carry the answer
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) return fail(new BodyError(413, `request body exceeds the limit of ${maxBytes} bytes`));
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err: Error) => fail(new BodyError(400, `cannot read request body: ${err.message}`)));
    req.on('close', () => { if (!req.complete) fail(new BodyError(400, 'request body ended early (client aborted)')); });
  });
}
