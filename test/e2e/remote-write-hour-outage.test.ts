/**
 * End to end: an hour-long outage of the remote Prometheus at about twice the demo's load, with
 * `pharos start` killed (SIGKILL) and started again halfway through it, and every sample
 * delivered exactly once. (test/e2e/remote-write-out.test.ts restarts it gracefully instead.)
 *
 * `npm run demo` stores 156 series, written every 5 s (31 samples/s). Here 300 series get a point
 * every 5 s of sample time. The hour is compressed: its 720 points per series are pushed as fast
 * as Pharos takes them, with the timestamps an hour of real traffic would have. What an hour does
 * to the queue depends on sample counts and ages, not on the wall clock: the disk buffer grows by
 * the same bytes, segments roll at the same sizes, and the oldest samples are an hour old when
 * they go out, so `buffer.max_age` (2h) is really tested. Only the count of failed attempts
 * during the outage is smaller.
 *
 * Counted on both sides: a proxy in front of Prometheus records every acknowledged sample (a
 * duplicate would show there even though Prometheus drops exact duplicates silently), Prometheus
 * counts them with count_over_time, and Pharos' pharos_remote_storage_samples_total of both runs
 * adds up to what the proxy acknowledged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiQuery, type ApiSeries } from '../peers/prometheus.ts';
import { startRestartablePrometheus, type RestartablePrometheus } from '../peers/prometheus-restartable.ts';
import { startFakeRemote, type FakeRemote } from '../peers/remote-write-receiver.ts';
import { gauge, request } from './otlp-payloads.ts';
import { eventually, startPharosProcess, type PharosProcess } from './pharos-process.ts';

const SERIES = 300;
const STEP_MS = 5_000; // the demo's OTLP export interval
const BEFORE = 12; // one minute delivered before the outage
const OUTAGE = 720; // one hour of points while Prometheus is down
const AFTER = 12; // one more minute while the backlog drains
const TOTAL_TICKS = BEFORE + OUTAGE + AFTER;
/** `npm run demo`'s load, measured: 156 series every 5 s. */
const DEMO_SAMPLES_PER_S = 156 / 5;
/** The default buffer.max_size. */
const DEFAULT_BUFFER_BYTES = 1024 ** 3;

let prom: RestartablePrometheus | undefined;
let proxy: FakeRemote | undefined;
const pharosRuns: PharosProcess[] = [];
afterAll(async () => {
  for (const p of pharosRuns) await p.stop();
  await proxy?.close();
  await prom?.stop();
});

