/**
 * The embedded store: the shared storage suite; WAL replay, repair and migration; blocks cut from
 * the head, compacted and deleted by retention; every sample read exactly once across a restart
 * at any step of a cut.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToObject } from '../model/labels.ts';
import { Matcher } from '../model/matcher.ts';
import { STALE_NAN, ValueType, isStaleNaN } from '../model/value.ts';
import { StorageError } from '../storage/interface.ts';
import { runStorageSuite } from '../storage/storage-suite.ts';
import { openDb, type Db, type DbOptions } from './db.ts';

const T = 1_700_000_000_000;
const HOUR = 3_600_000;
const tmp = () => mkdtempSync(join(tmpdir(), 'pharos-tsdb-'));

runStorageSuite('embedded store (head + WAL + blocks)', async () => {
  const db = await openDb({ dir: tmp() });
  return { appendable: db, queryable: db, deletable: db, close: () => db.close() };
});

function capture(): { lines: string[]; logger: NonNullable<DbOptions['logger']> } {
  const lines: string[] = [];
  const log = (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, logger: { warn: log, info: log } };
}

/** Commits batches from..from+count-1, one sample each; returns the WAL segment's size after each when given. */
async function writeBatches(db: Db, from: number, count: number, walSegment?: string): Promise<number[]> {
  const sizes: number[] = [];
  for (let b = from; b < from + count; b++) {
    const a = db.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: String(b % 3) }), T + b, b);
    // Only the first commit carries metadata, so each later one is a single Samples record (plus a Series record for a new series).
    if (b === 0) a.updateMetadata('w', { type: 'gauge', unit: '', help: 'test' });
    await a.commit();
    if (walSegment) sizes.push(statSync(walSegment).size);
  }
  return sizes;
}

async function samples(db: Db, name = 'w', key = 'batch', mint = 0, maxt = T * 2): Promise<Array<[string, number, number]>> {
  const q = await db.querier(mint, maxt);
  const set = await q.select({ start: mint, end: maxt }, new Matcher('=', '__name__', name));
  const out: Array<[string, number, number]> = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const id = labelsToObject(s.labels)[key];
    const n = out.length;
    while (it.next() !== ValueType.None) out.push([id, it.atT(), it.atV()]);
    // The column view the engine reads holds exactly what the iterator yields.
    const cols = s.columns!(mint, maxt);
    expect(Array.from(cols.t)).toEqual(out.slice(n).map((x) => x[1]));
    expect(Array.from(cols.v)).toEqual(out.slice(n).map((x) => x[2]));
  }
  q.close();
  return out.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
}

/** The one non-empty WAL segment of a store written in one session. */
function onlySegment(dir: string): string {
  const segs = readdirSync(join(dir, 'wal')).filter((f) => /^\d{8}$/.test(f) && statSync(join(dir, 'wal', f)).size > 0);
  expect(segs).toHaveLength(1);
  return join(dir, 'wal', segs[0]);
}

