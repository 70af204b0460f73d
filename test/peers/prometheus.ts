/**
 * @module The real Prometheus from Debian as a test peer: backfills data with promtool, starts
 * the server on a free loopback port and queries its HTTP API.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/pharos-process.ts';
import { stopChild } from './child.ts';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** Throws a clear error when the Debian package is missing (CI installs it; see .ci/run). */
export function requirePrometheus(): void {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) {
    throw new Error(`${PROMETHEUS_BIN} not found: install the Debian package (apt-get install -y prometheus)`);
  }
}

export interface PrometheusPeer {
  readonly url: string;
  readonly dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Writes OpenMetrics text into TSDB blocks under a fresh data directory (promtool backfill). */
export function backfill(openMetrics: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pharos-prom-'));
  const input = join(dir, 'input.om');
  writeFileSync(input, openMetrics);
  return backfillFile(input);
}

/** Backfills an OpenMetrics file (ending in `# EOF`) into a fresh data directory; returns it. */
export function backfillFile(input: string): string {
  requirePrometheus();
  const data = join(mkdtempSync(join(tmpdir(), 'pharos-prom-')), 'data');
  execFileSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', input, data], { stdio: 'pipe', maxBuffer: 64 << 20 });
  return data;
}

/** Starts Prometheus on `dataDir` (created if needed) with the given extra flags; waits until ready. */
export async function startPrometheus(opts: { dataDir?: string; config?: string; flags?: string[] } = {}): Promise<PrometheusPeer> {
  requirePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'pharos-promcfg-'));
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(cfg, opts.config ?? 'global:\n  scrape_interval: 15s\n');
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=100y',
    ...(opts.flags ?? []),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    output: () => out,
    stop: () => stopChild(child),
  };
}

/** One sample or series as the HTTP API returns it. */
export interface ApiSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

export type ApiAnswer = { ok: true; resultType: string; result: ApiSeries[] | [number, string] } | { ok: false; errorType: string; error: string };

/** Runs an instant or range query against a Prometheus-compatible API. */
export async function apiQuery(url: string, query: string, params: { time?: number } | { start: number; end: number; step: number }): Promise<ApiAnswer> {
  const form = new URLSearchParams({ query });
  let path = '/api/v1/query';
  if ('start' in params) {
    path = '/api/v1/query_range';
    form.set('start', String(params.start));
    form.set('end', String(params.end));
    form.set('step', String(params.step));
  } else if (params.time !== undefined) form.set('time', String(params.time));
  const r = await fetch(url + path, { method: 'POST', body: form });
  const body = (await r.json()) as { status: string; data?: { resultType: string; result: ApiSeries[] }; errorType?: string; error?: string };
  if (body.status !== 'success') return { ok: false, errorType: body.errorType ?? '', error: body.error ?? '' };
  return { ok: true, resultType: body.data!.resultType, result: body.data!.result };
}
