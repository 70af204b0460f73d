/** @module GET/POST /api/v1/query and /api/v1/query_range (Prometheus api.go query, queryRange). */
import type { Engine } from '../../promql/engine.ts';
import { PromqlError } from '../../promql/errors.ts';
import type { QueryResult } from '../../promql/value.ts';
import { TRUNCATED_WARNING, type Endpoint, type EndpointResult } from './endpoint.ts';
import { queryDataJson, seriesCount } from './format.ts';
import { limitParam, parseDuration, parseTime, parseTimeParam, type Form } from './params.ts';
import { ApiError, invalidParam, toApiError } from './respond.ts';

/** Prometheus' cap on points per series in a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** The instant-query endpoint; `now` gives the default evaluation time in ms. */
export function queryEndpoint(engine: Engine, now: () => number): Endpoint {
  return async (form, clientSignal) => {
    const limit = limitParam(form);
    const t = parseTimeParam(form, 'time', now());
    const signal = withTimeout(form, clientSignal);
    const lookbackDeltaMs = lookbackParam(form);
    const result = await run(() => engine.evalInstant(form.get('query'), t, { signal, lookbackDeltaMs }));
    return withLimit(result, limit);
  };
}

/** The range-query endpoint. */
export function queryRangeEndpoint(engine: Engine): Endpoint {
  return async (form, clientSignal) => {
    const limit = limitParam(form);
    const start = timeParam(form, 'start');
    const end = timeParam(form, 'end');
    if (end < start) throw invalidParam('end', new Error('end timestamp must not be before start time'));
    let stepMs: number;
    try {
      stepMs = parseDuration(form.get('step'));
    } catch (cause) {
      throw invalidParam('step', cause);
    }
    if (stepMs <= 0) throw invalidParam('step', new Error('zero or negative query resolution step widths are not accepted. Try a positive integer'));
    // For safety, limit the number of returned points per timeseries (Prometheus does the same).
    if (Math.trunc((end - start) / stepMs) > MAX_POINTS_PER_SERIES) {
      throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const signal = withTimeout(form, clientSignal);
    const lookbackDeltaMs = lookbackParam(form);
    // The engine works in whole ms, like Prometheus (durationMilliseconds truncates).
    const step = Math.max(1, Math.trunc(stepMs));
    const result = await run(() => engine.evalRange(form.get('query'), start, end, step, { signal, lookbackDeltaMs }));
    return withLimit(result, limit);
  };
}

function timeParam(form: Form, name: string): number {
  try {
    return parseTime(form.get(name));
  } catch (cause) {
    throw invalidParam(name, cause);
  }
}

/** The client's signal, also aborted with a TimeoutError after the `timeout` parameter if given. */
function withTimeout(form: Form, signal: AbortSignal): AbortSignal {
  const to = form.get('timeout');
  if (to === '') return signal;
  let ms: number;
  try {
    ms = parseDuration(to);
  } catch (cause) {
    throw invalidParam('timeout', cause);
  }
  return AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, Math.trunc(ms)))]);
}

/** Per-query lookback_delta (0 or absent: the engine default). */
function lookbackParam(form: Form): number | undefined {
  const s = form.get('lookback_delta');
  if (s === '') return undefined;
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch (cause) {
    throw new ApiError('bad_data', `error parsing lookback delta duration: ${(cause as Error).message}`, { cause });
  }
  return ms > 0 ? Math.trunc(ms) : undefined;
}

/** Runs a query; errors found before evaluation (parse, type) are bad `query` parameters. */
async function run(q: () => Promise<QueryResult>): Promise<QueryResult> {
  try {
    return await q();
  } catch (err) {
    if (err instanceof PromqlError && err.code === 'bad_data') throw invalidParam('query', err);
    throw toApiError(err);
  }
}

function withLimit(result: QueryResult, limit: number): EndpointResult {
  const warnings = [...result.warnings];
  if (limit > 0 && (result.value.resultType === 'vector' || result.value.resultType === 'matrix') && seriesCount(result.value) > limit) {
    warnings.push(TRUNCATED_WARNING);
  }
  return { dataJson: queryDataJson(result.value, limit), warnings, infos: result.infos ?? [] };
}
