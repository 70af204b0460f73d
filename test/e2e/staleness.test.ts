/**
 * End to end: a service that stops pushing has its series marked stale after the configured number
 * of missed export intervals, instead of lingering for the 5-minute lookback.
 */
import { expect, it } from 'vitest';
import { apiGet, eventually, startPharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

it('ends the series of a resource that stopped pushing after 3 missed intervals', async () => {
  const pharos = await startPharosProcess({ extraArgs: ['--otlp-stale-after-missed-exports=3'] });
  try {
    const push = async (v: number) => {
      const r = await fetch(`${pharos.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request('leaving', [gauge('queue.depth', [v], Date.now())])) });
      expect(r.status).toBe(200);
    };
    const current = async () => (await apiGet(pharos, `/api/v1/query?query=${encodeURIComponent('queue_depth{job="leaving"}')}`)).data.result.map((s: any) => s.value[1]);
    await push(1);
    await new Promise((r) => setTimeout(r, 1500)); // an export interval of 1.5 s
    await push(2);
    const lastPush = Date.now();
    expect(await current()).toEqual(['2']);
    // Three missed intervals (4.5 s) plus one sweep period (5 s) at most; far below the 5 min lookback.
    await eventually(async () => (await current()).length === 0, 15_000, 'the series to go stale');
    expect(Date.now() - lastPush).toBeGreaterThanOrEqual(4_500);
  } finally {
    await pharos.stop();
  }
});
