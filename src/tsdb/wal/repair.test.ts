/**
 * Replay repairs what it finds: torn tails cut at every byte, bit flips, zero fill and garbage
 * are quarantined and truncated, later segments still replay, and start-up never refuses.
 */
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { readWal } from './reader.ts';
import { RecordDecoder, RecordEncoder, RecordType } from './records.ts';
import { eventVisitor, memoryLogger, replayEvents, tmpDir, type Event } from './test-util.ts';
import { Wal } from './wal.ts';

const T = 1_700_000_000_000;

/** Logs a series record, then `calls` calls of one samples record each, and closes. */
function smallWal(dir: string, calls: number, segmentSize = 128 * 1024 * 1024): void {
  const wal = Wal.open(dir, { segmentSize });
  const enc = new RecordEncoder();
  wal.log(enc.series([{ ref: 1, labels: labelsFrom({ __name__: 'm', job: 'j' }) }]));
  for (let i = 0; i < calls; i++) {
    enc.reset();
    const n = 1 + (i % 5);
    wal.log(enc.samples(new Uint32Array(n).fill(1), Float64Array.from({ length: n }, (_, k) => T + i * 10 + k), new Float64Array(n).fill(i), n));
  }
  wal.close();
}

/** Byte offsets of the frames of a segment file. */
function frameOffsets(path: string): number[] {
  const b = readFileSync(path);
  const out: number[] = [];
  for (let p = 0; p < b.length; p += 8 + b.readUInt32LE(p)) out.push(p);
  return out;
}

/** Events of each segment read alone, before any damage. */
function eventsBySegment(dir: string): Event[][] {
  const out: Event[][] = [];
  const decoder = new RecordDecoder();
  for (const name of readdirSync(dir).filter((n) => /^\d{8}$/.test(n)).sort()) {
    const events: Event[] = [];
    const v = eventVisitor(events);
    readWal(dir, Number(name), (_t, r) => decoder.decode(r, v), { toSegment: Number(name) });
    out.push(events);
  }
  return out;
}

describe('torn tail', () => {
  it('is truncated at the last whole record for a cut at every byte of the last record', () => {
    const base = tmpDir();
    smallWal(base, 5);
    const seg = join(base, '00000000');
    const original = readFileSync(seg);
    const offsets = frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    const expected = replayEvents(base).events.filter((e) => !(e.kind === 'sample' && e.t >= T + 40));
    expect(original.length - last).toBeGreaterThan(8);
    for (let cut = last; cut < original.length; cut++) {
      const dir = tmpDir();
      cpSync(base, dir, { recursive: true });
      truncateSync(join(dir, '00000000'), cut);
      const logger = memoryLogger();
      const wal = Wal.open(dir, { logger });
      const events: Event[] = [];
      const result = wal.replay(eventVisitor(events));
      expect(events, `cut at ${cut}`).toEqual(expected);
      if (cut === last) {
        expect(result.report.repairs).toEqual([]);
      } else {
        expect(result.report.repairs).toEqual([
          { file: '00000000', offset: last, lostBytes: cut - last, reason: 'torn', quarantine: `00000000.corrupt-${last}`, truncated: true },
        ]);
        expect(readFileSync(join(dir, `00000000.corrupt-${last}`))).toEqual(original.subarray(last, cut));
        expect(logger.lines.join('\n')).toMatch(new RegExp(`"segment":"00000000","offset":${last},"lost_bytes":${cut - last}`));
      }
      expect(statSync(join(dir, '00000000')).size).toBe(last);
      // The WAL goes on in a new segment, and a second start finds nothing left to repair.
      wal.log(new RecordEncoder().samples([1], new Float64Array([T + 1000]), new Float64Array(1), 1));
      wal.close();
      const again = replayEvents(dir);
      expect(again.result.report.repairs).toEqual([]);
      expect(again.events).toEqual([...expected, { kind: 'sample', ref: 1, t: T + 1000, v: '0000000000000000' }]);
    }
  });

  it('of a file shorter than a frame header is quarantined whole', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, '00000000'), Buffer.from([1, 2, 3]));
    const { events, result } = replayEvents(dir);
    expect(events).toEqual([]);
    expect(result.report.repairs).toMatchObject([{ file: '00000000', offset: 0, lostBytes: 3, reason: 'torn' }]);
    expect(statSync(join(dir, '00000000')).size).toBe(0);
  });
});

