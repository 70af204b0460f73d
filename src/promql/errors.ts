/** @module Typed PromQL errors with a stable `code`; the API maps each code to an errorType once. */

/** Stable error codes, named after the Prometheus API errorType they map to. */
export type PromqlErrorCode = 'bad_data' | 'execution' | 'timeout' | 'canceled';

/** Base class of every error the parser or engine throws on purpose. */
export class PromqlError extends Error {
  constructor(readonly code: PromqlErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A byte range [start, end) in the query text. */
export interface PositionRange {
  readonly start: number;
  readonly end: number;
}

/** "line:col" of a byte offset, 1-based, like Prometheus PositionRange.StartPosInput. */
export function positionOf(query: string, pos: number): string {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos && i < query.length; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${pos - lastBreak}`;
}

/** A syntax or semantic error in the query text; prints as Prometheus does: "1:5: parse error: …". */
export class ParseError extends PromqlError {
  constructor(readonly query: string, readonly position: PositionRange, readonly detail: string, options?: ErrorOptions) {
    super('bad_data', `${positionOf(query, position.start)}: parse error: ${detail}`, options);
  }
}

/** The query ran past its deadline (Prometheus ErrQueryTimeout). */
export class QueryTimeoutError extends PromqlError {
  constructor(where = 'expression evaluation') {
    super('timeout', `query timed out in ${where}`);
  }
}

/** The caller gave up on the query (Prometheus ErrQueryCanceled). */
export class QueryCanceledError extends PromqlError {
  constructor(where = 'expression evaluation') {
    super('canceled', `query was canceled in ${where}`);
  }
}
