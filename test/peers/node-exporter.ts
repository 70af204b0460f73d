/**
 * @module Test peer: the real prometheus-node-exporter from Debian on a free loopback port,
 * optionally behind its own TLS and basic auth (exporter-toolkit's --web.config.file). Fails
 * (never skips) when the binary is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { stopChild } from './child.ts';
import { freePort } from '../e2e/pharos-process.ts';

export const NODE_EXPORTER_BIN = '/usr/bin/prometheus-node-exporter';

/**
 * A bcrypt hash (cost 12) of the password `topsecret`, for `basicAuthUsers`; node_exporter only
 * takes bcrypt hashes there.
 */
export const TOPSECRET_BCRYPT = '$2y$12$KTbZnVgxAIUmnu5W2bRGmuJ/in8A9sHLt2je2lxOriq8TJP0vMk1y';

/** What node_exporter's web config should require of scrapers. */
export interface NodeExporterOptions {
  /** Serve HTTPS with this certificate and key (PEM files). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Users and the bcrypt hashes of their passwords; any user makes basic auth mandatory. */
  readonly basicAuthUsers?: Readonly<Record<string, string>>;
}

export interface NodeExporterPeer {
  /** host:port it listens on. */
  readonly address: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts node_exporter and waits until it answers (plain HTTP: /metrics; with a web config: a TCP connect). */
export async function startNodeExporter(opts: NodeExporterOptions = {}): Promise<NodeExporterPeer> {
  if (!existsSync(NODE_EXPORTER_BIN)) {
    throw new Error(`${NODE_EXPORTER_BIN} not found: install the Debian package prometheus-node-exporter (apt-get install -y prometheus-node-exporter)`);
  }
  const address = `127.0.0.1:${await freePort()}`;
  // No systemd on test machines: its collector would log an error at every scrape.
  const args = [`--web.listen-address=${address}`, '--no-collector.systemd'];
  const secured = opts.tls !== undefined || opts.basicAuthUsers !== undefined;
  if (secured) {
    const webConfig: Record<string, unknown> = {};
    if (opts.tls) webConfig.tls_server_config = { cert_file: opts.tls.certFile, key_file: opts.tls.keyFile };
    if (opts.basicAuthUsers) webConfig.basic_auth_users = opts.basicAuthUsers;
    const file = join(mkdtempSync(join(tmpdir(), 'pharos-node-exporter-')), 'web.yml');
    writeFileSync(file, stringifyYaml(webConfig));
    args.push(`--web.config.file=${file}`);
  }
  const child: ChildProcess = spawn(NODE_EXPORTER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus-node-exporter exited with ${child.exitCode}:\n${out}`);
    if (await (secured ? listening(address) : answers(`http://${address}/metrics`))) break;
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

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false; // not listening yet
  }
}

function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = connect(Number(port), host);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
