/**
 * @module Reads a request body with decompression, enforcing the size limit on the decompressed
 * bytes while streaming, so neither a huge body nor a gzip bomb is ever held in memory.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';

/** Why a body could not be read; `status` is the HTTP status to answer with. */
export class BodyError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

/** Content-Encodings accepted (identity is the absence of one). */
export const SUPPORTED_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'identity'] as const;

/**
 * Reads the whole body of `req` (decompressed) into one Buffer of at most `maxBytes`.
 * Rejects with BodyError(413) as soon as the limit is passed, BodyError(400) for an unsupported
 * encoding or corrupt compressed data.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  let decoder: Gunzip | Inflate | null = null;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
  else if (encoding === 'deflate') decoder = createInflate();
  else if (encoding !== '' && encoding !== 'identity') {
    req.resume();
    return Promise.reject(new BodyError(400, `unsupported Content-Encoding ${JSON.stringify(encoding)}; supported: gzip, deflate, identity`));
  }
  const declared = Number(req.headers['content-length']);
  if (!decoder && Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
  }

  return new Promise((resolve, reject) => {
    const source = decoder ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: BodyError) => {
      if (done) return;
      done = true;
      if (decoder) { req.unpipe(decoder); decoder.destroy(); }
      req.resume(); // drain what is left so the connection can answer
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        fail(new BodyError(413, `request body exceeds the limit of ${maxBytes} bytes${decoder ? ' after decompression' : ''}`));
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    source.on('error', (err: Error) => fail(new BodyError(400, `cannot decompress ${encoding} body: ${err.message}`)));
    req.on('error', (err: Error) => fail(new BodyError(400, `cannot read request body: ${err.message}`)));
    if (decoder) req.pipe(decoder);
  });
}
