/**
 * The shared storage suite against blocks: a test store whose appender writes one block per
 * commit, queried through mergeQueriers over every block written so far.
 */
import { join } from 'node:path';
import { compareLabels, labelsKey, type Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Appendable, Appender, Deletable, MetricMetadata, Querier, Queryable, SeriesRef } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { runStorageSuite } from '../../storage/storage-suite.ts';
import { ChunkEncoding } from '../chunkenc/index.ts';
import { compact, mergeQueriers, openBlock, writeBlock, type Block } from './index.ts';
import { tmpDir, toBlockSeries } from './test-util.ts';

const MAX_FUTURE_MS = 10 * 60_000;

/** Samples of one series pending in an appender. */
interface Pending {
  readonly labels: Labels;
  t: number[];
  v: Float64Array;
  n: number;
}

/**
 * A read-only block store made writable for the suite: each commit becomes a new block; with
 * `compactEachCommit` the blocks are then compacted into one.
 */
class BlockPerCommitStore implements Appendable, Queryable, Deletable {
  blocks: Block[] = [];
  /** Compacted-away blocks, closed with the store (the suite leaves queriers open on them). */
  readonly #retired: Block[] = [];
  readonly #lastT = new Map<string, number>();
  constructor(readonly dir: string, readonly compactEachCommit: boolean) {}

  appender(): Appender {
    const store = this;
    const batch = new Map<string, Pending>();
    let done = false;
    return {
      append(_ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
        if (done) throw new Error('appender already committed or rolled back');
        const key = labelsKey(labels);
        let p = batch.get(key);
        const last = p && p.n > 0 ? p.t[p.n - 1] : (store.#lastT.get(key) ?? -Infinity);
        if (t > Date.now() + MAX_FUTURE_MS) throw new StorageError('out_of_bounds', `sample timestamp ${t} is too far in the future`);
        if (t < last) throw new StorageError('out_of_order', `out of order sample: ${t} before ${last}`);
        if (t === last) throw new StorageError('duplicate_sample', `duplicate sample for timestamp ${t}`);
        if (!p) batch.set(key, (p = { labels, t: [], v: new Float64Array(16), n: 0 }));
        if (p.n === p.v.length) {
          const nv = new Float64Array(p.n * 2);
          nv.set(p.v);
          p.v = nv;
        }
        p.t.push(t);
        p.v[p.n++] = v;
        return 0;
      },
      updateMetadata(_family: string, _metadata: MetricMetadata): void {},
      async commit(): Promise<void> {
        if (done) throw new Error('appender already committed or rolled back');
        done = true;
        if (batch.size === 0) return;
        const series = [...batch.values()].sort((a, b) => compareLabels(a.labels, b.labels));
        const input = series.map((p) => toBlockSeries({ labels: p.labels, t: new Float64Array(p.t), v: p.v.subarray(0, p.n) }, 120, ChunkEncoding.Delta));
        const meta = await writeBlock(store.dir, input, { fsync: false });
        store.blocks.push(await openBlock(join(store.dir, meta.ulid)));
        if (store.compactEachCommit && store.blocks.length > 1) {
          const merged = await compact(store.dir, store.blocks, { fsync: false });
          store.#retired.push(...store.blocks);
          store.blocks = [await openBlock(join(store.dir, merged.ulid))];
        }
        for (const [key, p] of batch) store.#lastT.set(key, p.t[p.n - 1]);
      },
      rollback(): void {
        done = true;
      },
    };
  }

  /** Queriers handed out; the suite does not close them, and Block.close() waits for open ones. */
  readonly #queriers: Querier[] = [];

  async querier(mint: number, maxt: number): Promise<Querier> {
    const q = mergeQueriers(await Promise.all(this.blocks.map((b) => b.querier(mint, maxt))));
    this.#queriers.push(q);
    return q;
  }

  /** Tombstones in every block (Block.delete). */
  async delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void> {
    for (const b of this.blocks) await b.delete(mint, maxt, matchers);
  }

  async close(): Promise<void> {
    for (const q of this.#queriers) q.close();
    for (const b of [...this.#retired, ...this.blocks]) await b.close();
  }
}

runStorageSuite('blocks (one block per commit, merged)', async () => {
  const store = new BlockPerCommitStore(tmpDir(), false);
  return { appendable: store, queryable: store, deletable: store, close: () => store.close() };
});

runStorageSuite('blocks (compacted into one after each commit)', async () => {
  const store = new BlockPerCommitStore(tmpDir(), true);
  return { appendable: store, queryable: store, deletable: store, close: () => store.close() };
});
