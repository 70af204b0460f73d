/**
 * Corrupt blocks: every flipped byte of the index and chunk segments is caught at open; openBlocks
 * quarantines a bad block with a report while the others still answer; a bad chunk found at query
 * time is a warning naming block and series.
 */
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN } from '../../model/value.ts';
import { CorruptBlockError, openBlock, openBlocks, writeBlock, type Block } from './index.ts';
import { readSet, testSeries, tmpDir, toBlockSeries, type ReadSeries } from './test-util.ts';

const T = 1_700_000_000_000;
const H = 3_600_000;
const all = new Matcher('=~', '__name__', '.+');

/** Writes block i of a db: 3 series, 2 chunks each, in [T + 2h·i, T + 2h·(i+1)). */
async function writeTestBlock(dbDir: string, i: number, opts: { pageBytes?: number } = {}): Promise<string> {
  const series = ['a', 'b', 'c']
    .map((job) => testSeries({ __name__: 'm', job, block: String(i) }, T + i * 2 * H, 150, 30_000, (k) => (k === 149 ? STALE_NAN : k * 1.5)))
    .sort((x, y) => compareLabels(x.labels, y.labels));
  const meta = await writeBlock(dbDir, series.map((s) => toBlockSeries(s, 100)), { minTime: T + i * 2 * H, maxTime: T + (i + 1) * 2 * H, fsync: false, ...opts });
  return meta.ulid;
}

async function readAll(b: Block): Promise<ReadSeries[]> {
  const q = await b.querier(-Infinity, Infinity);
  const out = readSet(await q.select({ start: -Infinity, end: Infinity }, all));
  q.close();
  return out;
}

async function openError(dir: string): Promise<CorruptBlockError | null> {
  try {
    const b = await openBlock(dir);
    await b.close();
    return null;
  } catch (err) {
    if (err instanceof CorruptBlockError) return err;
    throw err;
  }
}

