// Block micro benchmark: writes a block of 100k series × 120 samples (one chunk each, encoded with
// chunkenc's newChunk), then reports write time, bytes per sample on disk, open time (full and
// quick verification), select latency for a few matchers, and the compaction of that block with
// a second one of the next 2h (chunks copied as they are). Seeded, so repeatable.
//
//   node --import tsx src/tsdb/block/bench.ts [--series 100000] [--encoding delta|xor] [--rounds 7]
//     [--samples 120] [--resource-labels 0] [--aligned] [--write-rounds 1]
//   (--samples 30 --resource-labels 12 --aligned --encoding xor: the shape of the head cut in the 1M-series
//   bench:tsdb run, 15 labels a series and shared timestamps; --write-rounds N writes the block N
//   times and prints the fastest)
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import { ChunkEncoding, newChunk } from '../chunkenc/index.ts';
import { compact, openBlock, writeBlock, type BlockSeries } from './index.ts';
import { mkdtempSync } from 'node:fs';
import { prng } from '../../model/prng.ts';

const { values: flags } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    encoding: { type: 'string', default: 'delta' },
    rounds: { type: 'string', default: '7' },
    samples: { type: 'string', default: '120' },
    'resource-labels': { type: 'string', default: '0' },
    'write-rounds': { type: 'string', default: '1' },
    aligned: { type: 'boolean', default: false },
  },
});
const SERIES = Number(flags.series);
const SAMPLES = Number(flags.samples);
const RESOURCE_LABELS = Number(flags['resource-labels']);
const WRITE_ROUNDS = Number(flags['write-rounds']);
const ALIGNED = flags.aligned;
const INTERVAL_MS = 15_000;
const ROUNDS = Number(flags.rounds);
const ENCODING = flags.encoding === 'xor' ? ChunkEncoding.XOR : ChunkEncoding.Delta;
const T0 = 1_700_000_000_000;
const METRICS = 100;
const INSTANCES = Math.ceil(SERIES / METRICS);


const pad = (n: number, w: number) => String(n).padStart(w, '0');
const ms = (ns: bigint) => Number(ns) / 1e6;

/**
 * Wall and CPU (user + system) time of fn, in ms. On a shared machine the CPU time is the steadier
 * figure: it leaves out the time the process waited for a core.
 */
async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wall = ms(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}

/** Series in label order: __name__ (metric_000…), instance, job — generated and encoded on the fly. */
function* input(offsetMs = 0): Generator<BlockSeries> {
  const rnd = prng(1 + offsetMs);
  for (let m = 0; m < METRICS; m++) {
    for (let i = 0; i < INSTANCES && m * INSTANCES + i < SERIES; i++) {
      const names: Record<string, string> = { __name__: `metric_${pad(m, 3)}`, instance: `host-${pad(i, 4)}`, job: `job-${i % 10}` };
      // Attributes an OTLP resource brings along (service_name, telemetry_sdk_*, …): the same on many series.
      for (let r = 0; r < RESOURCE_LABELS; r++) names[`resource_attr_${pad(r, 2)}`] = `value-${r}-${i % (r + 2)}`;
      const labels: Labels = labelsFrom(names);
      const c = newChunk(ENCODING);
      const app = c.appender();
      // Aligned: every series has the same timestamps, as series of one OTLP exporter do.
      const t0 = T0 + offsetMs + (ALIGNED ? 0 : Math.floor(rnd() * INTERVAL_MS));
      let v = Math.floor(rnd() * 1e6);
      let t = t0;
      let first = t0;
      for (let k = 0; k < SAMPLES; k++) {
        t = t0 + k * INTERVAL_MS + (ALIGNED ? 0 : Math.round((rnd() * 2 - 1) * 3));
        if (k === 0) first = t;
        // Counters with small increments and gauges with two decimals, as scraped series mostly are.
        v = m % 2 === 0 ? v + Math.floor(rnd() * 5) : Math.round((v + rnd() - 0.5) * 100) / 100;
        app.append(t, v);
      }
      yield { labels, chunks: [{ mint: first, maxt: t, encoding: ENCODING, bytes: c.bytes() }] };
    }
  }
}

function dirBytes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) for (const g of readdirSync(p)) out[`${f}/${g}`] = statSync(join(p, g)).size;
    else out[f] = statSync(p).size;
  }
  return out;
}

/**
 * Peak V8 heap and ArrayBuffers in use while it runs, above those at the start: what the writer
 * holds (postings, symbols, series records, buffers) plus garbage not yet collected, which RSS pays for.
 */