/** The sum of `family` over the central queue's series in a /metrics text, by label filter. */
function metric(text: string, family: string, extra = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${family}{`) || !line.includes('remote_name="central"') || !line.includes(extra)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function selfMetrics(p: PharosProcess): Promise<string> {
  return (await fetch(`${p.apiUrl}/metrics`)).text();
}

describe('remote_write out through an hour-long outage', () => {
  it('delivers every sample of the hour exactly once, across a Pharos crash', { timeout: 300_000 }, async () => {
    prom = await startRestartablePrometheus({ flags: ['--web.enable-remote-write-receiver'] });
    proxy = await startFakeRemote({ upstream: `${prom.url}/api/v1/write` });
    // The queue as a user writes it: only the url, every other setting at its default.
    const config = join(mkdtempSync(join(tmpdir(), 'pharos-rw-hour-')), 'pharos.yaml');
    writeFileSync(config, `remote_write:\n  - url: ${proxy.url}\n    name: central\n`);
    const start = async (dataDir?: string) => {
      // The flush deadline keeps the final stop short. With the sample clock running ahead of
      // the wall clock, OTLP liveness (a wall-clock rule) would mark series stale: switched off.
      const p = await startPharosProcess({ dataDir, extraArgs: [`--config=${config}`, '--storage-remote-flush-deadline=2s', '--otlp-stale-after-missed-exports=0'] });
      pharosRuns.push(p);
      return p;
    };
    // The last point is a minute before now, the first an hour and two minutes before it.
    const t0 = Date.now() - (TOTAL_TICKS + 12) * STEP_MS;
    const tickTime = (k: number) => t0 + k * STEP_MS;
    const push = async (p: PharosProcess, k: number) => {
      const body = request('hour', [gauge('probe', Array.from({ length: SERIES }, (_, i) => k * SERIES + i), tickTime(k))]);
      const r = await fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status, await r.text()).toBe(200);
    };
    const probeSamples = () => {
      let n = 0;
      for (const s of proxy!.accepted.values()) if (s.labels.__name__ === 'probe') n += s.t.length;
      return n;
    };

    let pharos = await start();
    const dataDir = pharos.dataDir;
    let k = 0;
    for (; k < BEFORE; k++) await push(pharos, k);
    await eventually(async () => probeSamples() === BEFORE * SERIES, 30_000, 'the first minute to arrive');

    await prom.stop();
    const outageStarted = Date.now();
    for (; k < BEFORE + OUTAGE / 2; k++) await push(pharos, k);
    const run1 = await selfMetrics(pharos);
    await pharos.kill(); // no flush, no clean close: what was acknowledged is in the disk buffer
    pharos = await start(dataDir);
    for (; k < BEFORE + OUTAGE; k++) await push(pharos, k);
    await new Promise((r) => setTimeout(r, 1000)); // a scrape of the gauges after the last commit
    const duringOutage = await selfMetrics(pharos);
    const bufferBytes = metric(duringOutage, 'pharos_remote_storage_buffer_bytes');
    const backlog = OUTAGE * SERIES;
    expect(probeSamples()).toBe(BEFORE * SERIES);

    await prom.start();
    const outageWallMs = Date.now() - outageStarted;
    const promBack = Date.now();
    for (; k < TOTAL_TICKS; k++) await push(pharos, k);
    await eventually(async () => probeSamples() >= TOTAL_TICKS * SERIES, 120_000, `the backlog to arrive (${probeSamples()} so far)`);
    const drainMs = Date.now() - promBack;
    await eventually(async () => metric(await selfMetrics(pharos), 'pharos_remote_storage_samples_pending') === 0, 30_000, 'the queue to go idle');
    await new Promise((r) => setTimeout(r, 1000)); // anything sent twice would show up by now
    const run2 = await selfMetrics(pharos);

    const total = TOTAL_TICKS * SERIES;
    const bytesPerSample = bufferBytes / backlog;
    const hoursAtDemoLoad = DEFAULT_BUFFER_BYTES / bytesPerSample / DEMO_SAMPLES_PER_S / 3600;
    console.log([
      `hour-long outage: ${SERIES} series × ${TOTAL_TICKS} points 5 s apart (${total} samples, ${(SERIES / 5).toFixed(0)} samples/s of sample time)`,
      `  outage: ${OUTAGE} points per series = ${(OUTAGE * STEP_MS) / 3_600_000} h of samples, pushed in ${(outageWallMs / 1000).toFixed(1)} s of wall time, Pharos killed and restarted halfway`,
      `  disk buffer at the end of the outage: ${bufferBytes} bytes for ${backlog} samples = ${bytesPerSample.toFixed(1)} bytes/sample`,
      `  default buffer.max_size (1 GiB) at the demo's ${DEMO_SAMPLES_PER_S.toFixed(1)} samples/s: ${hoursAtDemoLoad.toFixed(0)} h (buffer.max_age, 2 h, is the tighter bound)`,
      `  backlog delivered ${drainMs} ms after Prometheus came back; proxy: ${proxy.requests.length} requests, ${proxy.acceptedSamples()} samples acknowledged`,
    ].join('\n'));

    // Exactly once, in order, at the proxy: every series has every tick's timestamp and value.
    expect(probeSamples()).toBe(total);
    const ticks = Array.from({ length: TOTAL_TICKS }, (_, j) => tickTime(j));
    let probes = 0;
    for (const s of proxy.accepted.values()) {
      if (s.labels.__name__ !== 'probe') continue;
      probes++;
      expect(s.t, `series i=${s.labels.i}`).toEqual(ticks);
      expect(s.v).toEqual(ticks.map((_, j) => j * SERIES + Number(s.labels.i)));
    }
    expect(probes).toBe(SERIES);

    // Pharos' own count, both runs: what the proxy acknowledged (target_info included); nothing failed or dropped.
    const sent = metric(run1, 'pharos_remote_storage_samples_total') + metric(run2, 'pharos_remote_storage_samples_total');
    expect(sent).toBe(proxy.acceptedSamples());
    for (const family of ['pharos_remote_storage_samples_failed_total', 'pharos_remote_storage_samples_dropped_total']) {
      expect(metric(run1, family) + metric(run2, family), family).toBe(0);
    }
    expect(metric(run2, 'pharos_remote_storage_samples_retried_total')).toBeGreaterThan(0);

    // Prometheus holds the whole hour: every point of every series, once.
    const answer = await apiQuery(prom.url, 'count_over_time(probe{service_name="hour"}[2h])', { time: tickTime(TOTAL_TICKS - 1) / 1000 });
    if (!answer.ok) throw new Error(answer.error);
    const counts = answer.result as ApiSeries[];
    expect(counts).toHaveLength(SERIES);
    expect(new Set(counts.map((c) => c.value![1]))).toEqual(new Set([String(TOTAL_TICKS)]));

    // The buffer took the hour with room to spare: the figure the README's capacity claim rests on.
    expect(bytesPerSample).toBeLessThan(24);
  });
});
