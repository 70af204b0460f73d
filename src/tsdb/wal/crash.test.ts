/**
 * A real crash: a child process logs records in a loop, printing each sequence number after
 * log() returned, and is killed with SIGKILL. Reopened, the WAL must hold every acknowledged
 * record exactly once (and at most the one being written at the kill besides). Twice, so the
 * second run also starts after a killed one.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from './records.ts';
import { replayWal } from './reader.ts';
import { tmpDir } from './test-util.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./testdata/crash-writer.ts', import.meta.url));
const T = 1_700_000_000_000;
const SEGMENT_BYTES = 64 * 1024;

/** Runs the writer for about `ms` after its first ack, kills it, returns the acknowledged seqs. */
async function runAndKill(dir: string, firstSeq: number, ms: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(SEGMENT_BYTES), String(firstSeq)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close' comes after the last stdout data, so every ack written before the kill is read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('\n')) {
    if (child.exitCode !== null) throw new Error(`crash-writer exited early (${child.exitCode}):\n${err}`);
    if (Date.now() > deadline) throw new Error(`crash-writer did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await closed;
  expect(child.signalCode).toBe('SIGKILL');
  // A line cut by the kill is not an ack.
  const lines = out.split('\n');
  lines.pop();
  return lines.map(Number);
}

/** Every logged record as its seq, checking each record's samples are whole. */
function loggedSeqs(dir: string): { seqs: number[]; repairs: number; series: number } {
  const seqs: number[] = [];
  let series = 0;
  const decoder = new RecordDecoder();
  const result = replayWal(dir, (_type, record) =>
    decoder.decode(record, {
      series: () => series++,
      samples: (refs, t, v, n) => {
        const seq = v[0];
        let whole = n === 1 + (seq % 20);
        for (let i = 0; i < n; i++) whole &&= refs[i] === Math.floor(seq / 100) + 1 && t[i] === T + seq * 100 + i && v[i] === seq;
        if (!whole) throw new Error(`record ${seq} is not the one logged`);
        seqs.push(seq);
      },
    }),
  );
  return { seqs, repairs: result.report.repairs.length, series };
}

describe('Wal after SIGKILL', () => {
  it('holds every acknowledged record exactly once', { timeout: 60_000 }, async () => {
    const dir = tmpDir('pharos-wal-crash-');
    const acked1 = await runAndKill(dir, 0, 1000);
    const acked2 = await runAndKill(dir, 10_000_000, 1000);
    const { seqs, repairs, series } = loggedSeqs(dir);
    console.log(`wal crash test: ${acked1.length} + ${acked2.length} records acknowledged, ${seqs.length} replayed, ${repairs} repairs`);
    expect(acked1.length).toBeGreaterThan(100);
    expect(acked2.length).toBeGreaterThan(100);
    const seen = new Set(seqs);
    expect(seen.size).toBe(seqs.length); // exactly once
    for (const acked of [acked1, acked2]) {
      expect(acked).toEqual(acked.map((_, k) => acked[0] + k));
      for (const s of acked) if (!seen.has(s)) throw new Error(`acknowledged record ${s} is missing`);
    }
    // Replay order is log order; beyond the acks at most the record in flight at each kill.
    const run1 = seqs.filter((s) => s < 10_000_000);
    const run2 = seqs.filter((s) => s >= 10_000_000);
    expect(seqs).toEqual([...run1, ...run2]);
    expect(run1).toEqual(run1.map((_, k) => k));
    expect(run2).toEqual(run2.map((_, k) => 10_000_000 + k));
    expect(run1.length - acked1.length).toBeLessThanOrEqual(1);
    expect(run2.length - acked2.length).toBeLessThanOrEqual(1);
    expect(series).toBe(Math.ceil(run1.length / 100) + Math.ceil(run2.length / 100));
  });
});
