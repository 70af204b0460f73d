/**
 * @module Test harness: runs the real `pharos start` process on free loopback ports with a
 * temporary data directory, and stops it gracefully or with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/pharos.js');

/** A running Pharos process under test. */
export interface PharosProcess {
  readonly dataDir: string;
  readonly apiPort: number;
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  readonly apiUrl: string;
  readonly otlpHttpUrl: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Options for startPharos. */
export interface StartOptions {
  dataDir?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
}

/** Thrown when the process could not bind a port it was given: another process took it first. */
class PortTakenError extends Error {}

/**
 * Starts `node bin/pharos.js start` on free ports and waits until /-/ready answers 200. A port
 * found free can be taken before Pharos binds it (as the ephemeral port of another test's
 * connection): then it starts again on other ports, up to 3 times.
 */
export async function startPharosProcess(opts: StartOptions = {}): Promise<PharosProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pharos-e2e-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(dataDir, opts);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === 3) throw err;
    }
  }
}

async function startOnFreePorts(dataDir: string, opts: StartOptions): Promise<PharosProcess> {
  const [apiPort, otlpHttpPort, otlpGrpcPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [BIN, 'start', `--data-dir=${dataDir}`, `--http-listen=127.0.0.1:${apiPort}`,
    `--otlp-http-listen=127.0.0.1:${otlpHttpPort}`, `--otlp-grpc-listen=127.0.0.1:${otlpGrpcPort}`, ...(opts.extraArgs ?? [])],
  { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      const message = `pharos exited with ${child.exitCode} during start-up:\n${out}`;
      throw out.includes('EADDRINUSE') ? new PortTakenError(message) : new Error(message);
    }
    try {
      const r = await fetch(`${apiUrl}/-/ready`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`pharos not ready after 30 s:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dataDir, apiPort, otlpHttpPort, otlpGrpcPort, apiUrl, otlpHttpUrl: `http://127.0.0.1:${otlpHttpPort}`, child,
    output: () => out,
    stop: async () => { child.kill('SIGTERM'); return exited; },
    kill: async () => { child.kill('SIGKILL'); await exited; },
  };
}

/** GETs an API path and returns the parsed JSON envelope. */
export async function apiGet(p: PharosProcess, path: string): Promise<any> {
  const r = await fetch(p.apiUrl + path);
  return r.json();
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
