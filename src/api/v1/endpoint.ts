/** @module The shape every /api/v1 endpoint has: read a form, return data JSON plus warnings. */
import type { JsonText } from './format.ts';
import type { Form } from './params.ts';

/** What an endpoint produced: `data` as serialised JSON, and warnings for the envelope. */
export interface EndpointResult {
  readonly dataJson: JsonText;
  readonly warnings: readonly string[];
  /** PromQL info annotations (Prometheus' `infos` field). */
  readonly infos?: readonly string[];
  /** Answer 204 without a body (Prometheus' endpoints that return no data, e.g. the admin ones). */
  readonly noContent?: boolean;
}

/**
 * One API endpoint. `signal` aborts when the client goes away. `pathParams` holds decoded
 * path segments (e.g. the label name). Throws ApiError or anything toApiError maps.
 */
export type Endpoint = (form: Form, signal: AbortSignal, pathParams: readonly string[]) => Promise<EndpointResult>;

/** Prometheus' warning when a limit cut the result. */
export const TRUNCATED_WARNING = 'results truncated due to limit';
