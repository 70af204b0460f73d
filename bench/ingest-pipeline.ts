// In-process OTLP ingest benchmark: the bench:tsdb load (bench/tsdb-data.ts, encoded as OTLP/HTTP
// protobuf by bench/tsdb-encode.ts) driven straight through the receiver core (decode → translate
// → Db: head + WAL), with no HTTP and no sender process, so a CPU profile shows Pharos alone.
// Prints µs per sample for the first step (every series is created) and the steady state, and
// heap / ArrayBuffer / RSS bytes per series after gc().
//
//   node --expose-gc --import tsx bench/ingest-pipeline.ts [--services 69] [--steps 30] [--interval-s 60]
//   (more than 3h of steps makes the store cut a block while ingesting, as a long-running Pharos does)
//   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/ingest-pipeline.ts
//   node --expose-gc --import tsx bench/ingest-pipeline.ts --heap-snapshot /tmp/h.heapsnapshot
//   --defer-background: no yield to background work while ingesting; the cut and checkpoint are timed after
//   --inline-cut: write blocks on the ingest thread (DbOptions.blockWriterThread = false), as before the writer thread
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { Registry } from 'prom-client';
import { createLogger } from '../src/log.ts';
import { ingestMetrics, type OtlpIngestDeps } from '../src/receive/otlp/ingest.ts';
import { OtlpReceiverMetrics } from '../src/receive/otlp/receiver-metrics.ts';
import { OtlpTranslator } from '../src/translate/otlp/translator.ts';
import { openDb } from '../src/tsdb/db.ts';
import { SERIES_PER_SERVICE, ServiceState } from './tsdb-data.ts';
import { OtlpRequest } from './tsdb-encode.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '69' },
    steps: { type: 'string', default: '30' },
    'interval-s': { type: 'string', default: '60' },
    'heap-snapshot': { type: 'string' },
    'defer-background': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    'inline-cut': { type: 'boolean', default: false },
  },
});
const SERVICES = Number(flags.services);
const STEPS = Number(flags.steps);
const INTERVAL_MS = Number(flags['interval-s']) * 1000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** CPU seconds of this process' main thread alone (Linux: /proc/self/task/<pid>/stat, in clock ticks of 10 ms). */
function mainThreadCpuS(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memory(): { heap: number; rss: number; ab: number } {
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, ab: m.arrayBuffers };
}

const dir = mkdtempSync(join(tmpdir(), 'pharos-ingest-pipeline-'));
const before = memory();
// Start on a 2h boundary far enough in the past that the last step is not in the future.
const startMs = Math.floor((Date.now() - STEPS * INTERVAL_MS - 3_600_000) / 7_200_000) * 7_200_000;
const shape = { services: SERVICES, points: STEPS, intervalMs: INTERVAL_MS, startMs, jitterMs: 0 };
const db = await openDb({ dir, fsync: 'never', blockWriterThread: !flags['inline-cut'], ...(process.env.PHAROS_BENCH_LOG_LEVEL ? { logger: createLogger(process.env.PHAROS_BENCH_LOG_LEVEL as 'info') } : {}) });
const translator = await OtlpTranslator.open({ targetInfo: false, startTimeZeroInjection: false, staleAfterMissedExports: 0 }, dir);
const deps: OtlpIngestDeps = { appendable: db, translator, metrics: new OtlpReceiverMetrics(new Registry()), log: createLogger('warn') };
const states = Array.from({ length: SERVICES }, (_, s) => new ServiceState(s, shape));
const requests = Array.from({ length: SERVICES }, (_, s) => new OtlpRequest(s, startMs - INTERVAL_MS));
const loaded = memory();

const perStep = SERVICES * SERIES_PER_SERVICE;
let firstStepMs = 0;
const started = performance.now();
const mainCpu0 = mainThreadCpuS();
const cpu0 = process.cpuUsage();
for (let k = 0; k < STEPS; k++) {
  const stepStarted = performance.now();
  for (let s = 0; s < SERVICES; s++) {
    states[s].advance();
    const result = await ingestMetrics(requests[s].patch(states[s]), 'protobuf', 'http/protobuf', deps);
    if (result.status !== 'ok' || result.partial) throw new Error(`step ${k}, service ${s}: ${JSON.stringify(result)}`);
    // Let background work (block cut, WAL checkpoint) run between requests, as it does in the server.
    if (!flags['defer-background']) await new Promise((r) => setImmediate(r));
  }
  if (k === 0) firstStepMs = performance.now() - stepStarted;
}
const elapsedMs = performance.now() - started;
const ingestCpu = process.cpuUsage(cpu0);
const ingestMainCpuS = mainThreadCpuS() - mainCpu0;
const beforeGc = process.memoryUsage();
const after = memory();
const steadyUs = ((elapsedMs - firstStepMs) / ((STEPS - 1) * perStep)) * 1000;
console.log(`${perStep.toLocaleString()} series × ${STEPS} steps = ${(perStep * STEPS).toLocaleString()} samples`);
console.log(`first step (creates every series): ${((firstStepMs / perStep) * 1000).toFixed(2)} µs/sample`);
console.log(`steady state: ${steadyUs.toFixed(3)} µs/sample = ${(1 / steadyUs).toFixed(2)} M samples/s`);
console.log(`while ingesting: ${(elapsedMs / 1000).toFixed(2)} s wall, ${((ingestCpu.user + ingestCpu.system) / 1e6).toFixed(2)} s CPU, of which the main thread ${ingestMainCpuS.toFixed(2)} s`);
console.log(`per series after gc: heap ${((after.heap - loaded.heap) / perStep).toFixed(0)} B, ArrayBuffers ${((after.ab - loaded.ab) / perStep).toFixed(0)} B, RSS ${((after.rss - before.rss) / perStep).toFixed(0)} B (RSS ${(after.rss / 2 ** 20).toFixed(0)} MiB; before gc ${(beforeGc.rss / 2 ** 20).toFixed(0)} MiB, heap ${(beforeGc.heapUsed / 2 ** 20).toFixed(0)} of ${(beforeGc.heapTotal / 2 ** 20).toFixed(0)} MiB)`);
// Background work still due or running (with --defer-background: all of it, timed alone).
const bgCpu0 = process.cpuUsage();
const bgMain0 = mainThreadCpuS();
const wall0 = performance.now();
await db.maintain();
const bgCpu = process.cpuUsage(bgCpu0);
console.log(`background work after ingest (cut, checkpoint, compaction): ${((performance.now() - wall0) / 1000).toFixed(2)} s wall, ${((bgCpu.user + bgCpu.system) / 1e6).toFixed(2)} s CPU, of which the main thread ${(mainThreadCpuS() - bgMain0).toFixed(2)} s, ${db.blocks().length} block(s)`);
const settledRss = process.memoryUsage().rss;
const settled = memory();
console.log(`after background work: RSS ${(settledRss / 2 ** 20).toFixed(0)} MiB, after gc ${(settled.rss / 2 ** 20).toFixed(0)} MiB (heap ${(settled.heap / 2 ** 20).toFixed(0)} MiB, ArrayBuffers ${(settled.ab / 2 ** 20).toFixed(0)} MiB)`);
if (flags['heap-snapshot']) console.log(`heap snapshot: ${writeHeapSnapshot(flags['heap-snapshot'])}`);
await db.close();
if (flags['keep-data']) console.log(`data kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
