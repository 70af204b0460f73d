// Chunk encoding benchmark: bytes/sample of the XOR and delta encodings on synthetic series, and
// append/iterate throughput. Series are 120 samples per chunk (Prometheus' head chunk target),
// 15 s apart, with ±3 ms of scrape jitter unless the name says "regular". Seeded, so repeatable.
//
//   node --import tsx bench/chunkenc.ts [--chunks 200] [--rounds 5]
import { parseArgs } from 'node:util';
import { ChunkEncoding, newChunk, type Chunk } from '../src/tsdb/chunkenc/index.ts';
import { ValueType } from '../src/model/value.ts';
import { prng } from '../src/model/prng.ts';

const { values: flags } = parseArgs({
  options: { chunks: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } },
});
const CHUNKS = Number(flags.chunks);
const ROUNDS = Number(flags.rounds);
const SAMPLES_PER_CHUNK = 120;
const INTERVAL_MS = 15_000;
const JITTER_MS = 3;


interface Series {
  ts: Float64Array;
  vs: Float64Array;
}
type Gen = (rnd: () => number, i: number, prev: number) => number;

function makeSeries(seed: number, jitterMs: number, gen: Gen): Series {
  const rnd = prng(seed);
  const ts = new Float64Array(SAMPLES_PER_CHUNK);
  const vs = new Float64Array(SAMPLES_PER_CHUNK);
  const t0 = 1_700_000_000_000 + Math.floor(rnd() * INTERVAL_MS);
  let v = 0;
  for (let i = 0; i < SAMPLES_PER_CHUNK; i++) {
    ts[i] = t0 + i * INTERVAL_MS + Math.round((rnd() * 2 - 1) * jitterMs);
    v = gen(rnd, i, v);
    vs[i] = v;
  }
  return { ts, vs };
}

const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const SHAPES: Array<[string, number, Gen]> = [
  ['(a) counter +U[0,5]', JITTER_MS, (r, i, p) => (i === 0 ? int(r, 0, 1e6) : p + int(r, 0, 5))],
  ['(a) counter +U[0,5] regular', 0, (r, i, p) => (i === 0 ? int(r, 0, 1e6) : p + int(r, 0, 5))],
  ['(a2) counter +U[90,110]', JITTER_MS, (r, i, p) => (i === 0 ? int(r, 0, 1e6) : p + int(r, 90, 110))],
  ['(b) gauge random walk f64', JITTER_MS, (r, i, p) => (i === 0 ? r() * 100 : p + (r() - 0.5))],
  ['(b2) gauge random walk 0.01', JITTER_MS, (r, i, p) => (i === 0 ? 50 : Math.round((p + (r() - 0.5)) * 100) / 100)],
  ['(c) histogram bucket', JITTER_MS, (r, i, p) => (i === 0 ? int(r, 0, 1000) : p + (r() < 0.8 ? 0 : int(r, 1, 3)))],
  ['(c) histogram bucket regular', 0, (r, i, p) => (i === 0 ? int(r, 0, 1000) : p + (r() < 0.8 ? 0 : int(r, 1, 3)))],
  ['(d) constant 0', JITTER_MS, () => 0],
  ['(d) constant 0 regular', 0, () => 0],
];

function encode(encoding: ChunkEncoding, s: Series): Chunk {
  const c = newChunk(encoding);
  const app = c.appender();
  for (let i = 0; i < s.ts.length; i++) app.append(s.ts[i], s.vs[i]);
  return c;
}

function check(c: Chunk, s: Series): void {
  const it = c.iterator();
  for (let i = 0; i < s.ts.length; i++) {
    if (it.next() !== ValueType.Float || it.atT() !== s.ts[i] || !Object.is(it.atV(), s.vs[i])) throw new Error(`round trip failed at ${i}`);
  }
}

const ENCODINGS: Array<[string, ChunkEncoding]> = [
  ['xor', ChunkEncoding.XOR],
  ['delta', ChunkEncoding.Delta],
];

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, d: number, n: number): string => x.toFixed(d).padStart(n);
console.log(`bytes/sample (${CHUNKS} chunks × ${SAMPLES_PER_CHUNK} samples, chunk bytes incl. header, excl. the encoding byte)`);
console.log(`${pad('series', 32)}${ENCODINGS.map(([n]) => n.padStart(9)).join('')}`);
const corpus: Series[] = [];
for (const [name, jitter, gen] of SHAPES) {
  const series = Array.from({ length: CHUNKS }, (_, k) => makeSeries(k * 7919 + name.length, jitter, gen));
  corpus.push(...series);
  const cells = ENCODINGS.map(([, enc]) => {
    let bytes = 0;
    for (const s of series) {
      const c = encode(enc, s);
      check(c, s);
      bytes += c.bytes().length;
    }
    return num(bytes / (CHUNKS * SAMPLES_PER_CHUNK), 3, 9);
  });
  console.log(`${pad(name, 32)}${cells.join('')}`);
}

console.log(`\nthroughput over all series above (${corpus.length} chunks, best of ${ROUNDS}), million samples/s`);
console.log(`${pad('encoding', 10)}${'append'.padStart(9)}${'iterate'.padStart(9)}`);
for (const [name, enc] of ENCODINGS) {
  let bestAppend = 0;
  let bestIter = 0;
  let sink = 0;
  const total = corpus.length * SAMPLES_PER_CHUNK;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    const chunks = corpus.map((s) => encode(enc, s));
    bestAppend = Math.max(bestAppend, total / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    let it = chunks[0].iterator();
    for (const c of chunks) {
      it = c.iterator(it);
      while (it.next() !== ValueType.None) sink += it.atT() + it.atV();
    }
    bestIter = Math.max(bestIter, total / ((performance.now() - t0) / 1000));
  }
  if (sink === 42) console.log('');
  console.log(`${pad(name, 10)}${num(bestAppend / 1e6, 2, 9)}${num(bestIter / 1e6, 2, 9)}`);
}
