/**
 * @module The systems `npm run bench:tsdb` compares, each as its own process on free loopback ports
 * with a temporary data dir: Pharos (`node bin/pharos.js start`, fed OTLP/HTTP protobuf), the Debian
 * Prometheus (remote write receiver) and the Debian VictoriaMetrics (`/api/v1/write`). Also what is
 * read from outside: RSS from /proc/<pid>/status and bytes on disk from the data dirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from '../test/e2e/pharos-process.ts';
import { PROMETHEUS_BIN, requirePrometheus } from '../test/peers/prometheus.ts';

export const SYSTEM_NAMES = ['pharos', 'prometheus', 'vm'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

/** A system under test, started and ready. */
export interface RunningSystem {
  readonly name: SystemName;
  readonly pid: number;
  /** Base URL of its Prometheus-compatible query API. */
  readonly apiUrl: string;
  /** Where the load is POSTed, and how it is encoded. */
  readonly ingestUrl: string;
  readonly protocol: 'otlp' | 'remote-write';
  readonly dataDir: string;
  /** Extra query parameters (VictoriaMetrics: nocache=1, so repeated queries are not cache hits). */
  readonly queryParams: Record<string, string>;
  /** The tail of what the process printed. */
  output(): string;
  /** SIGTERM, then SIGKILL after 60 s; removes the data dir unless `keepData`. */
  stop(keepData: boolean): Promise<void>;
}

/** Options of startSystem. */
export interface StartOptions {
  /** Extra node flags for Pharos (e.g. --max-old-space-size=8192). */
  readonly pharosNodeArgs: readonly string[];
}

function spawnLogged(bin: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // PHAROS_BENCH_LOG=<file>: everything the systems print, whole and with their names, to read afterwards.
  const logFile = process.env.PHAROS_BENCH_LOG;
  const name = bin.split('/').pop();
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
    if (logFile) appendFileSync(logFile, d.toString().replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => out };
}

async function waitReady(url: string, child: ChildProcess, output: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} during start-up:\n${output()}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} not ready after 60 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess, dirs: string[]): (keepData: boolean) => Promise<void> {
  return async (keepData) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(kill);
    }
    if (!keepData) for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
}

/** Starts one system on free loopback ports with a fresh data dir and waits until it is ready. */
export async function startSystem(name: SystemName, opts: StartOptions): Promise<RunningSystem> {
  const root = mkdtempSync(join(tmpdir(), `pharos-bench-tsdb-${name}-`));
  const dataDir = join(root, 'data');
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  if (name === 'pharos') {
    const otlpPort = await freePort();
    // Series and samples Pharos would add on its own are switched off, so that every system holds
    // exactly the generated series: target_info, the 0 injected at a counter's start time, and the
    // staleness markers written when a resource misses exports (here, when the load ends).
    const { child, output } = spawnLogged(process.execPath, [...opts.pharosNodeArgs, join(ROOT, 'bin/pharos.js'), 'start',
      '--data-dir', dataDir, '--http-listen', `127.0.0.1:${apiPort}`, '--otlp-http-listen', `127.0.0.1:${otlpPort}`,
      '--otlp-grpc-listen', 'off', '--log-level', process.env.PHAROS_BENCH_LOG ? 'info' : 'warn', '--otlp-target-info=false',
      '--otlp-start-time-zero-injection=false', '--otlp-stale-after-missed-exports=0', '--storage-retention-time=0',
      '--query-max-samples=500000000']);
    await waitReady(`${apiUrl}/-/ready`, child, output, 'pharos');
    return { name, pid: child.pid!, apiUrl, ingestUrl: `http://127.0.0.1:${otlpPort}/v1/metrics`, protocol: 'otlp', dataDir, queryParams: {}, output, stop: stopper(child, [root]) };
  }
  if (name === 'prometheus') {
    requirePrometheus();
    const config = join(root, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 15s\n');
    const { child, output } = spawnLogged(PROMETHEUS_BIN, [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${apiPort}`, '--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=100y',
      '--query.max-samples=500000000', '--log.level=warn']);
    await waitReady(`${apiUrl}/-/ready`, child, output, 'prometheus');
    return { name, pid: child.pid!, apiUrl, ingestUrl: `${apiUrl}/api/v1/write`, protocol: 'remote-write', dataDir, queryParams: {}, output, stop: stopper(child, [root]) };
  }
  if (!existsSync(VICTORIA_METRICS_BIN)) throw new Error(`${VICTORIA_METRICS_BIN} not found: apt-get install -y victoria-metrics`);
  const { child, output } = spawnLogged(VICTORIA_METRICS_BIN, [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${apiPort}`,
    '-retentionPeriod=100y', '-search.disableCache', '-search.latencyOffset=0s', '-search.maxSamplesPerQuery=1000000000',
    '-search.maxUniqueTimeseries=10000000', '-loggerLevel=WARN']);
  await waitReady(`${apiUrl}/health`, child, output, 'victoria-metrics');
  return { name, pid: child.pid!, apiUrl, ingestUrl: `${apiUrl}/api/v1/write`, protocol: 'remote-write', dataDir, queryParams: { nocache: '1' }, output, stop: stopper(child, [root]) };
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
export function memoryOf(pid: number): { rssBytes: number; hwmBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssBytes: kib('VmRSS') * 1024, hwmBytes: kib('VmHWM') * 1024 };
}

/** Total size of the regular files under `path` (apparent size, bytes); 0 when it does not exist. */
export function dirBytes(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const e of readdirSync(path)) total += dirBytes(join(path, e));
  return total;
}

const BLOCK_DIR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Finished blocks in a Prometheus-layout data dir: their count, bytes and samples (meta.json), and blocks still being written. */
export function blocksOf(dataDir: string): { count: number; bytes: number; samples: number; series: number; writing: number } {
  let entries: string[];
  try {
    entries = readdirSync(dataDir);
  } catch {
    return { count: 0, bytes: 0, samples: 0, series: 0, writing: 0 };
  }
  const out = { count: 0, bytes: 0, samples: 0, series: 0, writing: 0 };
  for (const e of entries) {
    if (e.includes('.tmp')) { out.writing++; continue; }
    const meta = join(dataDir, e, 'meta.json');
    if (!BLOCK_DIR.test(e) || !existsSync(meta)) continue;
    const stats = (JSON.parse(readFileSync(meta, 'utf8')) as { stats?: { numSamples?: number; numSeries?: number } }).stats;
    out.count++;
    out.bytes += dirBytes(join(dataDir, e));
    out.samples += stats?.numSamples ?? 0;
    out.series += stats?.numSeries ?? 0;
  }
  return out;
}

/** Clock ticks per second of /proc/stat and /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU seconds used by the whole machine (all cores, not idle or iowait) since boot. */
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) / TICKS_PER_S;
}

/** CPU seconds (user + system) used by a process and its waited-for children so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (f[11] + f[12] + f[13] + f[14]) / TICKS_PER_S;
}
