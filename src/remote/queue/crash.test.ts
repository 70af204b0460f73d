/**
 * A Pharos crash: a child process appends to a queue while it sends to a slow local receiver and
 * is killed with SIGKILL mid-stream. Reopened on the same directory, the queue must deliver every
 * sample the child had appended, and send again at most what was in flight at the kill.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeRemote, type FakeRemote } from '../../../test/peers/remote-write-receiver.ts';
import { createLogger } from '../../log.ts';
import { parseRemoteWriteConfigs } from './config.ts';
import { RemoteWriteQueue } from './queue.ts';
import { CRASH_QUEUE_CONFIG } from './testdata/crash-config.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./testdata/crash-writer.ts', import.meta.url));
const SERIES = 200;
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

let remote: FakeRemote | undefined;
afterAll(async () => {
  await remote?.close();
});

describe('RemoteWriteQueue after SIGKILL', () => {
  it('resumes at the first unacknowledged sample: nothing lost, at most the in-flight sends repeated', { timeout: 60_000 }, async () => {
    remote = await startFakeRemote();
    const r = remote;
    r.reply = () => ({ status: 204, delayMs: 15 }); // slow enough that sends are in flight at the kill
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-crash-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, r.url, String(SERIES), String(T0)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    while (r.acceptedSamples() < 40_000) {
      if (child.exitCode !== null) throw new Error(`crash-writer exited early (${child.exitCode}):\n${err}`);
      if (Date.now() > deadline) throw new Error(`crash-writer too slow: ${r.acceptedSamples()} samples received\n${err}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const receivedAtKill = r.acceptedSamples();
    const steps = out.trim().split('\n').map(Number);
    const lastLogged = steps[steps.length - 1];
    expect(steps).toEqual(steps.map((_, k) => k));

    const [config] = parseRemoteWriteConfigs([{ url: r.url, ...CRASH_QUEUE_CONFIG }], 'remote_write');
    const q = await RemoteWriteQueue.open({ config, dir, registry: new Registry(), logger: createLogger('error') });
    const drainBy = Date.now() + 30_000;
    while (!q.stats().idle) {
      if (Date.now() > drainBy) throw new Error(`reopened queue did not drain: ${JSON.stringify(q.stats())}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    await q.close();

    let duplicates = 0;
    for (let i = 0; i < SERIES; i++) {
      const got = r.accepted.get(`__name__=crash,s=${i}`)!.t;
      const unique = new Set(got);
      duplicates += got.length - unique.size;
      // Every logged step is there (a step appended but not yet logged at the kill may be too).
      for (let k = 0; k <= lastLogged; k++) expect(unique.has(T0 + k * 1000), `series ${i} step ${k}`).toBe(true);
      expect(unique.size).toBeLessThanOrEqual(lastLogged + 2);
    }
    const inFlightBound = config.queue.maxShards * config.queue.maxSamplesPerSend;
    console.log(`crash test: killed after ${lastLogged + 1} steps (${(lastLogged + 1) * SERIES} samples logged), ${receivedAtKill} received before the kill, `
      + `${q.stats().sentSamples} sent after reopening, ${duplicates} sent twice (bound: ${inFlightBound} in flight)`);
    expect(duplicates).toBeLessThanOrEqual(inFlightBound);
    expect(q.stats().sentSamples).toBeGreaterThan(0);
  });
});
