/**
 * @module The Prometheus API envelope and the one place errors become wire errors:
 * `{status:"success", data, warnings?}` or `{status:"error", errorType, error}` with the HTTP
 * status taken from errorType, as in Prometheus web/api/v1/api.go respondError/returnAPIError.
 */
import type { ServerResponse } from 'node:http';
import { InvalidMatcherError } from '../../model/matcher.ts';
import { PromqlError } from '../../promql/errors.ts';
import { StorageError } from '../../storage/interface.ts';
import type { JsonText } from './format.ts';

/** Prometheus API errorType values. */
export type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

const STATUS: Record<ErrorType, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
};

/** An error that already knows its errorType; handlers throw it, the router writes it. */
export class ApiError extends Error {
  constructor(readonly type: ErrorType, message: string, options?: ErrorOptions) {
    super(message, options);
  }
  get status(): number {
    return STATUS[this.type];
  }
}

/** Prometheus invalidParamError: `invalid parameter "name": <cause>`, errorType bad_data. */
export function invalidParam(name: string, cause: unknown): ApiError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${msg}`, { cause });
}

/**
 * Maps any thrown value to an ApiError (Prometheus returnAPIError): timeouts and cancellation keep
 * their type, storage failures are internal (or unavailable), everything else is an execution error.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof PromqlError) return new ApiError(err.code, err.message, { cause: err });
  if (err instanceof InvalidMatcherError) return new ApiError('bad_data', err.message, { cause: err });
  if (err instanceof StorageError) return new ApiError(err.code === 'unavailable' ? 'unavailable' : 'internal', err.message, { cause: err });
  if (err instanceof Error && err.name === 'AbortError') return new ApiError('canceled', err.message, { cause: err });
  return new ApiError('execution', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Writes a success envelope; `dataJson` is already-serialised JSON for `data`. */
export function respondRaw(res: ServerResponse, dataJson: JsonText, warnings: readonly string[] = [], infos: readonly string[] = []): void {
  let tail = '';
  if (warnings.length > 0) tail += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) tail += `,"infos":${JSON.stringify(infos)}`;
  tail += '}';
  if (typeof dataJson === 'string') send(res, 200, `{"status":"success","data":${dataJson}${tail}`);
  else send(res, 200, Buffer.concat([ENVELOPE_HEAD, dataJson, Buffer.from(tail, 'utf8')]));
}

const ENVELOPE_HEAD = Buffer.from('{"status":"success","data":');

/** Writes a success envelope around a JSON-serialisable value. */
export function respond(res: ServerResponse, data: unknown, warnings: readonly string[] = []): void {
  respondRaw(res, JSON.stringify(data), warnings);
}

/** Writes the error envelope with the status that belongs to its errorType. */
export function respondError(res: ServerResponse, err: ApiError): void {
  send(res, err.status, JSON.stringify({ status: 'error', errorType: err.type, error: err.message }));
}

function send(res: ServerResponse, status: number, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
