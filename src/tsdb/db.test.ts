/** The embedded store: the shared storage suite, WAL replay, and repair of torn or corrupt WAL files. */
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToObject } from '../model/labels.ts';
import { Matcher } from '../model/matcher.ts';
import { STALE_NAN, ValueType, isStaleNaN } from '../model/value.ts';
import { runStorageSuite } from '../storage/storage-suite.ts';
import { openDb, type Db } from './db.ts';

const T = 1_700_000_000_000;
const tmp = () => mkdtempSync(join(tmpdir(), 'pharos-tsdb-'));

runStorageSuite('embedded head + WAL', async () => {
  const db = await openDb({ dir: tmp() });
  return { appendable: db, queryable: db, close: () => db.close() };
});

async function writeBatches(db: Db, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const a = db.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: String(b % 3) }), T + b, b);
    a.updateMetadata('w', { type: 'gauge', unit: '', help: 'test' });
    await a.commit();
  }
}

async function samples(db: Db): Promise<Array<[string, number, number]>> {
  const q = await db.querier(0, T * 2);
  const set = await q.select({ start: 0, end: T * 2 }, new Matcher('=', '__name__', 'w'));
  const out: Array<[string, number, number]> = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next() !== ValueType.None) out.push([labelsToObject(set.at().labels).batch, it.atT(), it.atV()]);
  }
  return out.sort((x, y) => x[1] - y[1]);
}

describe('WAL', () => {
  it('replays labels, samples and staleness markers exactly', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 10);
    const a = db.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: '0' }), T + 100, STALE_NAN);
    await a.commit();
    await db.close();
    const again = await openDb({ dir });
    const got = await samples(again);
    expect(got.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, b) => [String(b % 3), T + b, b]));
    expect(isStaleNaN(got[10][2])).toBe(true);
    expect(again.stats().series).toBe(3);
    await again.close();
  });

  it('repairs a torn tail at every cut inside the last record and keeps every earlier commit', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 5);
    await db.close();
    const segment = join(dir, 'wal', '00000001');
    const full = readFileSync(segment);
    const before = await openDb({ dir });
    const fullSize = before.stats().walBytes;
    await before.close();
    // The last commit is one samples record of 9 + 20 bytes.
    for (let cut = fullSize - 29 + 1; cut < fullSize; cut++) {
      writeFileSync(segment, full);
      truncateSync(segment, cut);
      const warnings: string[] = [];
      const reopened = await openDb({ dir, logger: { warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), info: () => {} } });
      expect((await samples(reopened)).map((s) => s[2])).toEqual([0, 1, 2, 3]);
      expect(warnings.join()).toMatch(new RegExp(`segment.*00000001.*"offset":${fullSize - 29}`));
      await reopened.close();
      expect(statSync(segment).size).toBe(fullSize - 29); // truncated at the last good record
    }
  });

  it('stops at a bit-flipped record, logs segment and offset, and starts', async () => {
    const dir = tmp();
    const db = await openDb({ dir });
    await writeBatches(db, 6);
    await db.close();
    const segment = join(dir, 'wal', '00000001');
    const bytes = readFileSync(segment);
    bytes[bytes.length - 29 * 2 + 15] ^= 0x10; // inside the payload of the 5th commit's samples record
    writeFileSync(segment, bytes);
    const warnings: string[] = [];
    const reopened = await openDb({ dir, logger: { warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), info: () => {} } });
    expect((await samples(reopened)).map((s) => s[2])).toEqual([0, 1, 2, 3]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/wal: torn or corrupt tail truncated .*"segment":".*00000001","offset":\d+,"dropped_bytes":58/);
    // It accepts new writes after the repair.
    const a = reopened.appender();
    a.append(0, labelsFrom({ __name__: 'w', batch: '9' }), T + 50, 50);
    await a.commit();
    await reopened.close();
    const third = await openDb({ dir });
    expect((await samples(third)).map((s) => s[2])).toEqual([0, 1, 2, 3, 50]);
    await third.close();
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
      expect(got, `[${a}, ${b}]`).toEqual(times.filter((x) => x >= a && x <= b));
    }
    await db.close();
  });
});
