/** Compaction: merging overlapping blocks, dropping deleted samples, crash safety, corrupt inputs. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabels, labelsToObject } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN } from '../../model/value.ts';
import { ChunkEncoding } from '../chunkenc/index.ts';
import { compact, openBlock, openBlocks, planCompaction, writeBlock, type Block } from './index.ts';
import { bits, readSet, testSeries, tmpDir, toBlockSeries, type ReadSeries, type TestSeries } from './test-util.ts';

const T = 1_700_000_000_000;
const H = 3_600_000;
const all = new Matcher('=~', '__name__', '.+');

async function makeBlock(dir: string, series: TestSeries[], range: [number, number], encoding: ChunkEncoding = ChunkEncoding.XOR): Promise<Block> {
  const sorted = [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  const meta = await writeBlock(dir, sorted.map((s) => toBlockSeries(s, 120, encoding)), { minTime: range[0], maxTime: range[1], fsync: false });
  return openBlock(join(dir, meta.ulid), { fsync: false });
}

async function readAll(b: Block): Promise<ReadSeries[]> {
  const q = await b.querier(-Infinity, Infinity);
  const out = readSet(await q.select({ start: -Infinity, end: Infinity }, all));
  q.close();
  return out;
}

/** The merge of series lists where later lists win on equal timestamps, as readSet prints it. */
function merged(...lists: TestSeries[][]): ReadSeries[] {
  const byKey = new Map<string, { labels: Record<string, string>; samples: Map<number, string> }>();
  for (const list of lists) {
    for (const s of list) {
      const key = JSON.stringify(labelsToObject(s.labels));
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { labels: labelsToObject(s.labels), samples: new Map() }));
      for (let i = 0; i < s.t.length; i++) e.samples.set(s.t[i], bits(s.v[i]));
    }
  }
  const all = lists.flat().sort((a, b) => compareLabels(a.labels, b.labels));
  const seen = new Set<string>();
  const out: ReadSeries[] = [];
  for (const s of all) {
    const key = JSON.stringify(labelsToObject(s.labels));
    if (seen.has(key)) continue;
    seen.add(key);
    const e = byKey.get(key)!;
    out.push({ labels: e.labels, samples: [...e.samples].sort((a, b) => a[0] - b[0]) });
  }
  return out;
}

