/**
 * @module The server's share of `npm run bench:ui` without a browser: loads the bench:ui data set
 * (bench/red-data.ts, 2 services × 200 routes × 5 codes × 24 h at 60 s) into an embedded TSDB in
 * this process and times each query the 24 h dashboard asks before it is ready (and the table's
 * first latency batch), through the engine and the API's JSON serialisation, as the page asks
 * them (web/src/dashboard-view.ts builds the very same strings).
 *
 *   node --max-old-space-size=8192 --import tsx bench/ui-queries.ts --dir /tmp/ui-red     # keeps the store for the next run
 *   node --max-old-space-size=8192 --import tsx bench/ui-queries.ts --dir /tmp/ui-red --only table --prof /tmp/t.cpuprofile
 *
 * --prof records only the timed runs; summarise it with bench/cpuprofile-top.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { queryDataJson } from '../src/api/v1/format.ts';
import { Engine } from '../src/promql/engine.ts';
import { busiestRoutes, rowsFromCounts } from '../web/src/endpoints.ts';
import { dashboardView, topRouteQueries, viewQueries } from '../web/src/dashboard-view.ts';
import { STABLE } from '../web/src/red.ts';
import type { InstantSample } from '../web/src/api.ts';
import type { RedDataShape } from './red-data.ts';
import { loadRedDb } from './red-db.ts';
import { median } from './red-queries.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '2' },
    routes: { type: 'string', default: '200' },
    codes: { type: 'string', default: '5' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '60' },
    width: { type: 'string', default: '1400' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
    dir: { type: 'string', default: '' },
    prof: { type: 'string', default: '' },
  },
});
const INTERVAL_S = Number(flags.interval);
const POINTS = Math.floor((Number(flags.hours) * 3600) / INTERVAL_S);
const wanted = { services: Number(flags.services), routes: Number(flags.routes), codes: Math.min(5, Number(flags.codes)), points: POINTS, intervalS: INTERVAL_S };

const dir = flags.dir || mkdtempSync(join(tmpdir(), 'pharos-bench-uiq-'));
const shapeFile = join(dir, 'red-shape.json');
let shape: RedDataShape | null = null;
if (flags.dir && existsSync(shapeFile)) {
  const kept = JSON.parse(readFileSync(shapeFile, 'utf8')) as RedDataShape;
  if (Object.entries(wanted).every(([k, v]) => kept[k as keyof RedDataShape] === v)) shape = kept;
  else rmSync(dir, { recursive: true, force: true });
}
const reuse = shape !== null;
// As bench/ui.ts: the data ends at a whole minute, and the view's "now" is that minute.
if (!shape) {
  const endS = Math.floor(Date.now() / 1000 / INTERVAL_S) * INTERVAL_S;
  shape = { ...wanted, startS: endS - (POINTS - 1) * INTERVAL_S };
}
const NOW_S = shape.startS + (POINTS - 1) * INTERVAL_S + 17;
const t0 = performance.now();
const db = await loadRedDb(shape, dir, !reuse);
if (flags.dir) writeFileSync(shapeFile, JSON.stringify(shape));
console.log(`${reuse ? 'reopened' : 'loaded'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const engine = new Engine(db, { maxSamples: 500_000_000 });
const v = dashboardView({ service: 'svc-0', range: '86400' }, NOW_S, Number(flags.width));
const q = viewQueries(STABLE, v, 'service_name', 'svc-0');
const counts = await engine.evalInstant(q.table.counts, v.end * 1000);
const countsJson = JSON.parse(`{"r":${queryDataJson(counts.value)}}`) as { r: { result: InstantSample[] } };
const routes = busiestRoutes(rowsFromCounts(countsJson.r.result, STABLE), null);
const top = topRouteQueries(q, routes);
type Case = { name: string; query: string; instant: boolean };
const cases: Case[] = [
  { name: 'table rates', query: q.table.counts, instant: true },
  { name: 'status split', query: q.statusRates, instant: false },
  { name: 'active requests', query: q.activeRequests, instant: false },
  { name: 'request body size', query: q.requestBodySize, instant: false },
  { name: 'response body size', query: q.responseBodySize, instant: false },
  { name: 'requests by endpoint (top 10)', query: top.requests!, instant: false },
  { name: 'latency buckets (top 5)', query: top.latency!, instant: false },
  { name: 'table latency batch (8 routes)', query: q.table.buckets(routes.slice(0, 8)), instant: true },
].filter((c) => c.name.includes(flags.only));
console.log(`view: ${v.start}..${v.end} step ${v.step}s window ${v.windowS}s`);

async function run(c: Case): Promise<{ engineMs: number; jsonMs: number; cpuMs: number; bytes: number }> {
  const cpu = process.cpuUsage();
  const a = performance.now();
  const r = c.instant ? await engine.evalInstant(c.query, v.end * 1000) : await engine.evalRange(c.query, v.start * 1000, v.end * 1000, v.step * 1000);
  const b = performance.now();
  const json = queryDataJson(r.value);
  const e = performance.now();
  const used = process.cpuUsage(cpu);
  return { engineMs: b - a, jsonMs: e - b, cpuMs: (used.user + used.system) / 1000, bytes: json.length };
}
for (let i = 0; i < Number(flags.warmup); i++) for (const c of cases) await run(c);
let session: Session | null = null;
if (flags.prof) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
let sum = 0;
for (const c of cases) {
  const rs: Array<Awaited<ReturnType<typeof run>>> = [];
  for (let i = 0; i < Number(flags.runs); i++) rs.push(await run(c));
  const eng = median(rs.map((r) => r.engineMs));
  const js = median(rs.map((r) => r.jsonMs));
  const cpu = median(rs.map((r) => r.cpuMs));
  sum += eng + js;
  console.log(`${c.name.padEnd(32)} ${(eng + js).toFixed(1).padStart(7)} ms (engine ${eng.toFixed(1)}, json ${js.toFixed(1)}, cpu ${cpu.toFixed(1)}) ${rs[0].bytes} bytes`);
}
console.log(`${'sum'.padEnd(32)} ${sum.toFixed(1).padStart(7)} ms`);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(flags.prof, JSON.stringify(profile));
  session.disconnect();
}
await db.close();
if (!flags.dir) rmSync(dir, { recursive: true, force: true });