describe('verification at open', () => {
  it.each(['index', 'chunks/000001', 'tombstones'])('catches a flipped bit in every byte of %s', async (file) => {
    const dir = tmpDir();
    const bdir = join(dir, await writeTestBlock(dir, 0));
    if (file === 'tombstones') {
      const b = await openBlock(bdir, { fsync: false });
      await b.delete(T, T + 60_000, [new Matcher('=', 'job', 'b')]);
      await b.close();
    }
    const path = join(bdir, file);
    const orig = readFileSync(path);
    for (let i = 0; i < orig.length; i++) {
      const bad = Buffer.from(orig);
      bad[i] ^= 1 << i % 8;
      writeFileSync(path, bad);
      const err = await openError(bdir);
      expect(err, `flip of bit ${i % 8} at byte ${i}`).not.toBeNull();
      expect(err!.file).toBe(file);
    }
    writeFileSync(path, orig);
    expect(await openError(bdir)).toBeNull();
  });

  it.each(['index', 'chunks/000001', 'tombstones', 'meta.json'])('catches %s truncated at any length', async (file) => {
    const dir = tmpDir();
    const bdir = join(dir, await writeTestBlock(dir, 0));
    const path = join(bdir, file);
    const orig = readFileSync(path);
    // meta.json ends with a newline that JSON does not need; every other cut loses something.
    const end = file === 'meta.json' ? orig.length - 1 : orig.length;
    const cuts = [0, 1, 4, 5, 8, 9, Math.floor(orig.length / 2), end - 5, end - 4, end - 1].filter((c) => c < end);
    for (const cut of cuts) {
      writeFileSync(path, orig);
      truncateSync(path, cut);
      const err = await openError(bdir);
      expect(err, `cut at ${cut}`).not.toBeNull();
      expect(err!.file).toBe(file);
    }
  });

  it('meta.json has no checksum (as in Prometheus): a flipped bit is caught or changes nothing the data depends on', async () => {
    const dir = tmpDir();
    const bdir = join(dir, await writeTestBlock(dir, 0));
    const good = await openBlock(bdir);
    const want = await readAll(good);
    await good.close();
    const path = join(bdir, 'meta.json');
    const orig = readFileSync(path);
    let caught = 0;
    for (let i = 0; i < orig.length; i++) {
      const bad = Buffer.from(orig);
      bad[i] ^= 1 << i % 8;
      writeFileSync(path, bad);
      try {
        const b = await openBlock(bdir);
        // Survivors: whitespace, an unknown key, a wider time range; the data reads the same.
        expect(await readAll(b), `flip at ${i}`).toEqual(want);
        expect(b.meta.stats).toEqual({ ...JSON.parse(orig.toString()).stats, numTombstones: 0 });
        await b.close();
      } catch (err) {
        if (!(err instanceof CorruptBlockError)) throw err;
        expect(err.file).toBe('meta.json');
        caught++;
      }
    }
    expect(caught / orig.length).toBeGreaterThan(0.85);
  });

  it.each<[string, (bdir: string) => void, string, RegExp]>([
    ['meta.json with another ULID', (d) => writeFileSync(join(d, 'meta.json'), readFileSync(join(d, 'meta.json'), 'utf8').replace(/"ulid": "(\w+)"/, '"ulid": "01H00000000000000000000000"')), 'meta.json', /does not match the directory/],
    ['meta.json counting another number of series', (d) => writeFileSync(join(d, 'meta.json'), readFileSync(join(d, 'meta.json'), 'utf8').replace('"numSeries": 3', '"numSeries": 4')), 'meta.json', /numSeries is 4, the index holds 3/],
    ['meta.json counting another number of samples', (d) => writeFileSync(join(d, 'meta.json'), readFileSync(join(d, 'meta.json'), 'utf8').replace('"numSamples": 450', '"numSamples": 451')), 'meta.json', /numSamples is 451, the chunks hold 450/],
    ['meta.json with a range narrower than the data', (d) => writeFileSync(join(d, 'meta.json'), readFileSync(join(d, 'meta.json'), 'utf8').replace(`"maxTime": ${T + 2 * H}`, `"maxTime": ${T + 3_000_000}`)), 'meta.json', /outside \[minTime, maxTime\)/],
    ['meta.json missing', (d) => rmSync(join(d, 'meta.json')), 'meta.json', /missing/],
    ['index missing', (d) => rmSync(join(d, 'index')), 'index', /missing/],
    ['the only chunk segment missing', (d) => rmSync(join(d, 'chunks', '000001')), 'chunks', /no segment files/],
    ['the chunks directory missing', (d) => rmSync(join(d, 'chunks'), { recursive: true }), 'chunks', /missing/],
    ['tombstones missing', (d) => rmSync(join(d, 'tombstones')), 'tombstones', /missing/],
    ['a stray segment file', (d) => writeFileSync(join(d, 'chunks', '000003'), readFileSync(join(d, 'chunks', '000001'))), 'chunks/000003', /unexpected file, want 000002/],
    ['bytes after the last chunk', (d) => writeFileSync(join(d, 'chunks', '000001'), Buffer.concat([readFileSync(join(d, 'chunks', '000001')), Buffer.from([0])])), 'chunks/000001', /not referenced by the index/],
  ])('rejects %s', async (_name, damage, file, reason) => {
    const dir = tmpDir();
    const bdir = join(dir, await writeTestBlock(dir, 0));
    damage(bdir);
    const err = await openError(bdir);
    expect(err?.file).toBe(file);
    expect(err?.reason).toMatch(reason);
  });
});

