/** Wal: framing, one segment per log() call, rolling, reopening, replay order and bounds. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFrom, labelsKey } from '../../model/labels.ts';
import { RecordEncoder } from './records.ts';
import { replayEvents, tmpDir, type Event } from './test-util.ts';
import { Wal } from './wal.ts';

const T = 1_700_000_000_000;
const open: Wal[] = [];
const openWal = (dir: string, options: Parameters<typeof Wal.open>[1] = {}) => {
  const w = Wal.open(dir, options);
  open.push(w);
  return w;
};
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});

/** A samples record of `n` samples for ref, at times seq*1000 + i. */
function samplesRecord(enc: RecordEncoder, ref: number, seq: number, n = 1): Uint8Array {
  const refs = new Uint32Array(n).fill(ref);
  const t = Float64Array.from({ length: n }, (_, i) => T + seq * 1000 + i);
  const v = Float64Array.from({ length: n }, (_, i) => seq + i / 10);
  return enc.samples(refs, t, v, n);
}

function sampleTimes(events: Event[]): number[] {
  return events.flatMap((e) => (e.kind === 'sample' ? [e.t] : []));
}

describe('Wal.log', () => {
  it('frames each record as length, CRC-32 of the record, record', () => {
    const dir = tmpDir();
    const wal = openWal(dir);
    const enc = new RecordEncoder();
    const a = enc.series([{ ref: 1, labels: labelsFrom({ __name__: 'up' }) }]);
    const b = samplesRecord(enc, 1, 0, 3);
    wal.log(a, b);
    wal.close();
    const bytes = readFileSync(join(dir, '00000000'));
    expect(bytes.length).toBe(16 + a.length + b.length);
    expect(bytes.readUInt32LE(0)).toBe(a.length);
    expect(bytes.readUInt32LE(4)).toBe(crc32(a));
    expect(bytes.subarray(8, 8 + a.length)).toEqual(Buffer.from(a));
    expect(bytes.readUInt32LE(8 + a.length)).toBe(b.length);
    expect(bytes.readUInt32LE(12 + a.length)).toBe(crc32(b));
  });

  it('replays what it logged, in order, after reopening; each open starts a new segment', () => {
    const dir = tmpDir();
    const enc = new RecordEncoder();
    let wal = openWal(dir);
    wal.log(enc.series([{ ref: 1, labels: labelsFrom({ __name__: 'a' }) }]), samplesRecord(enc, 1, 0));
    enc.reset();
    wal.log(samplesRecord(enc, 1, 1));
    wal.close();
    wal = openWal(dir);
    expect(wal.segments()).toEqual({ first: 0, last: 1 });
    const seen: Event[] = [];
    const result = wal.replay({
      series: (ref, labels) => seen.push({ kind: 'series', ref, key: labelsKey(labels) }),
      samples: (refs, t, _v, n) => {
        for (let i = 0; i < n; i++) seen.push({ kind: 'sample', ref: refs[i], t: t[i], v: '' });
      },
    });
    expect(seen).toEqual([
      { kind: 'series', ref: 1, key: labelsKey(labelsFrom({ __name__: 'a' })) },
      { kind: 'sample', ref: 1, t: T, v: '' },
      { kind: 'sample', ref: 1, t: T + 1000, v: '' },
    ]);
    expect(result).toMatchObject({ checkpoint: null, records: 3, firstSegment: 0, lastSegment: 0 });
    expect(result.report.repairs).toEqual([]);
  });

  it('reuses an empty last segment instead of adding another', () => {
    const dir = tmpDir();
    openWal(dir).close();
    openWal(dir).close();
    expect(readdirSync(dir)).toEqual(['00000000']);
  });

  it('replays only what was there at open, not what was logged since', () => {
    const dir = tmpDir();
    const enc = new RecordEncoder();
    let wal = openWal(dir);
    wal.log(samplesRecord(enc, 1, 0));
    wal.close();
    wal = openWal(dir);
    wal.log(samplesRecord(enc, 1, 1));
    wal.cutSegment();
    wal.log(samplesRecord(enc, 1, 2));
    const times: number[] = [];
    wal.replay((_type, record) => times.push(record.length));
    expect(times).toHaveLength(1);
  });

  it('rejects empty and oversized records, and everything after close', () => {
    const wal = openWal(tmpDir());
    expect(() => wal.log(new Uint8Array(0))).toThrow(RangeError);
    wal.log(); // nothing to do
    wal.close();
    expect(() => wal.log(new Uint8Array([1]))).toThrow(/closed/);
    expect(() => wal.cutSegment()).toThrow(/closed/);
  });

  it('fsyncs every write with fsync: always', () => {
    const dir = tmpDir();
    const wal = openWal(dir, { fsync: 'always', segmentSize: 4096 });
    const enc = new RecordEncoder();
    for (let i = 0; i < 50; i++) {
      enc.reset();
      wal.log(samplesRecord(enc, 1, i, 20));
    }
    wal.close();
    expect(sampleTimes(replayEvents(dir).events)).toHaveLength(50 * 20);
  });
});

