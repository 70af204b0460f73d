/**
 * End to end: late OTLP points. By default a point older than its series' newest is refused with
 * reason out_of_order, reported in partial_success and counted on /metrics; with
 * --storage-out-of-order-time-window it is stored, queryable at once, and still there after a
 * SIGKILL and restart (the WAL), while one older than the window is refused as too_old.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { apiGet, startPharosProcess, type PharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

const running: PharosProcess[] = [];
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) await p.stop();
});

async function start(extraArgs: string[] = [], dataDir?: string): Promise<PharosProcess> {
  const p = await startPharosProcess({ extraArgs, ...(dataDir ? { dataDir } : {}) });
  running.push(p);
  return p;
}

async function push(p: PharosProcess, t: number, value: number): Promise<{ status: number; body: any }> {
  const r = await fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request('late', [gauge('late.value', [value], t)])) });
  return { status: r.status, body: await r.json() };
}

/** Seconds (relative to `base`) and values of late_value within the last 30 minutes of `at`. */
async function samples(p: PharosProcess, at: number, base: number): Promise<Array<[number, string]>> {
  const body = await apiGet(p, `/api/v1/query?query=${encodeURIComponent('late_value{job="late"}[30m]')}&time=${at / 1000}`);
  expect(body.status).toBe('success');
  return body.data.result.length === 0 ? [] : body.data.result[0].values.map(([t, v]: [number, string]) => [Math.round(t - base / 1000), v]);
}

function rejected(metrics: string, reason: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`pharos_receiver_points_rejected_total{receiver="otlp",protocol="http/json",reason="${reason}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('late points', () => {
  it('are refused as out_of_order by default: partial_success and a counted reason', async () => {
    const p = await start();
    const t = Date.now() - 60_000;
    expect(await push(p, t, 1)).toEqual({ status: 200, body: {} });
    const late = await push(p, t - 30_000, 2);
    expect(late.status).toBe(200);
    expect(late.body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(late.body.partialSuccess.errorMessage).toMatch(/out of order sample: timestamp \d+ is before the series' last \d+/);
    expect(rejected(await (await fetch(`${p.apiUrl}/metrics`)).text(), 'out_of_order')).toBe(1);
    expect(await samples(p, t + 1000, t)).toEqual([[0, '1']]);
    await p.stop();
  });

  it('are stored within the out-of-order window, survive SIGKILL, and are too_old beyond it', async () => {
    const p = await start(['--storage-out-of-order-time-window=10m']);
    const t = Date.now() - 60_000;
    expect(await push(p, t, 1)).toEqual({ status: 200, body: {} });
    expect(await push(p, t - 30_000, 2)).toEqual({ status: 200, body: {} });
    expect(await push(p, t - 5 * 60_000, 3)).toEqual({ status: 200, body: {} });
    const tooOld = await push(p, t - 11 * 60_000, 4);
    expect(tooOld.body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(tooOld.body.partialSuccess.errorMessage).toMatch(/too old sample: .* out-of-order window \(600000 ms\)/);
    expect(rejected(await (await fetch(`${p.apiUrl}/metrics`)).text(), 'too_old')).toBe(1);
    const want: Array<[number, string]> = [[-300, '3'], [-30, '2'], [0, '1']];
    expect(await samples(p, t + 1000, t)).toEqual(want);

    await p.kill();
    const again = await start(['--storage-out-of-order-time-window=10m'], p.dataDir);
    expect(await samples(again, t + 1000, t)).toEqual(want);
    // In order again after the restart, and still out of order within the window.
    expect(await push(again, t + 1000, 5)).toEqual({ status: 200, body: {} });
    expect(await push(again, t - 60_000, 6)).toEqual({ status: 200, body: {} });
    expect(await samples(again, t + 2000, t)).toEqual([[-300, '3'], [-60, '6'], [-30, '2'], [0, '1'], [1, '5']]);
    await again.stop();
  });
});