describe('openBlocks', () => {
  it.each<[string, string, (path: string) => void]>([
    ['index truncated', 'index', (p) => truncateSync(p, 100)],
    ['index bit-flipped', 'index', (p) => flip(p, 0.6)],
    ['chunk segment truncated', 'chunks/000001', (p) => truncateSync(p, readFileSync(p).length - 3)],
    ['chunk segment bit-flipped', 'chunks/000001', (p) => flip(p, 0.5)],
    ['meta.json truncated', 'meta.json', (p) => truncateSync(p, 40)],
    ['meta.json bit-flipped', 'meta.json', (p) => flip(p, 0, 0x20)], // '{' → '['
  ])('quarantines a block with its %s, reports it, and the other blocks still answer', async (_name, file, damage) => {
    const db = tmpDir();
    const ulids = [await writeTestBlock(db, 0), await writeTestBlock(db, 1), await writeTestBlock(db, 2)];
    const good = await Promise.all([0, 2].map(async (i) => readAll(await openBlock(join(db, ulids[i])))));
    damage(join(db, ulids[1], file));
    const logs: string[] = [];
    const logger = { warn: (msg: string, f?: Record<string, unknown>) => logs.push(`${msg} ${JSON.stringify(f)}`), info: () => {} };
    const { blocks, report } = await openBlocks(db, { logger });
    expect(blocks.map((b) => b.ulid)).toEqual([ulids[0], ulids[2]]);
    expect(report.loaded).toEqual([ulids[0], ulids[2]]);
    expect(report.quarantined).toHaveLength(1);
    expect(report.quarantined[0]).toMatchObject({ ulid: ulids[1], file, movedTo: join(db, 'quarantine', ulids[1]) });
    expect(existsSync(join(db, ulids[1]))).toBe(false);
    expect(existsSync(join(db, 'quarantine', ulids[1], file))).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('quarantined');
    expect(logs[0]).toContain(ulids[1]);
    expect(logs[0]).toContain(`"file":"${file}"`);
    expect(await readAll(blocks[0])).toEqual(good[0]);
    expect(await readAll(blocks[1])).toEqual(good[1]);
    for (const b of blocks) await b.close();
    // Reopening finds the same healthy blocks and nothing new to quarantine.
    const again = await openBlocks(db);
    expect(again.report.quarantined).toEqual([]);
    expect(again.blocks.map((b) => b.ulid)).toEqual([ulids[0], ulids[2]]);
    for (const b of again.blocks) await b.close();
  });

  it('does not delete the parents of a compacted block that is corrupt', async () => {
    const db = tmpDir();
    const parents = [await writeTestBlock(db, 0), await writeTestBlock(db, 1)];
    const { compact } = await import('./compact.ts');
    const opened = await Promise.all(parents.map((u) => openBlock(join(db, u))));
    const meta = await compact(db, opened, { fsync: false, deleteParents: false });
    for (const b of opened) await b.close();
    flip(join(db, meta.ulid, 'index'), 0.3);
    const { blocks, report } = await openBlocks(db);
    expect(report.quarantined.map((q) => q.ulid)).toEqual([meta.ulid]);
    expect(report.deletedParents).toEqual([]);
    expect(blocks.map((b) => b.ulid)).toEqual(parents);
    for (const b of blocks) await b.close();
  });
});

describe('a corrupt chunk found at query time', () => {
  it('is a warning naming the block and the series; other series and chunks still read', async () => {
    const dir = tmpDir();
    // A CRC covers a page of chunks; with 1-byte pages every chunk (and column) has a page of its own.
    const ulid = await writeTestBlock(dir, 0, { pageBytes: 1 });
    const bdir = join(dir, ulid);
    const good = await openBlock(bdir);
    const healthy = await readAll(good);
    // Flip a byte in the values of the second chunk of series job="a" (samples 100..149).
    const r = good.reader();
    const chunk = r.index.series(r.index.postings('job', 'a')[0]).chunks[1];
    r.release();
    await good.close();
    const first = chunk.ref; // segment 0, so the ref is the offset
    const seg = join(bdir, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[first + Math.floor(chunk.len / 2)] ^= 0x08;
    writeFileSync(seg, bytes);
    expect((await openError(bdir))?.reason).toMatch(/CRC mismatch/); // full verification catches it

    const block = await openBlock(bdir, { verify: 'quick' });
    const q = await block.querier(-Infinity, Infinity);
    const set = await q.select({ start: -Infinity, end: Infinity }, all);
    const got = readSet(set);
    expect(got.map((s) => s.samples.length)).toEqual([100, 150, 150]);
    expect(got[0].samples).toEqual(healthy[0].samples.slice(0, 100));
    expect(got.slice(1)).toEqual(healthy.slice(1));
    expect(set.warnings()).toEqual([`block ${ulid}: series {__name__="m", block="0", job="a"}: chunks/000001 at offset ${first}: CRC mismatch ${set.warnings()[0].split('CRC mismatch ')[1]}`]);
    q.close();
    await block.close();
  });
});

/** Flips one bit of the byte at `at` (a fraction of the file length). */
function flip(path: string, at: number, mask = 0x10): void {
  const b = readFileSync(path);
  const i = Math.min(b.length - 1, Math.floor(b.length * at));
  b[i] ^= mask;
  writeFileSync(path, b);
}
