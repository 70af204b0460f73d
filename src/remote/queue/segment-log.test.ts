/**
 * The buffer's segment files in a temp dir: records read back exactly, a new segment per open,
 * torn and corrupt tails truncated (logged with segment and offset), damaged headers removed.
 */
import { appendFileSync, mkdtempSync, readdirSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../log.ts';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { isStaleNaN, STALE_NAN } from '../../model/value.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { decodeMetadataRecord, decodeSeriesRecord, RecordBuilder, RecordType, SAMPLE_BYTES, samplesInRecord } from './records.ts';
import { SEGMENT_HEADER_BYTES, SegmentLog, SegmentReader, segmentName } from './segment-log.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'pharos-rwq-seg-'));

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (l) => lines.push(l)), lines };
}

/** Frames one batch: series record, samples record, metadata record. */
function batch(series: Array<[number, Labels]>, samples: Array<[number, number, number]>, meta: Array<[string, MetricMetadata]> = []): Buffer {
  const b = new RecordBuilder(16); // tiny on purpose: must grow
  if (series.length) {
    b.begin(RecordType.Series);
    for (const [ref, l] of series) b.series(ref, l);
    b.end();
  }
  if (samples.length) {
    b.begin(RecordType.Samples);
    for (const [ref, t, v] of samples) b.sample(ref, t, v);
    b.end();
  }
  if (meta.length) {
    b.begin(RecordType.Metadata);
    for (const [f, m] of meta) b.metadata(f, m);
    b.end();
  }
  return Buffer.from(b.bytes());
}

/** Samples as [ref, t, value bits in hex] (a JS array would canonicalise NaN payloads). */
interface Decoded { series: Array<[number, Record<string, string>]>; samples: Array<[number, number, string]>; meta: Array<[string, MetricMetadata]>; end: 'end' | string }

function readAll(path: string, limit = statSync(path).size): Decoded {
  const r = new SegmentReader(path);
  const out: Decoded = { series: [], samples: [], meta: [], end: 'end' };
  try {
    for (;;) {
      const rec = r.next(limit);
      if (rec.kind === 'end') break;
      if (rec.kind === 'corrupt') { out.end = `${rec.offset}: ${rec.reason}`; break; }
      if (rec.type === RecordType.Series) decodeSeriesRecord(rec.payload, (ref, l) => out.series.push([ref, Object.fromEntries(l.map((x) => [x.name, x.value]))]));
      else if (rec.type === RecordType.Samples) {
        const dv = new DataView(rec.payload.buffer, rec.payload.byteOffset, rec.payload.byteLength);
        for (let i = 0; i < samplesInRecord(rec.payload); i++) {
          const o = i * SAMPLE_BYTES;
          out.samples.push([dv.getUint32(o, true), dv.getFloat64(o + 4, true), rec.payload.subarray(o + 12, o + 20).toString('hex')]);
        }
      } else decodeMetadataRecord(rec.payload, (f, m) => out.meta.push([f, m]));
    }
  } finally {
    r.close();
  }
  return out;
}

const A = labelsFrom({ __name__: 'a', job: 'j', note: 'Zürich ✓' });
const B = labelsFrom({ __name__: 'b' });

