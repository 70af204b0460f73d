/**
 * @module `npm run bench:query` without HTTP, to profile: loads the same RED data set into an
 * embedded TSDB in this process, then times each query through the engine and the API's JSON
 * serialisation separately (median of --runs after --warmup rounds of the whole set).
 *
 *   node --import tsx bench/query-engine.ts                            # all queries
 *   node --import tsx bench/query-engine.ts --only 'all services 24h'  # cases whose "name range" contains this
 *   node --import tsx bench/query-engine.ts --dir /tmp/red             # keep the loaded store and reuse it next time
 *   node --import tsx bench/query-engine.ts --only p99 --prof /tmp/p99.cpuprofile   # profile of the timed runs
 *   node --import tsx bench/query-engine.ts --dir /tmp/red --dump /tmp/a.txt --runs 0 # answers, to diff two versions
 *
 * --prof records only the timed runs (not loading or warm-up); node's own --cpu-prof works too but
 * also covers loading. Open the .cpuprofile in Chrome DevTools or summarise it with bench/cpuprofile-top.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { queryDataJson } from '../src/api/v1/format.ts';
import { Engine } from '../src/promql/engine.ts';
import type { RedDataShape } from './red-data.ts';
import { loadRedDb } from './red-db.ts';
import { median, redCases } from './red-queries.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '20' },
    routes: { type: 'string', default: '10' },
    codes: { type: 'string', default: '5' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    only: { type: 'string', default: '' },
    dir: { type: 'string', default: '' },
    /** Writes a CPU profile of the timed runs only (not loading, not warm-up) to this file. */
    prof: { type: 'string', default: '' },
    /** Writes every case's JSON answer to this file, one line each, to compare two versions byte for byte. */
    dump: { type: 'string', default: '' },
  },
});
const INTERVAL_S = Number(flags.interval);
const POINTS = Math.floor((Number(flags.hours) * 3600) / INTERVAL_S);
const wanted = { services: Number(flags.services), routes: Number(flags.routes), codes: Math.min(5, Number(flags.codes)), points: POINTS, intervalS: INTERVAL_S };

// A kept store is reused when it holds the same shape; its times are those it was loaded with.
const dir = flags.dir || mkdtempSync(join(tmpdir(), 'pharos-bench-qe-'));
const shapeFile = join(dir, 'red-shape.json');
let shape: RedDataShape | null = null;
if (flags.dir && existsSync(shapeFile)) {
  const kept = JSON.parse(readFileSync(shapeFile, 'utf8')) as RedDataShape;
  if (Object.entries(wanted).every(([k, v]) => kept[k as keyof RedDataShape] === v)) shape = kept;
  else rmSync(dir, { recursive: true, force: true });
}
const reuse = shape !== null;
if (!shape) {
  const endS = Math.floor(Date.now() / 1000 / 3600) * 3600;
  shape = { ...wanted, startS: endS - POINTS * INTERVAL_S + 7 };
}
const END_S = shape.startS - 7 + shape.points * shape.intervalS;
const t0 = performance.now();
const db = await loadRedDb(shape, dir, !reuse);
if (flags.dir) writeFileSync(shapeFile, JSON.stringify(shape));
const st = db.stats();
console.log(`${reuse ? 'reopened' : 'loaded'} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${st.blocks} blocks, head ${st.series} series / ${st.samples} samples`);

const engine = new Engine(db, { maxSamples: 500_000_000 });
const cases = redCases(END_S).filter((c) => `${c.name} ${c.label}`.includes(flags.only));
async function run(c: (typeof cases)[number]): Promise<{ engineMs: number; jsonMs: number; cpuMs: number; bytes: number; series: number }> {
  const cpu = process.cpuUsage();
  const a = performance.now();
  const r = c.range ? await engine.evalRange(c.query, c.range.start * 1000, c.range.end * 1000, c.range.step * 1000) : await engine.evalInstant(c.query, END_S * 1000);
  const b = performance.now();
  const json = queryDataJson(r.value);
  const e = performance.now();
  const used = process.cpuUsage(cpu);
  const series = r.value.resultType === 'matrix' ? r.value.series.length : r.value.resultType === 'vector' ? r.value.labels.length : 1;
  return { engineMs: b - a, jsonMs: e - b, cpuMs: (used.user + used.system) / 1000, bytes: json.length, series };
}
if (flags.dump) {
  const lines: string[] = [];
  for (const c of cases) {
    const r = c.range ? await engine.evalRange(c.query, c.range.start * 1000, c.range.end * 1000, c.range.step * 1000) : await engine.evalInstant(c.query, END_S * 1000);
    lines.push(`${c.name} ${c.label}\t${queryDataJson(r.value)}`);
  }
  writeFileSync(flags.dump, lines.join('\n') + '\n');
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
const rows: string[][] = [];
for (const c of cases) {
  const rs: Array<Awaited<ReturnType<typeof run>>> = [];
  await run(c);
  for (let i = 0; i < Number(flags.runs); i++) rs.push(await run(c));
  const eng = median(rs.map((r) => r.engineMs));
  const js = median(rs.map((r) => r.jsonMs));
  const cpu = median(rs.map((r) => r.cpuMs));
  rows.push([c.name, c.label, (eng + js).toFixed(1), eng.toFixed(1), js.toFixed(1), cpu.toFixed(1), String(rs[0].series), String(rs[0].bytes)]);
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(flags.prof, JSON.stringify(profile));
  session.disconnect();
}
// CPU time (this process, all threads: GC helpers count too) moves less than wall time when
// other work shares the cores.
const header = ['query', 'range', 'total ms', 'engine ms', 'json ms', 'cpu ms', 'series', 'json bytes'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => `| ${r.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(fmt(r));
await db.close();
if (!flags.dir) rmSync(dir, { recursive: true, force: true });
