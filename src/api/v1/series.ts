/** @module GET/POST /api/v1/series (Prometheus api.go series): label sets matching any match[]. */
import { compareLabels, labelsKey, type Labels } from '../../model/labels.ts';
import type { Queryable } from '../../storage/interface.ts';
import { TRUNCATED_WARNING, type Endpoint } from './endpoint.ts';
import { labelsJson } from './format.ts';
import { limitParam, MAX_TIME_MS, MIN_TIME_MS, parseMatchersParam, parseTimeParam } from './params.ts';
import { ApiError, toApiError } from './respond.ts';

/** The series endpoint: the union of all match[] sets, sorted, deduplicated, cut at `limit`. */
export function seriesEndpoint(queryable: Queryable): Endpoint {
  return async (form, signal) => {
    const matchValues = form.getAll('match[]');
    if (matchValues.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const limit = limitParam(form);
    const start = parseTimeParam(form, 'start', MIN_TIME_MS);
    const end = parseTimeParam(form, 'end', MAX_TIME_MS);
    const sets = parseMatchersParam(matchValues);
    const querier = await queryable.querier(start, end).catch((err: unknown) => Promise.reject(toApiError(err)));
    try {
      // One more than the limit, so we can tell the result was cut.
      const hints = { start, end, limit: limit > 0 ? limit + 1 : 0, labelsOnly: true, func: 'series' };
      const byKey = new Map<string, Labels>();
      const warnings: string[] = [];
      for (const ms of sets) {
        const set = await querier.select(hints, ...ms);
        while (set.next()) {
          if (signal.aborted) throw new ApiError('canceled', 'context canceled');
          const labels = set.at().labels;
          byKey.set(labelsKey(labels), labels);
        }
        warnings.push(...set.warnings());
      }
      let all = [...byKey.values()].sort(compareLabels);
      if (limit > 0 && all.length > limit) {
        all = all.slice(0, limit);
        warnings.push(TRUNCATED_WARNING);
      }
      return { dataJson: `[${all.map(labelsJson).join(',')}]`, warnings };
    } catch (err) {
      throw toApiError(err);
    } finally {
      querier.close();
    }
  };
}