describe('SegmentLog', () => {
  it('writes records that read back exactly, values bit for bit', () => {
    const dir = tmp();
    const log = SegmentLog.open({ dir, logger: capture().logger });
    expect(log.head).toEqual({ index: 1, size: SEGMENT_HEADER_BYTES });
    const samples: Array<[number, number, number]> = [[0, -1, 1.5], [1, 2 ** 53 - 1, -0], [0, 1_700_000_000_123, NaN], [1, 0, Infinity]];
    const meta: Array<[string, MetricMetadata]> = [['a', { type: 'counter', help: 'Things ✓.', unit: 'seconds' }], ['b', { type: 'stateset', help: '', unit: '' }]];
    // Values in a Float64Array: a plain JS array would canonicalise the stale marker's NaN payload.
    const values = Float64Array.of(1.5, -0, STALE_NAN, Infinity);
    const b = new RecordBuilder(16);
    b.begin(RecordType.Series);
    b.series(0, A);
    b.series(1, B);
    b.end();
    b.begin(RecordType.Samples);
    samples.forEach(([ref, t], i) => b.sample(ref, t, values[i]));
    b.end();
    b.begin(RecordType.Metadata);
    for (const [f, m] of meta) b.metadata(f, m);
    b.end();
    const at = log.write(b.bytes());
    expect(at).toBe(SEGMENT_HEADER_BYTES);
    log.close();
    const got = readAll(join(dir, '00000001'));
    expect(got.end).toBe('end');
    expect(got.series).toEqual([[0, { __name__: 'a', job: 'j', note: 'Zürich ✓' }], [1, { __name__: 'b' }]]);
    expect(got.samples).toEqual(samples.map(([r, t], i) => [r, t, Buffer.from(values.buffer, i * 8, 8).toString('hex')]));
    const back = new Float64Array(Uint8Array.from(Buffer.from(got.samples.map((s) => s[2]).join(''), 'hex')).buffer);
    expect(Object.is(back[1], -0)).toBe(true);
    expect(isStaleNaN(back[2])).toBe(true);
    expect(got.meta).toEqual(meta);
  });

  it('starts a new segment at each open, after the last one and after minHeadIndex', () => {
    const dir = tmp();
    const { logger } = capture();
    let log = SegmentLog.open({ dir, logger });
    log.write(batch([[0, B]], [[0, 1, 1]]));
    log.roll();
    expect(log.head.index).toBe(2);
    log.close();
    log = SegmentLog.open({ dir, logger });
    expect(log.segments.map((s) => s.index)).toEqual([1, 2, 3]);
    log.close();
    log = SegmentLog.open({ dir, logger, minHeadIndex: 10 });
    expect(log.head.index).toBe(11);
    expect(readdirSync(dir).sort()).toEqual(['00000001', '00000002', '00000003', '00000011']);
    log.remove(1);
    expect(() => log.remove(11)).toThrow(/head/);
    expect(log.totalBytes).toBe(log.segments.reduce((a, s) => a + s.size, 0));
    log.close();
  });

  // Damage done to the last segment of a closed log, and what must remain after reopening.
  // `damage` returns where the valid records end afterwards.
  it.each<[string, (path: string, goodEnd: number, fullEnd: number) => number, string]>([
    ['a torn record at the end', (p, end) => { truncateSync(p, end + 30); return end; }, 'record of'],
    ['a torn record header', (p, end) => { truncateSync(p, end + 4); return end; }, 'record header truncated'],
    ['garbage after the last record', (p, _end, full) => { appendFileSync(p, Buffer.from('\x07garbage!!')); return full; }, 'unknown record type 7'],
    ['a flipped bit in the last record', (p, end) => { const b = readFileSync(p); b[end + 20] ^= 1; writeFileSync(p, b); return end; }, 'checksum mismatch'],
  ])('truncates %s at the last good record and logs segment and offset', (_name, damage, reason) => {
    const dir = tmp();
    const { logger, lines } = capture();
    let log = SegmentLog.open({ dir, logger });
    log.write(batch([[0, A]], [[0, 1000, 1], [0, 2000, 2]]));
    const goodEnd = log.head.size;
    log.write(batch([], [[0, 3000, 3], [0, 4000, 4], [0, 5000, 5]]));
    log.close();
    const path = join(dir, segmentName(1));
    const fullEnd = statSync(path).size;
    const validEnd = damage(path, goodEnd, fullEnd);
    const damagedSize = statSync(path).size;
    expect(readAll(path).end).toMatch(reason);

    log = SegmentLog.open({ dir, logger });
    expect(statSync(path).size).toBe(validEnd);
    expect(log.segments[0]).toEqual({ index: 1, size: validEnd });
    const warn = lines.find((l) => l.includes('torn or corrupt tail truncated'));
    expect(warn).toContain(`segment=${path}`);
    expect(warn).toContain(`offset=${validEnd} dropped_bytes=${damagedSize - validEnd}`);
    expect(readAll(path).samples.map((s) => s[1])).toEqual(validEnd === goodEnd ? [1000, 2000] : [1000, 2000, 3000, 4000, 5000]);
    log.close();
  });

  it('deletes a last segment whose header is damaged', () => {
    const dir = tmp();
    const { logger, lines } = capture();
    SegmentLog.open({ dir, logger }).close();
    writeFileSync(join(dir, segmentName(1)), 'PRW'); // a crash right after creating the file
    const log = SegmentLog.open({ dir, logger });
    expect(log.segments.map((s) => s.index)).toEqual([2]);
    expect(lines.join('\n')).toMatch(/segment without a valid header deleted/);
    log.close();
  });

  it('reads a growing head up to the limit it is given', () => {
    const dir = tmp();
    const log = SegmentLog.open({ dir, logger: capture().logger });
    const r = new SegmentReader(log.path(1));
    expect(r.next(log.head.size).kind).toBe('end');
    log.write(batch([[0, B]], [[0, 1, 1]]));
    const rec = r.next(log.head.size);
    expect(rec.kind === 'record' && rec.type).toBe(RecordType.Series);
    expect(r.next(log.head.size)).toMatchObject({ kind: 'record', type: RecordType.Samples });
    expect(r.next(log.head.size).kind).toBe('end');
    // A record bigger than the read chunk.
    const big: Array<[number, number, number]> = Array.from({ length: 100_000 }, (_, i) => [0, i, i]);
    log.write(batch([], big));
    const bigRec = r.next(log.head.size);
    expect(bigRec.kind === 'record' && samplesInRecord(bigRec.payload)).toBe(100_000);
    r.close();
    log.close();
  });
});
