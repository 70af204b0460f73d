/** @module Hand-written OTLP/JSON payloads for end-to-end tests (the exporters make the protobuf ones). */

/** A JSON NumberDataPoint value: a number, or one of the spec's special strings. */
export type JsonDouble = number | 'NaN' | 'Infinity' | '-Infinity';

/** One gauge metric with one point per value, at `timeMs`. */
export function gauge(name: string, values: JsonDouble[], timeMs: number, attributes: Record<string, string> = {}, unit = '') {
  return {
    name, unit,
    gauge: { dataPoints: values.map((v, i) => ({ asDouble: v, timeUnixNano: `${timeMs}000000`, attributes: toKeyValues({ ...attributes, i: String(i) }) })) },
  };
}

/** A cumulative monotonic sum (a counter). */
export function counter(name: string, value: number, timeMs: number, startMs: number, attributes: Record<string, string> = {}) {
  return {
    name,
    sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asDouble: value, startTimeUnixNano: `${startMs}000000`, timeUnixNano: `${timeMs}000000`, attributes: toKeyValues(attributes) }] },
  };
}

/** An ExportMetricsServiceRequest with one resource and one scope. */
export function request(serviceName: string, metrics: unknown[]) {
  return {
    resourceMetrics: [{
      resource: { attributes: toKeyValues({ 'service.name': serviceName }) },
      scopeMetrics: [{ scope: { name: 'e2e' }, metrics }],
    }],
  };
}

function toKeyValues(attrs: Record<string, string>) {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));
}
