/**
 * @module POST/PUT /api/v1/admin/tsdb/{delete_series,clean_tombstones} (Prometheus api.go
 * deleteSeries, cleanTombstones): behind an admin switch like --web.enable-admin-api, answered
 * with 204 and no body on success.
 */
import type { Matcher } from '../../model/matcher.ts';
import { parseMetricSelector } from '../../promql/parser.ts';
import type { Endpoint, EndpointResult } from './endpoint.ts';
import { MAX_TIME_MS, MIN_TIME_MS, parseTimeParam } from './params.ts';
import { ApiError, invalidParam, toApiError } from './respond.ts';

/** What the admin endpoints call: the store's delete and tombstone cleaning. */
export interface TsdbAdmin {
  /** Deletes [mint, maxt] (inclusive ms) of the series matching all matchers; resolves once durable. */
  delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void>;
  /** Rewrites blocks without their deleted samples. */
  cleanTombstones(): Promise<void>;
}

const NO_CONTENT: EndpointResult = { dataJson: '', warnings: [], noContent: true };

/**
 * Prometheus' answer while the admin API is off: errorType "unavailable" with HTTP 500 (measured
 * on Prometheus 2.42, whose respondError has no case for "unavailable"), not the 503 Pharos'
 * other "unavailable" errors get: a disabled API is not worth retrying.
 */
export class AdminDisabledError extends ApiError {
  constructor() {
    super('unavailable', 'admin APIs disabled');
  }
  override get status(): number {
    return 500;
  }
}

/**
 * delete_series: every match[] (Prometheus parses each with ParseMetricSelector, so a selector of
 * only empty-matching matchers selects every series), over [start, end] (default: all time).
 */
export function deleteSeriesEndpoint(admin: TsdbAdmin | undefined): Endpoint {
  return async (form) => {
    if (admin === undefined) throw new AdminDisabledError();
    const values = form.getAll('match[]');
    if (values.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const start = parseTimeParam(form, 'start', MIN_TIME_MS);
    const end = parseTimeParam(form, 'end', MAX_TIME_MS);
    const sets: Matcher[][] = [];
    for (const v of values) {
      try {
        sets.push(parseMetricSelector(v));
      } catch (cause) {
        throw invalidParam('match[]', cause);
      }
    }
    for (const ms of sets) {
      try {
        await admin.delete(start, end, ...ms);
      } catch (err) {
        const e = toApiError(err);
        throw e.type === 'unavailable' ? e : new ApiError('internal', e.message, { cause: err });
      }
    }
    return NO_CONTENT;
  };
}

/** clean_tombstones: rewrites the blocks that have deleted samples. */
export function cleanTombstonesEndpoint(admin: TsdbAdmin | undefined): Endpoint {
  return async () => {
    if (admin === undefined) throw new AdminDisabledError();
    try {
      await admin.cleanTombstones();
    } catch (err) {
      const e = toApiError(err);
      throw e.type === 'unavailable' ? e : new ApiError('internal', e.message, { cause: err });
    }
    return NO_CONTENT;
  };
}
