/**
 * fanoutAppendable over the embedded store and real queues: what the primary refuses or rolls
 * back never reaches a queue; what it commits is in every queue's buffer when commit() resolves.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRemote, type FakeRemote } from '../../../test/peers/remote-write-receiver.ts';
import { silentLogger } from '../../log.ts';
import { labelsFrom } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import type { Appendable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { openDb, type Db } from '../../tsdb/db.ts';
import { parseRemoteWriteConfigs } from './config.ts';
import { fanoutAppendable } from './fanout.ts';
import { RemoteWriteQueue } from './queue.ts';

const T = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(names: string[], relabel: unknown[] = []): Promise<{ db: Db; remotes: FakeRemote[]; queues: RemoteWriteQueue[] }> {
  const db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-fanout-db-')) });
  cleanup.push(() => db.close());
  const remotes: FakeRemote[] = [];
  const queues: RemoteWriteQueue[] = [];
  const registry = new Registry();
  for (const name of names) {
    const r = await startFakeRemote();
    cleanup.push(() => r.close());
    const [config] = parseRemoteWriteConfigs([{ url: r.url, name, write_relabel_configs: name === 'relabelled' ? relabel : [], queue_config: { batch_send_deadline: '10ms' } }], 'remote_write');
    const q = await RemoteWriteQueue.open({ config, dir: mkdtempSync(join(tmpdir(), 'pharos-fanout-q-')), registry, logger: silentLogger });
    cleanup.push(() => q.close(500));
    remotes.push(r);
    queues.push(q);
  }
  return { db, remotes, queues };
}

async function stored(db: Db, name: string): Promise<string[]> {
  const q = await db.querier(0, T * 2);
  const set = await q.select({ start: 0, end: T * 2 }, new Matcher('=', '__name__', name));
  const out: string[] = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next() !== ValueType.None) out.push(`${set.at().labels.map((l) => l.value).join(',')}@${it.atT() - T}=${it.atV()}`);
  }
  q.close();
  return out;
}

const drained = async (qs: RemoteWriteQueue[]) => {
  const deadline = Date.now() + 10_000;
  while (!qs.every((q) => q.stats().idle)) {
    if (Date.now() > deadline) throw new Error('queues did not drain');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('fanoutAppendable', () => {
  it('commits to the primary, then to every queue (each with its own relabelling), before commit() resolves', async () => {
    const { db, remotes, queues } = await setup(['plain', 'relabelled'], [{ target_label: 'via', replacement: 'pharos' }]);
    const app = fanoutAppendable(db, queues);
    const a = labelsFrom({ __name__: 'fan_ok', k: 'a' });
    const b = labelsFrom({ __name__: 'fan_ok', k: 'b' });
    const ap = app.appender();
    let ref = ap.append(0, a, T, 1);
    ref = ap.append(ref, a, T + 1000, 2);
    ap.append(0, b, T, 3);
    ap.updateMetadata('fan_ok', { type: 'gauge', help: 'Fanout.', unit: '' });
    await ap.commit();
    // Durable everywhere at this point: in the store and in each queue's buffer.
    expect(await stored(db, 'fan_ok')).toEqual(['fan_ok,a@0=1', 'fan_ok,a@1000=2', 'fan_ok,b@0=3']);
    for (const q of queues) expect(q.stats().appendedSamples).toBe(3);
    await drained(queues);
    // Series travel on different shards, so they arrive in either order.
    const received = (i: number) => [...remotes[i].accepted.values()].sort((x, y) => x.labels.k.localeCompare(y.labels.k));
    expect(received(0)).toEqual([
      { labels: { __name__: 'fan_ok', k: 'a' }, t: [T, T + 1000], v: [1, 2] },
      { labels: { __name__: 'fan_ok', k: 'b' }, t: [T], v: [3] },
    ]);
    expect(received(1).map((s) => s.labels)).toEqual([
      { __name__: 'fan_ok', k: 'a', via: 'pharos' },
      { __name__: 'fan_ok', k: 'b', via: 'pharos' },
    ]);
    expect(remotes[0].metadata.get('fan_ok')).toEqual({ type: 'gauge', help: 'Fanout.', unit: '' });
  });

  it('keeps a sample the primary refuses out of the queues, with the same StorageError', async () => {
    const { db, remotes, queues } = await setup(['plain']);
    const app = fanoutAppendable(db, queues);
    const a = labelsFrom({ __name__: 'fan_ooo' });
    const ap = app.appender();
    ap.append(0, a, T + 5000, 1);
    let err: unknown;
    try {
      ap.append(0, a, T, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('out_of_order');
    ap.append(0, a, T + 6000, 3);
    await ap.commit();
    await drained(queues);
    expect(remotes[0].accepted.get('__name__=fan_ooo')).toEqual({ labels: { __name__: 'fan_ooo' }, t: [T + 5000, T + 6000], v: [1, 3] });
    expect(await stored(db, 'fan_ooo')).toEqual(['fan_ooo@5000=1', 'fan_ooo@6000=3']);
  });

  it('queues nothing on rollback or when the primary commit fails', async () => {
    const { db, queues } = await setup(['plain']);
    const ap = fanoutAppendable(db, queues).appender();
    ap.append(0, labelsFrom({ __name__: 'fan_rb' }), T, 1);
    ap.rollback();
    expect(queues[0].stats().appendedSamples).toBe(0);

    const failing: Appendable = {
      appender: () => ({ append: () => 1, updateMetadata: () => {}, commit: () => Promise.reject(new StorageError('unavailable', 'disk full')), rollback: () => {} }),
    };
    const ap2 = fanoutAppendable(failing, queues).appender();
    ap2.append(0, labelsFrom({ __name__: 'fan_fail' }), T, 1);
    await expect(ap2.commit()).rejects.toMatchObject({ code: 'unavailable' });
    expect(queues[0].stats().appendedSamples).toBe(0);
  });

  it('returns the primary itself when there are no queues', async () => {
    const { db } = await setup([]);
    expect(fanoutAppendable(db, [])).toBe(db);
  });
});
