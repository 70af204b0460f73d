/**
 * @module The real Prometheus from Debian as a peer that can be stopped and started again on the
 * same port and data directory (an outage of the remote, as a sender sees it). prometheus.ts's
 * startPrometheus picks a new port per start, so this keeps its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/pharos-process.ts';
import { stopChild } from './child.ts';
import { PROMETHEUS_BIN, requirePrometheus } from './prometheus.ts';

/** A Prometheus whose process can come and go while its address and data stay. */
export interface RestartablePrometheus {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly running: boolean;
  /** Everything printed by every run so far. */
  output(): string;
  /** Starts the process (again); resolves once /-/ready answers 200. */
  start(): Promise<void>;
  /** SIGTERM; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Creates the peer on a free loopback port with a fresh data dir and starts it. */
export async function startRestartablePrometheus(opts: { flags?: string[] } = {}): Promise<RestartablePrometheus> {
  requirePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'pharos-promcfg-'));
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(cfg, 'global:\n  scrape_interval: 15s\n');
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  let child: ChildProcess | null = null;

  const peer: RestartablePrometheus = {
    url,
    port,
    dataDir,
    get running() {
      return child !== null && child.exitCode === null;
    },
    output: () => out,
    async start() {
      if (peer.running) return;
      const c = spawn(PROMETHEUS_BIN, [
        `--config.file=${cfg}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=100y',
        ...(opts.flags ?? []),
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (c.exitCode !== null) throw new Error(`prometheus exited with ${c.exitCode}:\n${out}`);
        try {
          const r = await fetch(`${url}/-/ready`);
          if (r.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`prometheus did not become ready:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop() {
      return child === null ? Promise.resolve() : stopChild(child);
    },
  };
  await peer.start();
  return peer;
}