describe('corruption in the middle of the WAL', () => {
  function threeSegments(): { dir: string; bySegment: Event[][] } {
    const dir = tmpDir();
    smallWal(dir, 60, 1024);
    const bySegment = eventsBySegment(dir);
    expect(bySegment.length).toBeGreaterThanOrEqual(3);
    return { dir, bySegment };
  }

  it('a bit flip in a middle segment drops that segment from the bad record on, and replays later segments', () => {
    const { dir, bySegment } = threeSegments();
    const seg = join(dir, '00000001');
    const offsets = frameOffsets(seg);
    const bad = offsets[2];
    const bytes = readFileSync(seg);
    const size = bytes.length;
    bytes[bad + 8 + 5] ^= 0x10; // inside the record, past the type byte
    writeFileSync(seg, bytes);
    // What segment 1 still holds: its first two records.
    const keptOf1: Event[] = [];
    const dec = new RecordDecoder();
    const v = eventVisitor(keptOf1);
    readWal(dir, 1, (_t, r) => dec.decode(r, v), { toSegment: 1, repair: false });
    const logger = memoryLogger();
    const { events, result } = replayEvents(dir, logger);
    expect(events).toEqual([...bySegment[0], ...keptOf1, ...bySegment.slice(2).flat()]);
    expect(keptOf1.length).toBeGreaterThan(0);
    expect(result.report.repairs).toEqual([{ file: '00000001', offset: bad, lostBytes: size - bad, reason: 'crc_mismatch', quarantine: `00000001.corrupt-${bad}`, truncated: true }]);
    expect(result.report.lostBytes).toBe(size - bad);
    expect(readFileSync(join(dir, `00000001.corrupt-${bad}`))).toEqual(bytes.subarray(bad));
    expect(logger.lines.some((l) => l.includes('"segment":"00000001"') && l.includes(`"offset":${bad}`) && l.includes(`"lost_bytes":${size - bad}`))).toBe(true);
  });

  it.each([
    ['length field set to zero', (b: Buffer, at: number) => b.writeUInt32LE(0, at), 'bad_length'],
    ['length field past the end', (b: Buffer, at: number) => b.writeUInt32LE(b.length, at), 'torn'],
    ['length field huge', (b: Buffer, at: number) => b.writeUInt32LE(0xffffffff, at), 'bad_length'],
    ['CRC field flipped', (b: Buffer, at: number) => b.writeUInt32LE(b.readUInt32LE(at + 4) ^ 1, at + 4), 'crc_mismatch'],
  ] as const)('a damaged frame header (%s) is handled the same way', (_, damage, reason) => {
    const { dir, bySegment } = threeSegments();
    const seg = join(dir, '00000001');
    const bytes = readFileSync(seg);
    damage(bytes, 0);
    writeFileSync(seg, bytes);
    const { events, result } = replayEvents(dir);
    expect(events).toEqual([...bySegment[0], ...bySegment.slice(2).flat()]);
    expect(result.report.repairs).toMatchObject([{ file: '00000001', offset: 0, lostBytes: bytes.length, reason }]);
  });

  it('a zero-filled tail (power loss after the size grew) is quarantined', () => {
    const { dir, bySegment } = threeSegments();
    const last = readdirSync(dir).filter((n) => /^\d{8}$/.test(n)).sort().pop()!;
    const size = statSync(join(dir, last)).size;
    appendFileSync(join(dir, last), Buffer.alloc(4096));
    const { events, result } = replayEvents(dir);
    expect(events).toEqual(bySegment.flat());
    expect(result.report.repairs).toMatchObject([{ file: last, offset: size, lostBytes: 4096, reason: 'bad_length' }]);
  });

  it('a segment of garbage is quarantined whole, and start-up goes on', () => {
    const { dir, bySegment } = threeSegments();
    let x = 12345;
    const garbage = Buffer.alloc(3000, 0).map(() => (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    writeFileSync(join(dir, '00000001'), garbage);
    const { events, result } = replayEvents(dir);
    expect(events).toEqual([...bySegment[0], ...bySegment.slice(2).flat()]);
    expect(result.report.repairs).toMatchObject([{ file: '00000001', offset: 0, lostBytes: 3000 }]);
    expect(readFileSync(join(dir, '00000001.corrupt-0'))).toEqual(garbage);
  });

  it('a missing segment is replayed around', () => {
    const { dir, bySegment } = threeSegments();
    const logger = memoryLogger();
    rmSync(join(dir, '00000001'));
    const { events } = replayEvents(dir, logger);
    expect(events).toEqual([...bySegment[0], ...bySegment.slice(2).flat()]);
    expect(logger.lines.some((l) => l.includes('segments missing'))).toBe(true);
  });

  it('with repair: false, only reports', () => {
    const { dir } = threeSegments();
    appendFileSync(join(dir, '00000001'), Buffer.from([1, 2, 3]));
    const size = statSync(join(dir, '00000001')).size;
    const result = readWal(dir, 0, () => {}, { repair: false });
    expect(result.report.repairs).toMatchObject([{ file: '00000001', offset: size - 3, lostBytes: 3, quarantine: null, truncated: false }]);
    expect(statSync(join(dir, '00000001')).size).toBe(size);
    expect(existsSync(join(dir, `00000001.corrupt-${size - 3}`))).toBe(false);
  });
});

describe('records that do not decode', () => {
  it('are skipped, counted and logged; the rest replays', () => {
    const dir = tmpDir();
    const wal = Wal.open(dir);
    const enc = new RecordEncoder();
    wal.log(enc.samples([1], new Float64Array([T]), new Float64Array(1), 1));
    wal.log(new Uint8Array([RecordType.Samples, 0, 5, 1])); // valid frame, truncated samples
    enc.reset();
    wal.log(enc.samples([1], new Float64Array([T + 1]), new Float64Array(1), 1));
    wal.close();
    const logger = memoryLogger();
    const { events, result } = replayEvents(dir, logger);
    expect(events.map((e) => (e as { t: number }).t)).toEqual([T, T + 1]);
    expect(result.report.undecodableRecords).toBe(1);
    expect(logger.lines.some((l) => l.includes('undecodable') && l.includes('"offset":'))).toBe(true);
  });
});