describe('WAL', () => {
  it('replays labels, samples, staleness markers and metadata exactly', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 0, 10);
    const a = db.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: '0' }), T + 100, STALE_NAN);
    await a.commit();
    await db.close();
    const again = await openDb({ dir });
    const got = await samples(again);
    expect(got.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, b) => [String(b % 3), T + b, b]));
    expect(isStaleNaN(got[10][2])).toBe(true);
    expect(again.stats().series).toBe(3);
    expect(again.metadata().get('w')).toEqual({ type: 'gauge', unit: '', help: 'test' });
    await again.close();
  });

  it('repairs a torn tail at every cut inside the last commit, keeps every earlier commit and logs segment and offset', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 0, 1);
    const segment = onlySegment(dir);
    const sizes = await writeBatches(db, 1, 4, segment);
    await db.close();
    const full = readFileSync(segment);
    const lastStart = sizes[2];
    for (let cut = lastStart + 1; cut < sizes[3]; cut++) {
      writeFileSync(segment, full);
      truncateSync(segment, cut);
      const { lines, logger } = capture();
      const reopened = await openDb({ dir, logger });
      expect((await samples(reopened)).map((s) => s[2])).toEqual([0, 1, 2, 3]);
      expect(lines.join('\n')).toMatch(new RegExp(`wal: corrupt segment truncated.*"segment":"${segment.slice(-8)}","offset":${lastStart}`));
      await reopened.close();
      expect(statSync(segment).size).toBe(lastStart);
      for (const f of readdirSync(join(dir, 'wal'))) if (f.includes('.corrupt-') || (f !== segment.slice(-8) && /^\d{8}$/.test(f))) rmSync(join(dir, 'wal', f));
    }
  });

  it('truncates at a bit-flipped record, logs segment and offset, starts, and takes writes', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 0, 1);
    const segment = onlySegment(dir);
    const sizes = await writeBatches(db, 1, 5, segment);
    await db.close();
    const bytes = readFileSync(segment);
    bytes[sizes[2] + 12] ^= 0x10; // inside the 5th commit's records
    writeFileSync(segment, bytes);
    const { lines, logger } = capture();
    const reopened = await openDb({ dir, logger });
    expect((await samples(reopened)).map((s) => s[2])).toEqual([0, 1, 2, 3]);
    expect(lines.filter((l) => l.startsWith('wal: corrupt'))).toEqual([expect.stringMatching(new RegExp(`"segment":"${segment.slice(-8)}","offset":${sizes[2]},"lost_bytes":${sizes[4] - sizes[2]}`))]);
    expect(existsSync(`${segment}.corrupt-${sizes[2]}`)).toBe(true);
    const a = reopened.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: '9' }), T + 50, 50);
    await a.commit();
    await reopened.close();
    const third = await openDb({ dir });
    expect((await samples(third)).map((s) => s[2])).toEqual([0, 1, 2, 3, 50]);
    await third.close();
  });

  it('migrates the single-file WAL of the previous store', async () => {
    const dir = tmp();
    // The old format: frames of type u8, length u32, CRC-32 u32; series as JSON [[ref, [name, value, …]]]; samples as ref u32, t f64, v f64.
    const frame = (type: number, payload: Buffer) => {
      const h = Buffer.alloc(9);
      h[0] = type;
      h.writeUInt32LE(payload.length, 1);
      h.writeUInt32LE(crc32(payload), 5);
      return Buffer.concat([h, payload]);
    };
    const series = Buffer.from(JSON.stringify([[0, ['__name__', 'old', 'k', 'a']], [1, ['__name__', 'old', 'k', 'b']]]));
    const s = Buffer.alloc(40);
    s.writeUInt32LE(0, 0), s.writeDoubleLE(T, 4), s.writeDoubleLE(1.5, 12);
    s.writeUInt32LE(1, 20), s.writeDoubleLE(T + 1, 24), s.writeDoubleLE(2.5, 32);
    mkdirSync(join(dir, 'wal'));
    writeFileSync(join(dir, 'wal', '00000001'), Buffer.concat([frame(1, series), frame(2, s)]));
    const db = await openDb({ dir });
    expect(await samples(db, 'old', 'k')).toEqual([['a', T, 1.5], ['b', T + 1, 2.5]]);
    // A new series after the migration gets a ref of its own, and all survive a restart.
    const a = db.appender();
    a.append(0, labelsFrom({ __name__: 'old', k: 'c' }), T + 2, 3.5);
    await a.commit();
    await db.close();
    const again = await openDb({ dir });
    expect(await samples(again, 'old', 'k')).toEqual([['a', T, 1.5], ['b', T + 1, 2.5], ['c', T + 2, 3.5]]);
    await again.close();
  });
});

/** Series s0..s{n-1}, one sample a minute for `hours` from T (value = minute index). */
async function writeHours(db: Db, hours: number, series = 5, from = 0): Promise<number> {
  const minutes = hours * 60;
  let count = 0;
  for (let m = from; m < minutes; m += 30) {
    const a = db.appender();
    for (let k = m; k < Math.min(m + 30, minutes); k++) {
      for (let s = 0; s < series; s++) {
        a.append(0, labelsFrom({ __name__: 'h', s: `s${s}` }), T + k * 60_000, k);
        count++;
      }
    }
    await a.commit();
  }
  return count;
}

function expectExactlyOnce(got: Array<[string, number, number]>, hours: number, series = 5): void {
  const minutes = hours * 60;
  expect(got.length).toBe(minutes * series);
  const want: Array<[string, number, number]> = [];
  for (let k = 0; k < minutes; k++) for (let s = 0; s < series; s++) want.push([`s${s}`, T + k * 60_000, k]);
  want.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
  expect(got).toEqual(want);
}

