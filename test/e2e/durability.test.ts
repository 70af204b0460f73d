/**
 * End to end: every write Pharos acknowledged with 200 is still there after `kill -9` and a
 * restart on the same data directory, and delta counters continue from their persisted totals.
 */
import { describe, expect, it } from 'vitest';
import { apiGet, startPharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

const post = (url: string, doc: unknown) => fetch(url, { method: 'POST', body: JSON.stringify(doc), headers: { 'Content-Type': 'application/json' } });

function deltaSum(name: string, value: number, startMs: number, timeMs: number) {
  return { name, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: String(value), startTimeUnixNano: `${startMs}000000`, timeUnixNano: `${timeMs}000000` }] } };
}

describe('durability', () => {
  it('keeps every acknowledged sample across SIGKILL', async () => {
    const first = await startPharosProcess();
    const base = Date.now() - 20 * 60_000;
    const acked: number[] = [];
    // Write sequentially until killed; each request carries one sample at base + i s.
    let killed = false;
    const writer = (async () => {
      for (let i = 0; !killed && i < 5000; i++) {
        try {
          const r = await post(`${first.otlpHttpUrl}/v1/metrics`, request('durable', [gauge('durable.seq', [i], base + i * 1000)]));
          if (r.status === 200) acked.push(i);
        } catch { return; } // connection cut by the kill
      }
    })();
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 20));
    await first.kill();
    killed = true;
    await writer;
    expect(acked.length).toBeGreaterThanOrEqual(300);

    const second = await startPharosProcess({ dataDir: first.dataDir });
    try {
      const last = acked[acked.length - 1];
      const q = encodeURIComponent('durable_seq{job="durable"}');
      const body = await apiGet(second, `/api/v1/query_range?query=${q}&start=${base / 1000}&end=${(base + last * 1000) / 1000}&step=1`);
      expect(body.status).toBe('success');
      expect(body.data.result).toHaveLength(1);
      const values: Array<[number, string]> = body.data.result[0].values;
      // The value at step i is sample i itself exactly when sample i survived.
      const missing = acked.filter((i) => values[i]?.[1] !== String(i));
      expect(missing).toEqual([]);
      expect(values.length).toBe(last + 1);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('continues delta counters from their persisted totals after SIGKILL', async () => {
    const first = await startPharosProcess();
    const t0 = Date.now() - 60_000;
    const url = (p: { otlpHttpUrl: string }) => `${p.otlpHttpUrl}/v1/metrics`;
    expect((await post(url(first), request('delta', [deltaSum('jobs.done', 5, t0, t0 + 10_000)]))).status).toBe(200);
    expect((await post(url(first), request('delta', [deltaSum('jobs.done', 3, t0 + 10_000, t0 + 20_000)]))).status).toBe(200);
    await first.kill();

    const second = await startPharosProcess({ dataDir: first.dataDir });
    try {
      expect((await post(url(second), request('delta', [deltaSum('jobs.done', 2, t0 + 20_000, t0 + 30_000)]))).status).toBe(200);
      const q = encodeURIComponent('jobs_done_total{job="delta"}');
      const body = await apiGet(second, `/api/v1/query_range?query=${q}&start=${(t0 + 10_000) / 1000}&end=${(t0 + 30_000) / 1000}&step=10`);
      expect(body.data.result).toHaveLength(1);
      expect(body.data.result[0].values.map((v: [number, string]) => v[1])).toEqual(['5', '8', '10']);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
