/** Conversion of the old store's single-file WAL (written here byte for byte as the old db.ts wrote it) into a checkpoint. */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsKey } from '../../model/labels.ts';

import { isLegacySegment } from './legacy.ts';
import { RecordEncoder } from './records.ts';
import { eventVisitor, memoryLogger, tmpDir, type Event } from './test-util.ts';
import { Wal } from './wal.ts';

const T = 1_700_000_000_000;
const STALE_NAN_BITS = 0x7ff0000000000002n;

/** One frame of the old format: type u8, payload length u32 LE, CRC-32 of the payload u32 LE, payload. */
function legacyFrame(type: 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header[0] = type;
  header.writeUInt32LE(payload.length, 1);
  header.writeUInt32LE(crc32(payload), 5);
  return Buffer.concat([header, payload]);
}

/**
 * The WAL the old db.ts wrote for three commits of up{job="a"} and up{job="ü"}: a Series record
 * (JSON [[ref, [name, value, …]]], refs from 0) with the first commit, then one Samples record
 * (ref u32, t f64, v f64, little-endian) per commit.
 */
async function legacyWal(): Promise<string> {
  const dir = join(tmpDir(), 'wal');
  mkdirSync(dir);
  const frames = [legacyFrame(1, Buffer.from(JSON.stringify([[0, ['__name__', 'up', 'job', 'a']], [1, ['__name__', 'up', 'job', 'ü']]])))];
  for (let b = 0; b < 3; b++) {
    const samples = Buffer.alloc(40);
    for (let ref = 0; ref < 2; ref++) {
      samples.writeUInt32LE(ref, ref * 20);
      samples.writeDoubleLE(T + b * 1000, ref * 20 + 4);
      samples.writeDoubleLE(ref === 0 ? b : -b, ref * 20 + 12);
    }
    // The staleness marker's exact bits (a JS number could be canonicalised on the way).
    if (b === 2) samples.writeBigUInt64LE(STALE_NAN_BITS, 20 + 12);
    frames.push(legacyFrame(2, samples));
  }
  writeFileSync(join(dir, '00000001'), Buffer.concat(frames));
  return dir;
}

function replay(dir: string, logger = memoryLogger()): { events: Event[]; wal: Wal } {
  const wal = Wal.open(dir, { logger });
  const events: Event[] = [];
  wal.replay(eventVisitor(events));
  return { events, wal };
}

const EXPECTED: Event[] = [
  { kind: 'series', ref: 1, key: labelsKey(labelsFrom({ __name__: 'up', job: 'a' })) },
  { kind: 'series', ref: 2, key: labelsKey(labelsFrom({ __name__: 'up', job: 'ü' })) },
  { kind: 'sample', ref: 1, t: T, v: '0000000000000000' },
  { kind: 'sample', ref: 2, t: T, v: '8000000000000000' }, // -0
  { kind: 'sample', ref: 1, t: T + 1000, v: '3ff0000000000000' },
  { kind: 'sample', ref: 2, t: T + 1000, v: 'bff0000000000000' },
  { kind: 'sample', ref: 1, t: T + 2000, v: '4000000000000000' },
  { kind: 'sample', ref: 2, t: T + 2000, v: '7ff0000000000002' },
];

describe('the old single-file WAL', () => {
  it('becomes checkpoint.00000001 at open, refs shifted by one, staleness markers bit-exact', async () => {
    const dir = await legacyWal();
    expect(isLegacySegment(join(dir, '00000001'))).toBe(true);
    const logger = memoryLogger();
    const { events, wal } = replay(dir, logger);
    expect(events).toEqual(EXPECTED);
    expect(readdirSync(dir).sort()).toEqual(['00000002', 'checkpoint.00000001']);
    expect(logger.lines.some((l) => l.includes('converted the old single-file WAL'))).toBe(true);
    wal.log(new RecordEncoder().samples([1], new Float64Array([T + 3000]), new Float64Array(1), 1));
    wal.close();
    const again = replay(dir);
    again.wal.close();
    expect(again.events).toEqual([...EXPECTED, { kind: 'sample', ref: 1, t: T + 3000, v: '0000000000000000' }]);
  });

  it('quarantines a torn tail of the old file, and a conversion interrupted earlier is redone', async () => {
    const dir = await legacyWal();
    const size = readFileSync(join(dir, '00000001')).length;
    appendFileSync(join(dir, '00000001'), Buffer.from([2, 200, 0, 0, 0, 1, 2]));
    mkdirSync(join(dir, 'checkpoint.00000001.tmp'));
    writeFileSync(join(dir, 'checkpoint.00000001.tmp', '00000000'), 'partial');
    const { events, wal } = replay(dir);
    wal.close();
    expect(events).toEqual(EXPECTED);
    expect(existsSync(join(dir, `00000001.corrupt-${size}`))).toBe(true);
    expect(existsSync(join(dir, 'checkpoint.00000001.tmp'))).toBe(false);
  });

  it('is not confused with a segment of this format', () => {
    const dir = tmpDir();
    const wal = Wal.open(dir);
    wal.cutSegment();
    wal.log(new RecordEncoder().series([{ ref: 1, labels: labelsFrom({ __name__: 'x' }) }]));
    wal.close();
    expect(isLegacySegment(join(dir, '00000001'))).toBe(false);
  });
});
