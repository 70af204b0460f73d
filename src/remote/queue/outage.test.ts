/**
 * The outage test, against the real Prometheus (Debian's 2.42): a producer appends steadily
 * through fanoutAppendable (embedded store + queue) while Prometheus is stopped for ~20 s and
 * restarted on the same port and data dir, and Pharos itself "restarts" during the outage (store
 * and queue closed and reopened on the same dirs). Afterwards every appended sample must be in
 * Prometheus exactly once. Prometheus drops exact duplicates silently, so a counting proxy in
 * front of it also checks that no sample was acknowledged twice. Fails (never skips) without
 * /usr/bin/prometheus.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { apiQuery, type ApiSeries } from '../../../test/peers/prometheus.ts';
import { startRestartablePrometheus, type RestartablePrometheus } from '../../../test/peers/prometheus-restartable.ts';
import { seriesKey, startFakeRemote, type FakeRemote } from '../../../test/peers/remote-write-receiver.ts';
import { createLogger } from '../../log.ts';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import type { Appendable } from '../../storage/interface.ts';
import { openDb, type Db } from '../../tsdb/db.ts';
import { parseRemoteWriteConfigs } from './config.ts';
import { fanoutAppendable } from './fanout.ts';
import { RemoteWriteQueue } from './queue.ts';

const SERIES = 300;
const TICK_MS = 100; // 300 series every 100 ms: 3000 samples/s
const OUTAGE_START_MS = 5_000;
const PHAROS_RESTART_MS = 12_000;
const OUTAGE_END_MS = 25_000;
const PRODUCE_UNTIL_MS = 30_000;

let prom: RestartablePrometheus | undefined;
let proxy: FakeRemote | undefined;
afterAll(async () => {
  await proxy?.close();
  await prom?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('remote write through a Prometheus outage and a Pharos restart', () => {
  it('delivers every appended sample exactly once', { timeout: 180_000 }, async () => {
    prom = await startRestartablePrometheus({ flags: ['--web.enable-remote-write-receiver'] });
    proxy = await startFakeRemote({ upstream: `${prom.url}/api/v1/write` });
    const [config] = parseRemoteWriteConfigs([{ url: proxy.url, name: 'outage' }], 'remote_write'); // Prometheus' defaults otherwise
    const dbDir = mkdtempSync(join(tmpdir(), 'pharos-outage-db-'));
    const queueDir = mkdtempSync(join(tmpdir(), 'pharos-outage-q-'));
    const logLines: string[] = [];
    const logger = createLogger('info', (l) => logLines.push(l));
    const registry = new Registry();

    const openPharos = async (): Promise<{ db: Db; queue: RemoteWriteQueue; appendable: Appendable }> => {
      const db = await openDb({ dir: dbDir });
      const queue = await RemoteWriteQueue.open({ config, dir: queueDir, registry, logger, flushTimeoutMs: 2000 });
      return { db, queue, appendable: fanoutAppendable(db, [queue], logger) };
    };
    let pharos = await openPharos();
    const queues = [pharos.queue];

    // The producer's log: the timestamps it appended (every series gets every tick).
    const series: Labels[] = Array.from({ length: SERIES }, (_, i) => labelsFrom({ __name__: 'pharos_rwq_outage', i: String(i), job: 'outage' }));
    const ticks: number[] = [];
    let restarting: Promise<void> | null = null;
    let lastT = 0;
    const start = Date.now();
    const events: string[] = [];
    const mark = (what: string) => events.push(`${((Date.now() - start) / 1000).toFixed(1)}s ${what}`);

    const producer = (async () => {
      let next = start;
      while (Date.now() - start < PRODUCE_UNTIL_MS) {
        if (restarting) await restarting;
        const t = Math.max(Date.now(), lastT + 1);
        const app = pharos.appendable.appender();
        for (let i = 0; i < SERIES; i++) app.append(0, series[i], t, ticks.length * SERIES + i);
        await app.commit();
        ticks.push(t);
        lastT = t;
        next += TICK_MS;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();

    await sleep(OUTAGE_START_MS);
    await prom.stop();
    mark('prometheus stopped');
    await sleep(PHAROS_RESTART_MS - OUTAGE_START_MS);
    restarting = (async () => {
      await pharos.queue.close();
      await pharos.db.close();
      mark(`pharos closed (queue sent ${pharos.queue.stats().sentSamples}, pending ${pharos.queue.stats().pending})`);
      pharos = await openPharos();
      queues.push(pharos.queue);
      mark('pharos reopened');
    })();
    await restarting;
    restarting = null;
    await sleep(OUTAGE_END_MS - (Date.now() - start));
    await prom.start();
    const promBack = Date.now();
    const backlog = ticks.length * SERIES;
    mark(`prometheus restarted with ${backlog - proxy.acceptedSamples()} samples waiting`);
    const backlogSent = (async () => {
      while (proxy.acceptedSamples() < backlog) await sleep(10);
      mark(`backlog sent (${Date.now() - promBack} ms after the restart)`);
    })();
    await producer;
    await backlogSent;
    mark(`producer stopped after ${ticks.length} ticks`);
    const deadline = Date.now() + 60_000;
    while (!pharos.queue.stats().idle) {
      if (Date.now() > deadline) throw new Error(`queue did not drain: ${JSON.stringify(pharos.queue.stats())}\n${logLines.join('\n')}`);
      await sleep(20);
    }
    mark('queue drained');
    await pharos.queue.close();
    await pharos.db.close();

    const total = ticks.length * SERIES;
    const sent = queues.reduce((a, q) => a + q.stats().sentSamples, 0);
    const retried = queues.reduce((a, q) => a + q.stats().retriedSamples, 0);
    const failedRequests = proxy.requests.filter((r) => r.status < 200 || r.status >= 300).length;
    console.log([
      `outage test: ${total} samples appended (${SERIES} series × ${ticks.length} ticks over ${PRODUCE_UNTIL_MS / 1000}s, ~${Math.round(total / (PRODUCE_UNTIL_MS / 1000))}/s)`,
      `  ${events.join('\n  ')}`,
      `  queue sent ${sent} (${queues.map((q) => q.stats().sentSamples).join(' + ')} before + after the restart), retried ${retried} sample-sends`,
      `  proxy: ${proxy.requests.length} requests, ${failedRequests} not acknowledged, ${proxy.acceptedSamples()} samples acknowledged`,
    ].join('\n'));

    // 1. No loss and no duplicate among acknowledged sends (the proxy saw every request).
    expect(ticks.length).toBeGreaterThan(200);
    expect(proxy.acceptedSamples()).toBe(total);
    expect(sent).toBe(total);
    for (let i = 0; i < SERIES; i++) {
      const got = proxy.accepted.get(seriesKey({ __name__: 'pharos_rwq_outage', i: String(i), job: 'outage' }));
      expect(got?.t, `series ${i}`).toEqual(ticks);
    }
    expect(await registry.metrics()).toContain(`pharos_remote_storage_samples_total{remote_name="outage",url="${proxy.url}"} ${total}`);
    expect(queues.reduce((a, q) => a + q.stats().failedSamples + q.stats().droppedSamples, 0)).toBe(0);

    // 2. Prometheus holds every sample: count per series, and the exact values of a few.
    const at = (lastT + 1) / 1000;
    const answer = await apiQuery(prom.url, 'count_over_time(pharos_rwq_outage[10m])', { time: at });
    if (!answer.ok) throw new Error(answer.error);
    const counts = answer.result as ApiSeries[];
    expect(counts).toHaveLength(SERIES);
    for (const c of counts) expect(c.value![1], `series ${c.metric.i}`).toBe(String(ticks.length));
    for (const i of [0, 150, 299]) {
      const raw = await apiQuery(prom.url, `pharos_rwq_outage{i="${i}"}[10m]`, { time: at });
      if (!raw.ok) throw new Error(raw.error);
      expect((raw.result as ApiSeries[])[0].values).toEqual(ticks.map((t, k) => [t / 1000, String(k * SERIES + i)]));
    }
  });
});
