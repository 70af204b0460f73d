/**
 * @module WAL micro benchmark: log() of 1000-sample records (encode + one write each), replay
 * (framing + CRC only, and decoded into a samples visitor), fsync 'always', and a checkpoint.
 * Run: node --import tsx src/tsdb/wal/bench.ts [records=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFrom } from '../../model/labels.ts';
import { checkpoint } from './checkpoint.ts';
import { decodingVisitor, replayWal } from './reader.ts';
import { RecordEncoder } from './records.ts';
import { Wal } from './wal.ts';

const RECORDS = Number(process.argv[2] ?? 20_000);
const SAMPLES = 1000;
const T = 1_700_000_000_000;

function line(name: string, records: number, bytes: number, ms: number, extra = ''): void {
  const mbs = bytes / 1e6 / (ms / 1000);
  const rps = records / (ms / 1000);
  console.log(`${name.padEnd(44)} ${rps.toFixed(0).padStart(9)} records/s ${mbs.toFixed(0).padStart(6)} MB/s ${(rps * SAMPLES / 1e6).toFixed(1).padStart(6)} M samples/s  ${extra}`);
}

const dir = mkdtempSync(join(tmpdir(), 'pharos-wal-bench-'));
try {
  // A scrape-like batch: 1000 consecutive series, one timestamp, varied values.
  const refs = Uint32Array.from({ length: SAMPLES }, (_, i) => i + 1);
  const t = new Float64Array(SAMPLES);
  const v = Float64Array.from({ length: SAMPLES }, (_, i) => Math.sin(i) * 1e6);
  const enc = new RecordEncoder();
  const wal = Wal.open(join(dir, 'wal'));
  const series = Array.from({ length: SAMPLES }, (_, i) => ({ ref: i + 1, labels: labelsFrom({ __name__: 'bench_metric', instance: `host-${i % 50}:9100`, job: 'node', id: String(i) }) }));
  wal.log(enc.series(series));

  // Warm-up (JIT, page cache), not measured.
  const warm = Wal.open(join(dir, 'warm-up'));
  for (let k = 0; k < 2000; k++) {
    enc.reset();
    t.fill(T + k);
    warm.log(enc.samples(refs, t, v, SAMPLES));
  }
  warm.close();
  rmSync(join(dir, 'warm-up'), { recursive: true });

  enc.reset();
  t.fill(T - 1);
  const fixed = enc.samples(refs, t, v, SAMPLES).slice();
  const t1 = performance.now();
  for (let k = 0; k < RECORDS; k++) wal.log(fixed);
  line(`log(): write only (pre-encoded)`, RECORDS, RECORDS * (fixed.length + 8), performance.now() - t1);

  let bytes = 0;
  const t0 = performance.now();
  for (let k = 0; k < RECORDS; k++) {
    enc.reset();
    t.fill(T + k * 15_000);
    const rec = enc.samples(refs, t, v, SAMPLES);
    wal.log(rec);
    bytes += rec.length + 8;
  }
  const logMs = performance.now() - t0;
  line(`log(): encode + write, fsync never`, RECORDS, bytes, logMs, `(${(bytes / RECORDS).toFixed(0)} B/record, ${wal.segments().last + 1} segments)`);

  const t2 = performance.now();
  for (let k = 0; k < RECORDS; k++) {
    enc.reset();
    t.fill(T + k * 15_000);
    enc.samples(refs, t, v, SAMPLES);
  }
  line(`encode only`, RECORDS, bytes, performance.now() - t2);
  wal.close();

  // Replay what was there at open (the dir now holds 2 × RECORDS samples records).
  const total = 2 * RECORDS + 1;
  const r0 = performance.now();
  const raw = replayWal(join(dir, 'wal'), () => {});
  line(`replay: framing + CRC only`, raw.records, raw.bytes, performance.now() - r0);
  let samples = 0;
  const r1 = performance.now();
  const decoded = replayWal(join(dir, 'wal'), decodingVisitor({ samples: (_r, _t, _v, n) => (samples += n) }));
  line(`replay: decoded into a samples visitor`, decoded.records, decoded.bytes, performance.now() - r1, `(${samples} samples)`);
  if (raw.records !== total || samples !== 2 * RECORDS * SAMPLES) throw new Error(`replayed ${raw.records} records, ${samples} samples`);

  const w2 = Wal.open(join(dir, 'wal'));
  const through = w2.segments().last - 1;
  const c0 = performance.now();
  const cp = await checkpoint(w2, { throughSegment: through, keepSeries: (ref) => ref % 2 === 0, minTime: T + RECORDS * 15_000 * 0.5 });
  line(`checkpoint (keep 1/2 of series, t ≥ midpoint)`, raw.records, raw.bytes, performance.now() - c0, `(${cp.samples.kept} samples kept, ${(cp.bytes / 1e6).toFixed(0)} MB)`);
  w2.close();

  const syncDir = join(dir, 'wal-sync');
  const ws = Wal.open(syncDir, { fsync: 'always' });
  const n = Math.min(500, RECORDS);
  const s0 = performance.now();
  for (let k = 0; k < n; k++) ws.log(fixed);
  line(`log(): write + fdatasync (fsync always)`, n, n * (fixed.length + 8), performance.now() - s0);
  ws.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
