/**
 * RemoteWriteQueue against the real Prometheus (Debian's 2.42, --web.enable-remote-write-receiver):
 * series written through the queue are read back from its query API exactly, and the send rate
 * is measured. Fails (never skips) when /usr/bin/prometheus is missing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiQuery, startPrometheus, type ApiSeries, type PrometheusPeer } from '../../../test/peers/prometheus.ts';
import { createLogger } from '../../log.ts';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { parseRemoteWriteConfigs } from './config.ts';
import { RemoteWriteQueue } from './queue.ts';

let prom: PrometheusPeer;
beforeAll(async () => {
  prom = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
});
afterAll(async () => {
  await prom?.stop();
});

async function openQueue(name: string): Promise<RemoteWriteQueue> {
  const [config] = parseRemoteWriteConfigs([{ url: `${prom.url}/api/v1/write`, name, queue_config: { batch_send_deadline: '50ms' } }], 'remote_write');
  return RemoteWriteQueue.open({ config, dir: mkdtempSync(join(tmpdir(), 'pharos-rwq-prom-')), registry: new Registry(), logger: createLogger('warn') });
}

async function query(expr: string, timeMs: number): Promise<ApiSeries[]> {
  const answer = await apiQuery(prom.url, expr, { time: timeMs / 1000 });
  if (!answer.ok) throw new Error(`query ${expr} failed: ${answer.errorType}: ${answer.error}`);
  return answer.result as ApiSeries[];
}

async function drain(q: RemoteWriteQueue, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!q.stats().idle) {
    if (Date.now() > deadline) throw new Error(`queue did not drain: ${JSON.stringify(q.stats())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A sample value as Prometheus prints it, read back: Go's shortest representation round-trips
 * to the same float64, so equality here is bit-exact for everything but NaN payloads.
 */
function promValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s); // 'NaN' → NaN, which toEqual treats as equal to NaN
}

describe('RemoteWriteQueue → real Prometheus', () => {
  it('writes series that read back with exactly the same timestamps and values', async () => {
    const q = await openQueue('exact');
    // Recent, millisecond-precise timestamps Prometheus' head accepts.
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 1_800_000 + 123;
    const SERIES = 120;
    const STEPS = 60;
    const series: Labels[] = Array.from({ length: SERIES }, (_, i) => labelsFrom({ __name__: 'pharos_rwq_exact', i: String(i), job: 'rwq', note: i === 5 ? 'Zürich ✓ 東京' : '' }));
    const value = (i: number, k: number): number => {
      if (i === 0) return [Infinity, -Infinity, NaN][k % 3];
      if (i === 1) return -(k * 1e-3) - 1e-9;
      return i * 1000 + k + (i % 7) / 8;
    };
    const t = new Float64Array(SERIES);
    const v = new Float64Array(SERIES);
    for (let k = 0; k < STEPS; k++) {
      for (let i = 0; i < SERIES; i++) {
        t[i] = t0 + k * 15_000 + (i % 3);
        v[i] = value(i, k);
      }
      q.appendBatch({ n: SERIES, labels: series, t, v, metadata: k === 0 ? new Map([['pharos_rwq_exact', { type: 'gauge' as const, help: 'Queue conformance.', unit: '' }]]) : null });
    }
    await drain(q);
    expect(q.stats()).toMatchObject({ sentSamples: SERIES * STEPS, failedSamples: 0, droppedSamples: 0 });
    await q.close();

    const at = t0 + STEPS * 15_000;
    const got = await query('pharos_rwq_exact[1h]', at);
    expect(got).toHaveLength(SERIES);
    for (const s of got) {
      const i = Number(s.metric.i);
      const want = Array.from({ length: STEPS }, (_, k) => [(t0 + k * 15_000 + (i % 3)) / 1000, value(i, k)]);
      expect(s.values!.map(([ts, val]) => [ts, promValue(val)]), `series ${i}`).toEqual(want);
      expect(s.metric).toEqual({ __name__: 'pharos_rwq_exact', i: String(i), job: 'rwq', ...(i === 5 ? { note: 'Zürich ✓ 東京' } : {}) });
    }
  });

  it('sends at a measured rate (samples/s) with every sample counted by Prometheus', async () => {
    const q = await openQueue('throughput');
    const SERIES = 1000;
    const STEPS = 500;
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_000_000;
    const series: Labels[] = Array.from({ length: SERIES }, (_, i) => labelsFrom({ __name__: 'pharos_rwq_tput', i: String(i), job: 'rwq', instance: `host-${i % 50}:9100` }));
    const t = new Float64Array(SERIES);
    const v = new Float64Array(SERIES);
    const started = performance.now();
    for (let k = 0; k < STEPS; k++) {
      t.fill(t0 + k * 5000);
      for (let i = 0; i < SERIES; i++) v[i] = k * i;
      q.appendBatch({ n: SERIES, labels: series, t, v });
      if (k % 50 === 49) await new Promise((r) => setImmediate(r)); // let the shards run meanwhile
    }
    const appended = performance.now();
    await drain(q, 120_000);
    const done = performance.now();
    const total = SERIES * STEPS;
    const st = q.stats();
    await q.close();
    console.log(`remote write → Prometheus: ${total} samples appended in ${(appended - started).toFixed(0)} ms (${Math.round(total / ((appended - started) / 1000))}/s to disk), `
      + `all acknowledged after ${(done - started).toFixed(0)} ms: ${Math.round(total / ((done - started) / 1000))} samples/s end to end, ${st.requests} requests, 4 shards`);
    expect(st).toMatchObject({ sentSamples: total, failedSamples: 0, retriedSamples: 0 });
    const count = await query('sum(count_over_time(pharos_rwq_tput[1h]))', t0 + STEPS * 5000);
    expect(count[0].value![1]).toBe(String(total));
  });
});
