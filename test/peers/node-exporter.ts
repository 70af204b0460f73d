/**
 * @module Test peer: the real prometheus-node-exporter from Debian on a free loopback port. Fails
 * (never skips) when the binary is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from './child.ts';
import { existsSync } from 'node:fs';
import { freePort } from '../e2e/pharos-process.ts';

export const NODE_EXPORTER_BIN = '/usr/bin/prometheus-node-exporter';

export interface NodeExporterPeer {
  /** host:port it listens on. */
  readonly address: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts node_exporter and waits until /metrics answers. */
export async function startNodeExporter(): Promise<NodeExporterPeer> {
  if (!existsSync(NODE_EXPORTER_BIN)) {
    throw new Error(`${NODE_EXPORTER_BIN} not found: install the Debian package prometheus-node-exporter (apt-get install -y prometheus-node-exporter)`);
  }
  const address = `127.0.0.1:${await freePort()}`;
  // No systemd on test machines: its collector would log an error at every scrape.
  const child: ChildProcess = spawn(NODE_EXPORTER_BIN, [`--web.listen-address=${address}`, '--no-collector.systemd'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus-node-exporter exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`http://${address}/metrics`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus-node-exporter did not answer on ${address}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address,
    output: () => out,
    stop: () => stopChild(child),
  };
}
