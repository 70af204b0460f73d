/** @module The entry point: decode a scrape body and run the parser its Content-Type calls for. */
import { detectFormat } from './detect-format.ts';
import { ExpositionParseError } from './errors.ts';
import { parseOpenMetrics } from './openmetrics-parser.ts';
import { parseText } from './text-parser.ts';
import type { ExpositionSink, ParseOptions, ParseSummary } from './types.ts';

// Stateless between calls (no `stream: true`), so one instance serves every scrape.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one scrape body (already decompressed) into `sink`, choosing the format from
 * `contentType` with detectFormat. Bytes must be UTF-8 (a leading BOM is dropped). Throws
 * ExpositionParseError on the first problem; samples already passed to the sink belong to an
 * invalid scrape and should be discarded, as Prometheus does.
 */
export function parseExposition(
  body: Uint8Array | string,
  contentType: string | undefined,
  sink: ExpositionSink,
  opts: ParseOptions = {},
): ParseSummary {
  let src: string;
  if (typeof body === 'string') src = body;
  else {
    try {
      src = utf8.decode(body);
    } catch (cause) {
      throw new ExpositionParseError(`body is not valid UTF-8 (${body.byteLength} bytes)`, 0, { cause });
    }
  }
  return detectFormat(contentType) === 'openmetrics' ? parseOpenMetrics(src, sink, opts) : parseText(src, sink, opts);
}
