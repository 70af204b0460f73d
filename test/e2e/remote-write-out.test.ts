/**
 * End to end: `pharos start` forwarding everything it receives to a real Prometheus by
 * remote_write, configured exactly as in prometheus.yml, and with the same entry to a real
 * VictoriaMetrics; and an outage of that Prometheus during which Pharos itself restarts, after
 * which every sample has arrived exactly once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apiQuery } from '../peers/prometheus.ts';
import { startRestartablePrometheus, type RestartablePrometheus } from '../peers/prometheus-restartable.ts';
import { startFakeRemote, type FakeRemote } from '../peers/remote-write-receiver.ts';
import { startVictoriaMetrics } from '../peers/victoria-metrics.ts';
import { gauge, request } from './otlp-payloads.ts';
import { eventually, startPharosProcess, type PharosProcess } from './pharos-process.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

/** A config file forwarding to `remoteUrl`; `before` is YAML put above remote_write (e.g. a global section). */
function configFile(remoteUrl: string, before: string[] = []): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pharos-rw-')), 'pharos.yaml');
  writeFileSync(file, [
    ...before,
    'remote_write:',
    `  - url: ${remoteUrl}`,
    '    name: central',
    '    queue_config:',
    '      batch_send_deadline: 200ms',
    '      min_backoff: 50ms',
    '      max_backoff: 500ms',
    '',
  ].join('\n'));
  return file;
}

async function start(opts: { dataDir?: string; config: string }): Promise<PharosProcess> {
  const p = await startPharosProcess({ dataDir: opts.dataDir, extraArgs: [`--config=${opts.config}`, '--storage-remote-flush-deadline=2s'] });
  cleanup.push(() => p.stop());
  return p;
}

/** `points` gauge series `probe{i="0".."points-1"}` of service `svc`, all with value k at time t0 + k s. */
async function push(p: PharosProcess, svc: string, t0: number, k: number, points: number): Promise<void> {
  const body = request(svc, [gauge('probe', Array.from({ length: points }, () => k), t0 + k * 1000)]);
  const r = await fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}

async function startPrometheus(): Promise<RestartablePrometheus> {
  const prom = await startRestartablePrometheus({ flags: ['--web.enable-remote-write-receiver'] });
  cleanup.push(() => prom.stop());
  return prom;
}

describe('remote_write out', () => {
  it('forwards what it receives to a real Prometheus, which answers the same values', async () => {
    const prom = await startPrometheus();
    const pharos = await start({ config: configFile(`${prom.url}/api/v1/write`) });
    const t0 = Date.now() - 60_000;
    for (let k = 0; k < 5; k++) await push(pharos, 'forwarded', t0, k, 10);
    const at = (t0 + 4000) / 1000;
    const answer = await eventually(async () => {
      const a = await apiQuery(prom.url, 'probe{service_name="forwarded"}', { time: at });
      return a.ok && Array.isArray(a.result) && a.result.length === 10 ? a : null;
    }, 30_000, 'ten probe series in Prometheus');
    const result = (answer as { result: Array<{ metric: Record<string, string>; value: [number, string] }> }).result;
    expect(result.map((s) => s.value[1])).toEqual(Array(10).fill('4'));
    expect(result.map((s) => s.metric.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    // Pharos' own answer is the same.
    const local = await (await fetch(`${pharos.apiUrl}/api/v1/query?query=${encodeURIComponent('sum(probe{service_name="forwarded"})')}&time=${at}`)).json() as { data: { result: Array<{ value: [number, string] }> } };
    expect(local.data.result[0].value[1]).toBe('40');
  }, 90_000);

  it('forwards with the same kind of entry to VictoriaMetrics, which answers the same values, with global.external_labels', async () => {
    const vm = await startVictoriaMetrics();
    cleanup.push(() => vm.stop());
    const pharos = await start({ config: configFile(`${vm.url}/api/v1/write`, ['global:', '  external_labels: { cluster: edge-1 }']) });
    const t0 = Date.now() - 60_000;
    for (let k = 0; k < 5; k++) await push(pharos, 'forwarded-vm', t0, k, 10);
    const at = (t0 + 4000) / 1000;
    const result = await eventually(async () => {
      const a = await apiQuery(vm.url, 'probe{service_name="forwarded-vm"}', { time: at });
      return a.ok && Array.isArray(a.result) && a.result.length === 10 ? (a.result as Array<{ metric: Record<string, string>; value: [number, string] }>) : null;
    }, 30_000, `ten probe series in VictoriaMetrics\n${vm.output()}`);
    expect(result.map((s) => s.value[1])).toEqual(Array(10).fill('4'));
    expect(result.map((s) => s.metric.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    // External labels go on what leaves Pharos (as in Prometheus), not on what it stores itself.
    expect(result[0].metric).toMatchObject({ __name__: 'probe', job: 'forwarded-vm', service_name: 'forwarded-vm', cluster: 'edge-1' });
    const local = await apiQuery(pharos.apiUrl, 'probe{service_name="forwarded-vm"}', { time: at });
    expect(local.ok && (local.result as Array<{ metric: Record<string, string> }>).map((s) => s.metric.cluster ?? 'none')).toEqual(Array(10).fill('none'));
    const counts = await apiQuery(vm.url, 'count_over_time(probe{service_name="forwarded-vm"}[2m])', { time: at });
    expect(counts.ok && (counts.result as Array<{ value: [number, string] }>).map((s) => s.value[1])).toEqual(Array(10).fill('5'));
  }, 90_000);

  it('loses nothing and duplicates nothing while Prometheus is down and Pharos restarts', async () => {
    const prom = await startPrometheus();
    // A counting proxy in front of Prometheus sees every acknowledged sample, duplicates included.
    const proxy = await startFakeRemote({ upstream: `${prom.url}/api/v1/write` });
    cleanup.push(() => proxy.close());
    const config = configFile(proxy.url);
    const SERIES = 20;
    const t0 = Date.now() - 120_000;
    let pharos = await start({ config });
    const dataDir = pharos.dataDir;
    let k = 0;
    for (; k < 10; k++) await push(pharos, 'outage', t0, k, SERIES);
    await eventually(async () => probeSamples(proxy) === 10 * SERIES, 30_000, 'first samples to arrive');

    await prom.stop();
    for (; k < 30; k++) await push(pharos, 'outage', t0, k, SERIES);
    await pharos.stop(); // its queue cannot flush: the backlog stays in the disk buffer
    pharos = await start({ dataDir, config });
    for (; k < 50; k++) await push(pharos, 'outage', t0, k, SERIES);
    expect(probeSamples(proxy)).toBe(10 * SERIES);

    await prom.start();
    await eventually(async () => probeSamples(proxy) >= 50 * SERIES, 60_000, 'the backlog to arrive');
    await new Promise((r) => setTimeout(r, 1000)); // anything sent twice would show up by now
    expect(probeSamples(proxy)).toBe(50 * SERIES);
    const counts = await apiQuery(prom.url, 'count_over_time(probe{service_name="outage"}[10m])', { time: (t0 + 49_000) / 1000 });
    expect(counts.ok).toBe(true);
    const result = (counts as { result: Array<{ value: [number, string] }> }).result;
    expect(result).toHaveLength(SERIES);
    expect(result.map((s) => s.value[1])).toEqual(Array(SERIES).fill('50'));
  }, 180_000);
});

/** Acknowledged samples of the probe series at the proxy. */
function probeSamples(proxy: FakeRemote): number {
  let n = 0;
  for (const s of proxy.accepted.values()) if (s.labels.__name__ === 'probe') n += s.t.length;
  return n;
}