describe('blocks', () => {
  const now = () => T + 40 * HOUR;

  it.each([
    ['on the block writer thread', true],
    ['in-thread', false],
  ])('cuts the oldest 2h range into a block (%s) once the head spans more than 3h, and reads head and block as one', async (_, blockWriterThread) => {
    const dir = tmp();
    const { lines, logger } = capture();
    const db = await openDb({ dir, now, logger, blockWriterThread });
    await writeHours(db, 3);
    await db.maintain();
    expect(db.blocks()).toHaveLength(0); // 3h minus a minute: not more than 1.5 ranges
    await writeHours(db, 4, 5, 180);
    await db.maintain();
    const blocks = db.blocks();
    expect(blocks).toHaveLength(1);
    const end = Math.floor(T / (2 * HOUR)) * 2 * HOUR + 2 * HOUR;
    expect(blocks[0]).toMatchObject({ minTime: T, maxTime: end });
    expect(blocks[0].stats.numSamples).toBe(5 * Math.ceil((end - T) / 60_000));
    expect(lines.join('\n')).toMatch(/tsdb: head cut into a block/);
    expect(lines.join('\n')).toMatch(/tsdb: WAL checkpoint/);
    expectExactlyOnce(await samples(db, 'h', 's'), 4);
    // A sample older than the newest block is out of bounds, as in Prometheus.
    const a = db.appender();
    expect(() => a.append(0, labelsFrom({ __name__: 'h', s: 's0' }), end - 1, 1)).toThrow(StorageError);
    a.rollback();
    await db.close();

    const again = await openDb({ dir, now });
    expect(again.blocks()).toHaveLength(1);
    expectExactlyOnce(await samples(again, 'h', 's'), 4);
    await again.close();
  });

  it('reads every sample exactly once after a crash between writing a block and checkpointing the WAL', async () => {
    const dir = tmp();
    const db = await openDb({ dir, now });
    await writeHours(db, 4);
    await db.close();
    const savedWal = join(tmp(), 'wal');
    cpSync(join(dir, 'wal'), savedWal, { recursive: true });
    const cut = await openDb({ dir, now });
    await cut.maintain();
    expect(cut.blocks()).toHaveLength(1);
    await cut.close();
    // As if killed after the block's rename but before the checkpoint: the block and the full WAL.
    rmSync(join(dir, 'wal'), { recursive: true });
    cpSync(savedWal, join(dir, 'wal'), { recursive: true });
    const again = await openDb({ dir, now });
    expect(again.blocks()).toHaveLength(1);
    expectExactlyOnce(await samples(again, 'h', 's'), 4);
    await again.close();
  });

  it('keeps a querier opened before a cut complete: the head is truncated only after it closes', async () => {
    const dir = tmp();
    const db = await openDb({ dir, now });
    await writeHours(db, 4);
    const q = await db.querier(0, T * 2);
    const cutting = db.maintain();
    await new Promise((r) => setTimeout(r, 100));
    const set = await q.select({ start: 0, end: T * 2 }, new Matcher('=', '__name__', 'h'));
    let n = 0;
    while (set.next()) {
      const it = set.at().iterator();
      while (it.next() !== ValueType.None) n++;
    }
    expect(n).toBe(4 * 60 * 5);
    q.close();
    await cutting;
    expect(db.blocks()).toHaveLength(1);
    await db.close();
  });

  it('compacts three 2h blocks into a 6h block, and retention deletes blocks past retention.time', async () => {
    const dir = tmp();
    const { lines, logger } = capture();
    const db = await openDb({ dir, now, logger, retentionTimeMs: 0 });
    await writeHours(db, 14);
    await db.maintain();
    const levels = db.blocks().map((b) => b.compaction.level);
    expect(Math.max(...levels)).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toMatch(/block: compacted/);
    expectExactlyOnce(await samples(db, 'h', 's'), 14);
    await db.close();

    const kept = await openDb({ dir, now, logger, retentionTimeMs: 6 * HOUR });
    await kept.maintain();
    const blocks = kept.blocks();
    expect(lines.join('\n')).toMatch(/tsdb: block deleted by retention.*"reason":"time"/);
    const newest = T + 14 * HOUR - 60_000;
    for (const b of blocks) expect(b.maxTime).toBeGreaterThan(newest - 6 * HOUR);
    const got = await samples(kept, 'h', 's');
    expect(got[got.length - 1][1]).toBe(newest);
    expect(got[0][1]).toBeGreaterThan(T);
    await kept.close();
  });

  it('retention.size deletes the oldest blocks until the store fits', async () => {
    const dir = tmp();
    const db = await openDb({ dir, now, retentionTimeMs: 0 });
    await writeHours(db, 14);
    await db.maintain();
    const before = db.blocks();
    expect(before.length).toBeGreaterThan(1);
    await db.close();
    // The figures of a freshly opened store (the head's chunk files are rebuilt at open).
    const measure = await openDb({ dir, now, retentionTimeMs: 0 });
    const { blockBytes, walBytes, headChunkBytes } = measure.stats();
    await measure.close();
    // Room for the WAL, the head's chunk files and most of the blocks: the oldest must go, not all.
    const small = await openDb({ dir, now, retentionTimeMs: 0, retentionBytes: walBytes + headChunkBytes + Math.floor(blockBytes * 0.75) });
    await small.maintain();
    const after = small.blocks();
    expect(after.length).toBeLessThan(before.length);
    expect(after.length).toBeGreaterThan(0);
    expect(after[after.length - 1].ulid).toBe(before[before.length - 1].ulid);
    await small.close();
  });
});

