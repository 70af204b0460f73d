/**
 * @module GET/POST /api/v1/query_exemplars. Pharos stores no exemplars yet, so the answer is
 * always an empty list; Grafana probes this at datasource init and hides the exemplar toggle on
 * an error (spec red-dashboard.md §4.3 row 3). Times are still checked like Prometheus.
 */
import type { Endpoint } from './endpoint.ts';
import { MAX_TIME_MS, MIN_TIME_MS, parseTimeParam } from './params.ts';

/** The exemplars endpoint: validates start/end, returns `[]`. */
export function exemplarsEndpoint(): Endpoint {
  return async (form) => {
    parseTimeParam(form, 'start', MIN_TIME_MS);
    parseTimeParam(form, 'end', MAX_TIME_MS);
    return { dataJson: '[]', warnings: [] };
  };
}
