/** @module The Prometheus-compatible HTTP API. */
export type { ApiDeps, HttpHandler, MetricsSource } from './handler.ts';
export { createApiHandler } from './handler.ts';
export type { BuildInfo } from './buildinfo.ts';
export type { TsdbAdmin } from './admin.ts';
export type { StatusSource, TsdbStatusFigures } from './status.ts';
export type { ErrorType } from './respond.ts';
export { ApiError } from './respond.ts';
export { formatTime, formatValue } from './format.ts';
export { parseTime, parseDuration, parseLimit, unescapeLabelName } from './params.ts';