describe('time range selection', () => {
  it('returns exactly the samples within [mint, maxt] for any range, at the start, middle or end of a series', async () => {
    const db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-db-')), now: () => 1e12 });
    const labels = labelsFrom({ __name__: 'x' });
    const times: number[] = [];
    let t = 1000;
    const app = db.appender();
    for (let i = 0; i < 300; i++) {
      t += 1 + ((i * 7919) % 13); // uneven gaps, some of 1 ms
      times.push(t);
      app.append(0, labels, t, i);
    }
    await app.commit();
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 500; k++) {
      const a = times[0] - 5 + rand(times[299] - times[0] + 10);
      const b = a + rand(k % 2 ? 40 : 3000);
      const q = await db.querier(a, b);
      const set = await q.select({ start: a, end: b }, new Matcher('=', '__name__', 'x'));
      const got: number[] = [];
      while (set.next()) {
        const it = set.at().iterator();
        while (it.next() !== ValueType.None) got.push(it.atT());
        expect(Array.from(set.at().columns!(a, b).t)).toEqual(got);
      }
      q.close();
      expect(got, `[${a}, ${b}]`).toEqual(times.filter((x) => x >= a && x <= b));
    }
    await db.close();
  });
});

describe('delete', () => {
  const now = () => T + 40 * HOUR;
  /** expectExactlyOnce's samples minus those of series `s` within [lo, hi]. */
  const without = (hours: number, cut: Array<[string, number, number]>) => {
    const want: Array<[string, number, number]> = [];
    for (let k = 0; k < hours * 60; k++) for (let s = 0; s < 5; s++) {
      const t = T + k * 60_000;
      if (!cut.some(([id, lo, hi]) => id === `s${s}` && t >= lo && t <= hi)) want.push([`s${s}`, t, k]);
    }
    return want.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
  };

  it('deletes from blocks and head, survives a restart, stays deleted through a cut, and clean_tombstones rewrites the blocks', async () => {
    const dir = tmp();
    const { lines, logger } = capture();
    const db = await openDb({ dir, now, logger });
    await writeHours(db, 4);
    await db.maintain();
    expect(db.blocks()).toHaveLength(1);
    const blockEnd = db.blocks()[0].maxTime;
    // s1: a range across the block and the head; s2: everything.
    await db.delete(T + 30 * 60_000, T + 3 * HOUR, new Matcher('=', 's', 's1'));
    await db.delete(-Infinity, Infinity, new Matcher('=', 's', 's2'), new Matcher('=', '__name__', 'h'));
    const cut: Array<[string, number, number]> = [['s1', T + 30 * 60_000, T + 3 * HOUR], ['s2', -Infinity, Infinity]];
    expect(await samples(db, 'h', 's')).toEqual(without(4, cut));
    expect(db.blocks()[0].stats.numTombstones).toBe(2);
    expect(lines.join('\n')).toMatch(/tsdb: series deleted .*"head_series_tombstoned":1,"head_series_dropped":0/);
    expect(lines.join('\n')).toMatch(/tsdb: series deleted .*"mint":"-Infinity","maxt":"Infinity".*"head_series_tombstoned":0,"head_series_dropped":1/);
    await db.close();

    const again = await openDb({ dir, now });
    expect(await samples(again, 'h', 's')).toEqual(without(4, cut));
    // More data, so the head is cut again: the new block holds none of the deleted samples.
    await writeHours(again, 8, 5, 4 * 60);
    await again.maintain();
    expect(again.blocks().length).toBeGreaterThan(1);
    expect(await samples(again, 'h', 's')).toEqual(without(8, [['s1', T + 30 * 60_000, T + 3 * HOUR], ['s2', -Infinity, T + 4 * HOUR - 1]]));
    const cutBlocks = again.blocks().filter((b) => b.minTime >= blockEnd);
    const inCut = cutBlocks.reduce((n, b) => n + b.stats.numSamples, 0);
    expect(cutBlocks.every((b) => b.stats.numTombstones === 0)).toBe(true);
    expect(inCut).toBe(without(8, [['s1', T + 30 * 60_000, T + 3 * HOUR], ['s2', -Infinity, T + 4 * HOUR - 1]]).filter(([, t]) => t >= blockEnd && t < cutBlocks[cutBlocks.length - 1].maxTime).length);

    await again.cleanTombstones();
    expect(again.blocks().every((b) => b.stats.numTombstones === 0)).toBe(true);
    expect(await samples(again, 'h', 's')).toEqual(without(8, [['s1', T + 30 * 60_000, T + 3 * HOUR], ['s2', -Infinity, T + 4 * HOUR - 1]]));
    await again.close();
    const third = await openDb({ dir, now });
    expect(await samples(third, 'h', 's')).toEqual(without(8, [['s1', T + 30 * 60_000, T + 3 * HOUR], ['s2', -Infinity, T + 4 * HOUR - 1]]));
    await third.close();
  });

  it('a WAL checkpoint keeps the head tombstones it still needs', async () => {
    const dir = tmp();
    const db = await openDb({ dir, now });
    await writeHours(db, 2);
    await db.delete(T + 3 * HOUR + 10 * 60_000, T + 3 * HOUR + 20 * 60_000, new Matcher('=', 's', 's3'));
    await writeHours(db, 4, 5, 2 * 60);
    await db.delete(T + 3 * HOUR + 10 * 60_000, T + 3 * HOUR + 20 * 60_000, new Matcher('=', 's', 's3'));
    await db.maintain(); // cut + checkpoint: the tombstone lies after the cut and is kept
    expect(db.blocks()).toHaveLength(1);
    await db.close();
    const again = await openDb({ dir, now });
    expect(await samples(again, 'h', 's')).toEqual(without(4, [['s3', T + 3 * HOUR + 10 * 60_000, T + 3 * HOUR + 20 * 60_000]]));
    await again.close();
  });
});

