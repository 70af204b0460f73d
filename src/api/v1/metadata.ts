/**
 * @module GET /api/v1/metadata: type, help and unit per metric family, as Prometheus answers it
 * (`{name: [{type, help, unit}]}`), with its `metric`, `limit` and `limit_per_metric` parameters.
 */
import type { MetricMetadata } from '../../storage/interface.ts';
import type { Endpoint } from './endpoint.ts';
import { ApiError } from './respond.ts';

function intParam(text: string | undefined, name: string): number {
  if (text === undefined || text === '') return 0;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new ApiError('bad_data', `${name} must be a number`);
  return n;
}

export function metadataEndpoint(source: () => ReadonlyMap<string, MetricMetadata>): Endpoint {
  return async (form) => {
    const limit = intParam(form.get('limit'), 'limit');
    const perMetric = intParam(form.get('limit_per_metric'), 'limit_per_metric');
    const metric = form.get('metric');
    const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    let n = 0;
    for (const [name, m] of [...source()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (metric !== '' && name !== metric) continue;
      if (limit > 0 && n >= limit) break;
      const entries = [{ type: m.type, help: m.help, unit: m.unit }];
      out[name] = perMetric > 0 ? entries.slice(0, perMetric) : entries;
      n++;
    }
    return { dataJson: JSON.stringify(out), warnings: [] };
  };
}
