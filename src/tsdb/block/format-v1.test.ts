/**
 * Blocks of format 1 (index v1, chunk records with their own timestamps and CRCs), as Pharos wrote
 * them before format 2: a stored block still opens, verifies, answers and compacts into format 2.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../model/matcher.ts';
import { CorruptBlockError, compact, openBlock, type Block } from './index.ts';
import { readSet, tmpDir, type ReadSeries } from './test-util.ts';

const FIXTURE = fileURLToPath(new URL('../../../testdata/tsdb/v1-block/', import.meta.url));
const ULID = '01HF0000000000000000000V1A';
const want = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as ReadSeries[];
const all = new Matcher('=~', '__name__', '.+');

/** A copy of the stored block in a new directory; returns the block directory. */
function copyFixture(): { dir: string; bdir: string } {
  const dir = tmpDir();
  cpSync(join(FIXTURE, ULID), join(dir, ULID), { recursive: true });
  return { dir, bdir: join(dir, ULID) };
}

async function readAll(b: Block, ...ms: Matcher[]): Promise<ReadSeries[]> {
  const q = await b.querier(-Infinity, Infinity);
  const out = readSet(await q.select({ start: -Infinity, end: Infinity }, ...(ms.length > 0 ? ms : [all])));
  q.close();
  return out;
}

describe('a block of format 1', () => {
  it.each(['full', 'quick'] as const)('opens (%s verification) and returns what it held, tombstones applied', async (verify) => {
    const { bdir } = copyFixture();
    const b = await openBlock(bdir, { verify, fsync: false });
    expect(b.meta.stats).toEqual({ numSamples: 560, numSeries: 4, numChunks: 7, numTombstones: 1 });
    expect(await readAll(b)).toEqual(want);
    expect((await readAll(b, new Matcher('=', 'job', 'b'))).map((s) => s.samples.length)).toEqual([146]);
    // The shorter list (up) is read, then filtered through job's: kept in it, or dropped by it.
    const up = (job: string) => want.filter((s) => s.labels.__name__ === 'up' && s.labels.job === job);
    expect(await readAll(b, new Matcher('=', '__name__', 'up'), new Matcher('=', 'job', 'a'))).toEqual(up('a'));
    expect(await readAll(b, new Matcher('=', '__name__', 'up'), new Matcher('!=', 'job', 'a'))).toEqual(up('b'));
    const q = await b.querier(-Infinity, Infinity);
    expect(await q.labelValues('job')).toEqual(['a', 'b']);
    q.close();
    await b.close();
  });

  it('compacts into a block of format 2 with the same samples', async () => {
    const { dir, bdir } = copyFixture();
    const old = await openBlock(bdir, { fsync: false });
    const meta = await compact(dir, [old], { fsync: false, deleteParents: false });
    await old.close();
    expect(readFileSync(join(dir, meta.ulid, 'index'))[4]).toBe(2);
    expect(readFileSync(join(dir, meta.ulid, 'chunks', '000001'))[4]).toBe(2);
    const b = await openBlock(join(dir, meta.ulid));
    expect(await readAll(b)).toEqual(want);
    expect(b.meta.stats.numSamples).toBe(560 - 4);
    await b.close();
  });

  it('still catches a flipped bit in its chunk records, at open and at query time', async () => {
    const { bdir } = copyFixture();
    const seg = join(bdir, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[30] ^= 0x10;
    writeFileSync(seg, bytes);
    await expect(openBlock(bdir)).rejects.toThrow(CorruptBlockError);
    const b = await openBlock(bdir, { verify: 'quick' });
    const q = await b.querier(-Infinity, Infinity);
    const set = await q.select({ start: -Infinity, end: Infinity }, all);
    readSet(set);
    expect(set.warnings().join('\n')).toMatch(/chunks\/000001 at offset 8: CRC mismatch/);
    q.close();
    await b.close();
  });
});