describe('out-of-order window', () => {
  const now = () => T + 40 * HOUR;

  it('accepts samples within the window, reads them merged, and keeps them through a restart, a cut and a checkpoint', async () => {
    const dir = tmp();
    const db = await openDb({ dir, now, outOfOrderTimeWindowMs: HOUR });
    await writeHours(db, 4); // every minute, s0..s4
    // Late samples: half a minute after each minute of the last hour and of s0's first 30 s… and one too old.
    const late = db.appender();
    const lateTimes: number[] = [];
    for (let k = 3 * 60 + 1; k < 4 * 60 - 1; k += 7) {
      late.append(0, labelsFrom({ __name__: 'h', s: 's0' }), T + k * 60_000 + 30_000, -k);
      lateTimes.push(T + k * 60_000 + 30_000);
    }
    expect(() => late.append(0, labelsFrom({ __name__: 'h', s: 's0' }), T + 30_000, 0)).toThrow(expect.objectContaining({ code: 'too_old' }));
    await late.commit();
    const want = [...(await samples(db, 'h', 's'))];
    expect(want.filter(([, t]) => lateTimes.includes(t))).toHaveLength(lateTimes.length);
    const got0 = want.filter(([s]) => s === 's0').map(([, t]) => t);
    expect(got0).toEqual([...got0].sort((a, b) => a - b));
    await db.close();

    const again = await openDb({ dir, now, outOfOrderTimeWindowMs: 0 }); // replay needs no window
    expect(await samples(again, 'h', 's')).toEqual(want);
    await writeHours(again, 6, 5, 4 * 60);
    const before = await samples(again, 'h', 's');
    await again.maintain(); // cuts the two oldest 2h ranges: late samples end up in the second block
    const blocks = again.blocks();
    expect(blocks).toHaveLength(2);
    const inSecond = (t: number) => t >= blocks[1].minTime && t < blocks[1].maxTime;
    expect(lateTimes.filter(inSecond).length).toBeGreaterThan(3);
    expect(lateTimes.filter((t) => !inSecond(t)).length).toBeGreaterThan(1); // the rest stay in the head
    expect(blocks[1].stats.numSamples).toBe(before.filter(([, t]) => inSecond(t)).length);
    expect(await samples(again, 'h', 's')).toEqual(before);
    await again.close();
    const third = await openDb({ dir, now });
    const all = await samples(third, 'h', 's');
    expect(all.filter(([, t]) => lateTimes.includes(t))).toHaveLength(lateTimes.length);
    expect(all).toHaveLength(6 * 60 * 5 + lateTimes.length);
    await third.close();
  });
});
