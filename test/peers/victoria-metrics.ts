/**
 * @module Test peer: the real VictoriaMetrics from Debian (single-node `victoria-metrics`) on a
 * free loopback port with a fresh data directory. It takes Prometheus remote write at
 * /api/v1/write and answers the Prometheus query API. Fails (never skips) when the binary is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/pharos-process.ts';
import { stopChild } from './child.ts';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

export interface VictoriaMetricsPeer {
  /** Base URL of its HTTP API (remote write in at /api/v1/write, queries at /api/v1/query). */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts VictoriaMetrics and waits until /health answers. */
export async function startVictoriaMetrics(): Promise<VictoriaMetricsPeer> {
  if (!existsSync(VICTORIA_METRICS_BIN)) {
    throw new Error(`${VICTORIA_METRICS_BIN} not found: install the Debian package victoria-metrics (apt-get install -y victoria-metrics)`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pharos-vm-'));
  // latencyOffset 0: by default the newest 30 s are hidden from queries.
  const child: ChildProcess = spawn(VICTORIA_METRICS_BIN, [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y', '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=WARN'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`victoria-metrics did not answer on ${url}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, output: () => out, stop: () => stopChild(child) };
}