describe('segments', () => {
  it('cuts a new segment before a log() that would pass the segment size; no record spans two', () => {
    const dir = tmpDir();
    const segmentSize = 2048;
    const wal = openWal(dir, { segmentSize });
    const enc = new RecordEncoder();
    let seq = 0;
    for (let i = 0; i < 100; i++) {
      enc.reset();
      // Two records per call, 1 to 30 samples each: calls of varying size.
      wal.log(samplesRecord(enc, 1, seq++, 1 + (i % 30)), samplesRecord(enc, 2, seq++, 1 + ((i * 7) % 30)));
    }
    const { first, last } = wal.segments();
    expect(first).toBe(0);
    expect(last).toBeGreaterThan(5);
    let total = 0;
    for (let s = first; s <= last; s++) {
      const size = statSync(join(dir, String(s).padStart(8, '0'))).size;
      expect(size).toBeLessThanOrEqual(segmentSize);
      total += size;
    }
    expect(wal.size()).toBe(total);
    wal.close();
    const { events, result } = replayEvents(dir);
    expect(result.report.repairs).toEqual([]);
    expect(result.records).toBe(200);
    // Calls stay whole and in order: series 1 and 2 alternate call by call.
    const firsts = events.filter((e, i) => e.kind === 'sample' && (i === 0 || (events[i - 1] as { ref: number }).ref !== e.ref));
    expect(firsts.map((e) => (e as { ref: number }).ref)).toEqual(Array.from({ length: 200 }, (_, i) => 1 + (i % 2)));
  });

  it('writes a call larger than the segment size into a segment of its own', () => {
    const dir = tmpDir();
    const wal = openWal(dir, { segmentSize: 1024 });
    const enc = new RecordEncoder();
    wal.log(samplesRecord(enc, 1, 0, 1));
    wal.log(samplesRecord(enc, 1, 1, 500)); // ~5 KB
    wal.log(samplesRecord(enc, 1, 2, 1));
    expect(wal.segments()).toEqual({ first: 0, last: 2 });
    wal.close();
    expect(statSync(join(dir, '00000001')).size).toBeGreaterThan(1024);
    expect(sampleTimes(replayEvents(dir).events)).toHaveLength(502);
  });

  it('numbers segments with 8 digits and reports first/last and size()', () => {
    const dir = tmpDir();
    const wal = openWal(dir, { segmentSize: 1024 });
    expect(wal.cutSegment()).toBe(1);
    expect(wal.cutSegment()).toBe(2);
    wal.log(new Uint8Array([200, 1, 2, 3]));
    expect(wal.segments()).toEqual({ first: 0, last: 2 });
    expect(wal.size()).toBe(12);
    expect(readdirSync(dir).sort()).toEqual(['00000000', '00000001', '00000002']);
  });

  it('rejects a segment size below 1 KiB', () => {
    expect(() => Wal.open(tmpDir(), { segmentSize: 100 })).toThrow(RangeError);
  });
});
