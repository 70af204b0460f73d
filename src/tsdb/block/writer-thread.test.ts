/** The block writer thread writes the very block writeBlock writes in-thread, and fails and aborts as it does. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareLabels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { prng } from '../../model/prng.ts';
import { ChunkEncoding } from '../chunkenc/index.ts';
import { openBlock } from './block.ts';
import { unpackSeries } from './packed-series.ts';
import { expected, packBlockSeries, readSet, testSeries, tmpDir, toBlockSeries, type TestSeries } from './test-util.ts';
import { writeBlock, type BlockSeries } from './writer.ts';
import { BlockWriterThread } from './writer-thread.ts';

const T = 1_700_000_000_000;
const all = new Matcher('=~', '__name__', '.+');
const writer = new BlockWriterThread();
afterAll(() => writer.close());

/** Every file of a block directory, by relative path. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) out[join(f.parentPath, f.name).slice(dir.length)] = readFileSync(join(f.parentPath, f.name)).toString('hex');
  }
  return out;
}

/** Series of a fleet in a shuffled order, as the head holds them (by ref, not by labels). */
function fleet(n: number): TestSeries[] {
  const rnd = prng(3);
  const out: TestSeries[] = [];
  for (let i = 0; i < n; i++) {
    const labels = { __name__: i % 3 === 0 ? 'http_requests_total' : 'up', service_name: `svc-${i % 17}`, instance: `i-${i}` };
    out.push(testSeries(labels, T, 200, 15_000, (k) => (i % 3 === 0 ? k * (i % 5) : rnd())));
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('BlockWriterThread', () => {
  it('writes the same bytes as writeBlock does in-thread, from series in any order', async () => {
    const series = fleet(3000);
    const input = (): BlockSeries[] => series.map((s) => toBlockSeries(s, 120, s.labels[0].value === 'http_requests_total' ? ChunkEncoding.Delta : ChunkEncoding.XOR));
    const options = { ulid: '01J0000000000000000000TEST', minTime: T, maxTime: T + 7_200_000, fsync: false };
    const inThread = tmpDir();
    await writeBlock(inThread, unpackSeries(packBlockSeries(input(), 5)), options);
    const onThread = tmpDir();
    const writing = writer.write(onThread, packBlockSeries(input(), 5), options);
    expect(writer.running).toBe(true);
    const meta = await writing;
    expect(writer.running).toBe(false); // the thread ends with its last write, and its memory with it
    expect(meta.stats).toMatchObject({ numSeries: 3000, numSamples: 3000 * 200 });
    expect(files(join(onThread, options.ulid))).toEqual(files(join(inThread, options.ulid)));
    const block = await openBlock(join(onThread, meta.ulid));
    const q = await block.querier(-Infinity, Infinity);
    expect(readSet(await q.select({ start: -Infinity, end: Infinity }, all))).toEqual(expected([...series].sort((a, b) => compareLabels(a.labels, b.labels))));
    q.close();
    await block.close();
  });

  it('moves the packed buffers to the thread instead of copying them', async () => {
    const packed = packBlockSeries(fleet(10).map((s) => toBlockSeries(s)));
    await writer.write(tmpDir(), packed, { fsync: false });
    expect(packed.bytes.byteLength).toBe(0);
    expect(packed.pairIds.byteLength).toBe(0);
  });

  it('rejects invalid input with the writer RangeError and leaves nothing behind', async () => {
    const dir = tmpDir();
    const s = toBlockSeries(testSeries({ a: '1' }, 0, 10, 1, (k) => k));
    await expect(writer.write(dir, packBlockSeries([s]), { minTime: 0, maxTime: 5 })).rejects.toThrow(RangeError);
    await expect(writer.write(dir, packBlockSeries([s, s]), {})).rejects.toThrow(/label order/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops a write when its signal aborts and removes the temporary directory, then writes the next block', async () => {
    const dir = tmpDir();
    const ac = new AbortController();
    const many = packBlockSeries(Array.from({ length: 20_000 }, (_, i) => toBlockSeries(testSeries({ __name__: 'm', i: String(i) }, 0, 2, 1000, (k) => k))));
    const write = writer.write(dir, many, { fsync: false }, ac.signal);
    ac.abort();
    await expect(write).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(dir)).toEqual([]);
    const next = await writer.write(dir, packBlockSeries([toBlockSeries(testSeries({ a: '1' }, 0, 3, 1, (k) => k))]), { fsync: false });
    expect(readdirSync(dir)).toEqual([next.ulid]);
  });

  it('rejects at once when the signal was aborted before', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(writer.write(tmpDir(), packBlockSeries([]), {}, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails the write in progress when the thread stops, and starts a new thread for the next', async () => {
    const own = new BlockWriterThread();
    const many = packBlockSeries(Array.from({ length: 20_000 }, (_, i) => toBlockSeries(testSeries({ __name__: 'm', i: String(i) }, 0, 2, 1000, (k) => k))));
    const write = own.write(tmpDir(), many, { fsync: false });
    await own.close();
    await expect(write).rejects.toThrow(/block writer thread exited/);
    const meta = await own.write(tmpDir(), packBlockSeries([toBlockSeries(testSeries({ __name__: 'after_restart' }, 0, 3, 1, (k) => k))]), { fsync: false });
    expect(meta.stats.numSeries).toBe(1);
    await own.close();
  });
});

