/** @module Parsers of the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text. */
export type { Exemplar, ExpositionFormat, ExpositionSink, ParseOptions, ParseSummary } from './types.ts';
export { ExpositionParseError } from './errors.ts';
export { detectFormat } from './detect-format.ts';
export { parseExposition } from './parse.ts';
export { parseText } from './text-parser.ts';
export { parseOpenMetrics } from './openmetrics-parser.ts';
