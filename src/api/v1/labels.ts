/**
 * @module GET/POST /api/v1/labels and GET /api/v1/label/<name>/values (Prometheus api.go
 * labelNames, labelValues): sorted string lists, unions over match[] sets, cut at `limit`.
 */
import type { Matcher } from '../../model/matcher.ts';
import type { Querier, Queryable } from '../../storage/interface.ts';
import { TRUNCATED_WARNING, type Endpoint } from './endpoint.ts';
import { limitParam, MAX_TIME_MS, MIN_TIME_MS, parseMatchersParam, parseTimeParam, unescapeLabelName, type Form } from './params.ts';
import { ApiError, toApiError } from './respond.ts';

/** The label names endpoint. */
export function labelNamesEndpoint(queryable: Queryable): Endpoint {
  return (form) => listEndpoint(queryable, form, (q, ms) => q.labelNames(...ms));
}

/** The label values endpoint; pathParams[0] is the (possibly U__-escaped) label name. */
export function labelValuesEndpoint(queryable: Queryable): Endpoint {
  return (form, _signal, pathParams) => {
    const name = unescapeLabelName(pathParams[0] ?? '');
    // Prometheus 3 accepts any non-empty UTF-8 label name.
    if (name === '') throw new ApiError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
    return listEndpoint(queryable, form, (q, ms) => q.labelValues(name, ...ms));
  };
}

async function listEndpoint(queryable: Queryable, form: Form, read: (q: Querier, ms: Matcher[]) => Promise<string[]>): Promise<{ dataJson: string; warnings: string[] }> {
  const limit = limitParam(form);
  const start = parseTimeParam(form, 'start', MIN_TIME_MS);
  const end = parseTimeParam(form, 'end', MAX_TIME_MS);
  const sets = parseMatchersParam(form.getAll('match[]'));
  const warnings: string[] = [];
  let names: string[];
  try {
    const querier = await queryable.querier(start, end);
    try {
      if (sets.length === 0) {
        names = await read(querier, []);
      } else {
        const union = new Set<string>();
        for (const ms of sets) for (const n of await read(querier, ms)) union.add(n);
        names = [...union].sort();
      }
    } finally {
      querier.close();
    }
  } catch (err) {
    throw toApiError(err);
  }
  if (limit > 0 && names.length > limit) {
    names = names.slice(0, limit);
    warnings.push(TRUNCATED_WARNING);
  }
  return { dataJson: JSON.stringify(names), warnings };
}