function heapPeak(): { stop(): number } {
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const sample = () => (peak = Math.max(peak, used()));
  const timer = setInterval(sample, 10);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak - base;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'pharos-block-bench-'));
  try {
    // Encoding is timed apart from writing: the block writer gets the chunks from an array.
    const enc = await timed(() => [...input()]);
    const heap = heapPeak();
    let wr = await timed(() => writeBlock(parent, enc.value));
    const writerHeap = heap.stop();
    for (let r = 1; r < WRITE_ROUNDS; r++) {
      const again = await timed(() => writeBlock(parent, enc.value));
      rmSync(join(parent, again.value.ulid), { recursive: true, force: true });
      if (again.cpu < wr.cpu) wr = { ...again, value: wr.value };
    }
    const meta = wr.value;
    const dir = join(parent, meta.ulid);
    const sizes = dirBytes(dir);
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    const chunkBytes = Object.entries(sizes).filter(([k]) => k.startsWith('chunks/')).reduce((a, [, b]) => a + b, 0);
    const samples = meta.stats.numSamples;
    console.log(`block: ${meta.stats.numSeries} series, ${samples} samples, ${meta.stats.numChunks} chunks, encoding ${ENCODING === ChunkEncoding.XOR ? 'XOR' : 'Delta'}`);
    console.log(`encode chunks (chunkenc):  ${enc.cpu.toFixed(0)} ms CPU (${enc.wall.toFixed(0)} ms wall)`);
    console.log(`writeBlock (fsync on):     ${wr.cpu.toFixed(0)} ms CPU${WRITE_ROUNDS > 1 ? ` (fastest of ${WRITE_ROUNDS})` : ''} (${wr.wall.toFixed(0)} ms wall, ${((meta.stats.numSeries / wr.wall) * 1000).toFixed(0)} series/s)`);
    console.log(`writer memory (peak - before): ${(writerHeap / 2 ** 20).toFixed(0)} MiB = ${(writerHeap / meta.stats.numSeries).toFixed(0)} B/series (first round, sampled every 10 ms)`);
    console.log(`on disk:                   ${(total / 2 ** 20).toFixed(2)} MiB = ${(total / samples).toFixed(3)} bytes/sample (chunks ${(chunkBytes / samples).toFixed(3)}, index ${(sizes.index / samples).toFixed(3)}; index ${(sizes.index / 2 ** 20).toFixed(2)} MiB)`);

    for (const verify of ['full', 'quick'] as const) {
      const cpu: number[] = [];
      const wall: number[] = [];
      for (let r = 0; r < 3; r++) {
        const o = await timed(() => openBlock(dir, { verify }));
        cpu.push(o.cpu);
        wall.push(o.wall);
        await o.value.close();
      }
      console.log(`openBlock verify=${verify.padEnd(5)}:   ${median(cpu).toFixed(0)} ms CPU (${median(wall).toFixed(0)} ms wall), median of 3`);
    }

    const block = await openBlock(dir, { verify: 'quick' });
    const cases: Array<[string, Matcher[]]> = [
      ['{__name__="metric_042", instance="host-0042"}', [new Matcher('=', '__name__', 'metric_042'), new Matcher('=', 'instance', 'host-0042')]],
      ['{__name__="metric_042"}', [new Matcher('=', '__name__', 'metric_042')]],
      ['{__name__="metric_042", job!="job-3"}', [new Matcher('=', '__name__', 'metric_042'), new Matcher('!=', 'job', 'job-3')]],
      ['{instance=~"host-0001|host-0002|host-0003"}', [new Matcher('=~', 'instance', 'host-0001|host-0002|host-0003')]],
      ['{instance=~"host-001.*"}', [new Matcher('=~', 'instance', 'host-001.*')]],
      ['{instance=~"host-0[0-9]1[0-9]"}', [new Matcher('=~', 'instance', 'host-0[0-9]1[0-9]')]],
      ['{__name__=~"metric_0[0-4].", job="job-1"}', [new Matcher('=~', '__name__', 'metric_0[0-4].'), new Matcher('=', 'job', 'job-1')]],
    ];
    console.log(`\nselect over the whole block, CPU ms, median of ${ROUNDS} (after 1 warm-up):`);
    console.log(`${'matchers'.padEnd(46)} ${'series'.padStart(7)} ${'labels only'.padStart(12)} ${'+ all samples'.padStart(14)} ${'slow regex path'.padStart(16)}`);
    const slow = await openBlock(dir, { verify: 'quick', regexFastPaths: false });
    let sink = 0;
    const warm = async (b: typeof block, ms: Matcher[]) => {
      const q = await b.querier(T0, T0 + 2 * 3_600_000);
      const set = await q.select({ start: T0, end: T0 + 2 * 3_600_000 }, ...ms);
      while (set.next()) for (const it = set.at().iterator(); it.next() !== ValueType.None; ) sink += it.atT();
      q.close();
    };
    for (const [, matchers] of cases) for (const b of [block, slow]) await warm(b, matchers);
    for (const [name, matchers] of cases) {
      const run = async (b: typeof block, readSamples: boolean): Promise<[number, number]> => {
        const times: number[] = [];
        let n = 0;
        for (let r = 0; r <= ROUNDS; r++) {
          const { cpu } = await timed(async () => {
            const q = await b.querier(T0, T0 + 2 * 3_600_000);
            const set = await q.select({ start: T0, end: T0 + 2 * 3_600_000, labelsOnly: !readSamples }, ...matchers);
            n = 0;
            while (set.next()) {
              n++;
              if (readSamples) {
                const it = set.at().iterator();
                while (it.next() !== ValueType.None) sink += it.atV();
              }
            }
            q.close();
          });
          if (r > 0) times.push(cpu);
        }
        return [median(times), n];
      };
      const [labelsOnly, n] = await run(block, false);
      const [full] = await run(block, true);
      const [slowMs] = await run(slow, false);
      console.log(`${name.padEnd(46)} ${String(n).padStart(7)} ${labelsOnly.toFixed(2).padStart(9)} ms ${full.toFixed(2).padStart(11)} ms ${slowMs.toFixed(2).padStart(13)} ms`);
    }
    if (sink === 0.5) console.log(''); // keeps the reads from being optimised away
    await block.close();
    await slow.close();

    const next = await writeBlock(parent, input(2 * 3_600_000));
    const parents = [await openBlock(dir, { verify: 'quick' }), await openBlock(join(parent, next.ulid), { verify: 'quick' })];
    const cp = await timed(() => compact(parent, parents));
    const merged = cp.value;
    for (const p of parents) await p.close();
    console.log(`\ncompact 2 adjacent blocks:  ${cp.cpu.toFixed(0)} ms CPU (${cp.wall.toFixed(0)} ms wall) → ${merged.stats.numSeries} series, ${merged.stats.numSamples} samples, chunks copied`);
    const mem = process.memoryUsage();
    console.log(`\nprocess: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, external+arrayBuffers ${((mem.external + mem.arrayBuffers) / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

await main();
