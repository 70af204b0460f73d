/** @module Picks the exposition parser from a scrape response's Content-Type. */
import type { ExpositionFormat } from './types.ts';

const OPENMETRICS_MEDIA_TYPE = 'application/openmetrics-text';

/**
 * The format of a scrape body given its Content-Type header: `application/openmetrics-text`
 * (any version or parameters, case-insensitive) is OpenMetrics; anything else, including a
 * missing header and `text/plain; version=0.0.4`, is the Prometheus text format.
 */
export function detectFormat(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined) return 'text';
  let end = contentType.indexOf(';');
  if (end < 0) end = contentType.length;
  const mediaType = contentType.slice(0, end).trim().toLowerCase();
  return mediaType === OPENMETRICS_MEDIA_TYPE ? 'openmetrics' : 'text';
}