describe('compact', () => {
  it('merges overlapping blocks: series by labels, one sample per timestamp (the later block wins)', async () => {
    const dir = tmpDir();
    const a = [
      testSeries({ __name__: 'x', job: 'a' }, T, 480, 15_000, (i) => i), // T .. T+2h
      testSeries({ __name__: 'only_a' }, T, 100, 60_000, (i) => (i === 50 ? STALE_NAN : i)),
    ];
    const b = [
      testSeries({ __name__: 'x', job: 'a' }, T + H, 480, 15_000, (i) => 1000 + i), // T+1h .. T+3h, half the timestamps shared
      testSeries({ __name__: 'x', job: 'b' }, T + H + 7, 300, 10_000, (i) => -i),
    ];
    const c = [testSeries({ __name__: 'x', job: 'a' }, T + 30 * 60_000 + 5000, 100, 30_000, (i) => 5000 + i)]; // off the 15 s grid
    const blocks = [await makeBlock(dir, a, [T, T + 2 * H]), await makeBlock(dir, b, [T + H, T + 3 * H], ChunkEncoding.Delta), await makeBlock(dir, c, [T, T + 2 * H])];
    const meta = await compact(dir, blocks, { fsync: false });
    expect(meta.minTime).toBe(T);
    expect(meta.maxTime).toBe(T + 3 * H);
    expect(meta.compaction.level).toBe(2);
    expect(meta.compaction.sources).toEqual(blocks.map((x) => x.ulid).sort());
    expect(meta.compaction.parents!.map((p) => p.ulid)).toEqual(blocks.map((x) => x.ulid));
    expect(readdirSync(dir).sort()).toEqual([meta.ulid]); // parents removed once the new block was in place

    const out = await openBlock(join(dir, meta.ulid));
    const want = merged(a, b, c);
    expect(await readAll(out)).toEqual(want);
    expect(out.meta.stats.numSamples).toBe(want.reduce((n, s) => n + s.samples.length, 0));
    expect(out.meta.stats.numSeries).toBe(3);
    await out.close();
    for (const b of blocks) await b.close(); // still readable until closed
  });

  it('copies chunks that overlap nothing as they are', async () => {
    const dir = tmpDir();
    const s1 = [testSeries({ __name__: 'm', i: '1' }, T, 240, 15_000, (i) => i * 0.1)];
    const s2 = [testSeries({ __name__: 'm', i: '1' }, T + 2 * H, 240, 15_000, (i) => i * 0.2), testSeries({ __name__: 'm', i: '2' }, T + 2 * H, 10, 15_000, (i) => i)];
    const blocks = [await makeBlock(dir, s1, [T, T + 2 * H], ChunkEncoding.Delta), await makeBlock(dir, s2, [T + 2 * H, T + 4 * H], ChunkEncoding.XOR)];
    const chunkBytes = blocks.map((b) => readFileSync(join(b.dir, 'chunks', '000001')).subarray(8));
    const meta = await compact(dir, blocks, { fsync: false });
    expect(meta.stats.numChunks).toBe(blocks[0].meta.stats.numChunks + blocks[1].meta.stats.numChunks);
    // The new segment holds the parents' chunk records byte for byte, in label order.
    const out = readFileSync(join(dir, meta.ulid, 'chunks', '000001')).subarray(8);
    expect(out.includes(chunkBytes[0])).toBe(true);
    const ob = await openBlock(join(dir, meta.ulid));
    expect(await readAll(ob)).toEqual(merged(s1, s2));
    await ob.close();
  });

  it('drops deleted samples and wholly deleted series; the new block has no tombstones', async () => {
    const dir = tmpDir();
    const s1 = [testSeries({ __name__: 'm', i: '1' }, T, 480, 15_000, (i) => i), testSeries({ __name__: 'm', i: '2' }, T, 480, 15_000, (i) => i)];
    const s2 = [testSeries({ __name__: 'm', i: '1' }, T + 2 * H, 480, 15_000, (i) => i)];
    const blocks = [await makeBlock(dir, s1, [T, T + 2 * H]), await makeBlock(dir, s2, [T + 2 * H, T + 4 * H])];
    await blocks[0].delete(T + 10 * 60_000, T + 40 * 60_000, [new Matcher('=', 'i', '1')]);
    await blocks[0].delete(-Infinity, Infinity, [new Matcher('=', 'i', '2')]);
    await blocks[1].delete(T + 2 * H, T + 2 * H + 30 * 60_000 - 1, [new Matcher('=', 'i', '1')]);
    const meta = await compact(dir, blocks, { fsync: false });
    expect(meta.stats.numTombstones).toBe(0);
    expect(meta.stats.numSeries).toBe(1);
    const out = await openBlock(join(dir, meta.ulid));
    const got = await readAll(out);
    expect(got.map((s) => s.labels.i)).toEqual(['1']);
    const ts = got[0].samples.map((x) => x[0]);
    expect(ts.length).toBe(480 - 121 + 480 - 120);
    expect(ts.some((t) => t >= T + 10 * 60_000 && t <= T + 40 * 60_000)).toBe(false);
    expect(ts.some((t) => t >= T + 2 * H && t < T + 2 * H + 30 * 60_000)).toBe(false);
    expect(readFileSync(join(out.dir, 'tombstones')).length).toBe(9);
    await out.close();
  });

  it('compacts a compacted block again: level max + 1, sources the union', async () => {
    const dir = tmpDir();
    const mk = (i: number) => makeBlock(dir, [testSeries({ __name__: 'm' }, T + i * 2 * H, 10, 60_000, (k) => k)], [T + i * 2 * H, T + (i + 1) * 2 * H]);
    const l1 = [await mk(0), await mk(1), await mk(2)];
    const m2 = await compact(dir, l1, { fsync: false });
    const b2 = await openBlock(join(dir, m2.ulid));
    const b3 = await mk(3);
    const m3 = await compact(dir, [b2, b3], { fsync: false });
    expect(m3.compaction.level).toBe(3);
    expect(m3.compaction.sources).toEqual([...l1.map((b) => b.ulid), b3.ulid].sort());
    expect(m3.stats.numSamples).toBe(40);
  });

  it('a crash after the rename leaves parents that openBlocks deletes; a crash before leaves a temporary directory it removes', async () => {
    const dir = tmpDir();
    const mk = (i: number) => makeBlock(dir, [testSeries({ __name__: 'm' }, T + i * 2 * H, 10, 60_000, (k) => k)], [T + i * 2 * H, T + (i + 1) * 2 * H]);
    const parents = [await mk(0), await mk(1)];
    const other = await mk(2);
    const meta = await compact(dir, parents, { fsync: false, deleteParents: false });
    for (const b of [...parents, other]) await b.close();
    mkdirSync(join(dir, '01J00000000000000000000000.tmp-for-creation', 'chunks'), { recursive: true });
    writeFileSync(join(dir, '01J00000000000000000000000.tmp-for-creation', 'index'), 'partial');
    mkdirSync(join(dir, '01J00000000000000000000001.tmp-for-deletion'));
    const { blocks, report } = await openBlocks(dir, { fsync: false });
    expect(report.deletedParents.sort()).toEqual(parents.map((b) => b.ulid).sort());
    expect(report.removedTmp.sort()).toEqual(['01J00000000000000000000000.tmp-for-creation', '01J00000000000000000000001.tmp-for-deletion']);
    expect(blocks.map((b) => b.ulid)).toEqual([meta.ulid, other.ulid]);
    expect(report.loaded).toEqual([meta.ulid, other.ulid]);
    expect(readdirSync(dir).sort()).toEqual([meta.ulid, other.ulid].sort());
    for (const b of blocks) await b.close();
  });

  it('a corrupt chunk fails the compaction, names block and series, marks the block failed and leaves no new block', async () => {
    const dir = tmpDir();
    const T0 = 1_699_992_000_000; // a multiple of 4h, so blocks 0 and 1 fill one 4h range
    const mk = (i: number) => makeBlock(dir, [testSeries({ __name__: 'm', i: String(i) }, T0 + i * 2 * H, 10, 60_000, (k) => k)], [T0 + i * 2 * H, T0 + (i + 1) * 2 * H]);
    const b0 = await mk(0);
    await b0.close();
    const seg = join(b0.dir, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[20] ^= 0x01;
    writeFileSync(seg, bytes);
    const bad = await openBlock(b0.dir, { verify: 'quick' });
    const good = await mk(1);
    await expect(compact(dir, [bad, good], { fsync: false })).rejects.toThrow(new RegExp(`block ${bad.ulid}: series \\{__name__="m", i="0"\\}: chunks/000001 at offset 8: CRC mismatch`));
    expect(bad.meta.compaction.failed).toBe(true);
    expect(JSON.parse(readFileSync(join(bad.dir, 'meta.json'), 'utf8')).compaction.failed).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([bad.ulid, good.ulid].sort());
    expect(existsSync(bad.dir) && existsSync(good.dir)).toBe(true);
    // The planner no longer picks it.
    const third = await mk(2);
    const { failed: _, ...healthy } = bad.meta.compaction;
    expect(planCompaction([{ ...bad.meta, compaction: healthy }, good.meta, third.meta], [2 * H, 4 * H]).map((m) => m.ulid)).toEqual([bad.ulid, good.ulid]);
    expect(planCompaction([bad.meta, good.meta, third.meta], [2 * H, 4 * H])).toEqual([]);
  });
});
