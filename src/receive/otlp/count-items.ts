/**
 * @module Counts the spans or log records in a trace/log export request without decoding it,
 * so the receiver can report them as not stored (partial_success) instead of pretending.
 */
import { OtlpDecodeError } from '../../translate/otlp/visitor.ts';

/**
 * Counts items at field path resource(1) → scope(2) → item(2) of an Export{Trace,Logs}ServiceRequest:
 * ResourceSpans.scope_spans.spans and ResourceLogs.scope_logs.log_records share these numbers.
 */
export function countItemsProtobuf(bytes: Uint8Array): number {
  let n = 0;
  forEachField(bytes, 0, bytes.length, 1, (s, e) => forEachField(bytes, s, e, 2, (s2, e2) => forEachField(bytes, s2, e2, 2, () => { n++; })));
  return n;
}

/** The same count for OTLP/JSON (camelCase or snake_case keys). */
export function countItemsJson(text: string, signal: 'traces' | 'logs'): number {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  const [res, scope, item] = signal === 'traces' ? ['resourceSpans', 'scopeSpans', 'spans'] : ['resourceLogs', 'scopeLogs', 'logRecords'];
  const list = (o: unknown, camel: string): unknown[] => {
    if (o === null || typeof o !== 'object') return [];
    const rec = o as Record<string, unknown>;
    const v = rec[camel] ?? rec[camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())];
    return Array.isArray(v) ? v : [];
  };
  let n = 0;
  for (const r of list(doc, res)) for (const s of list(r, scope)) n += list(s, item).length;
  return n;
}

function forEachField(buf: Uint8Array, start: number, end: number, want: number, visit: (s: number, e: number) => void): void {
  let pos = start;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new OtlpDecodeError(`truncated varint at offset ${pos}`);
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new OtlpDecodeError(`varint too long at offset ${pos}`);
  };
  while (pos < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (pos + len > end) throw new OtlpDecodeError(`length ${len} at offset ${pos} runs past the end`);
      if (field === want) visit(pos, pos + len);
      pos += len;
    } else throw new OtlpDecodeError(`unsupported wire type ${wire} at offset ${pos}`);
    if (pos > end) throw new OtlpDecodeError(`field runs past the end at offset ${end}`);
  }
}
