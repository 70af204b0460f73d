/**
 * End to end: a truncated or bit-flipped WAL segment, chunk file or block index never stops
 * Pharos from starting; the WAL is truncated at the bad frame and a bad block is quarantined,
 * each with a log line naming the file and what was lost, and the rest of the data is served.
 */
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiGet, startPharosProcess, type PharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

const post = (p: PharosProcess, doc: unknown) => fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', body: JSON.stringify(doc), headers: { 'Content-Type': 'application/json' } });

/** Writes one sample of `corrupt.seq` (5 series) per minute for `minutes`, from `base`. */
async function writeMinutes(p: PharosProcess, base: number, minutes: number): Promise<void> {
  for (let m = 0; m < minutes; m++) {
    const r = await post(p, request('corrupt', [gauge('corrupt.seq', [m, m, m, m, m], base + m * 60_000)]));
    expect(r.status).toBe(200);
  }
}

/** Timestamps (ms) of series i="0" within the last `hours` before `at`. */
async function sampleTimes(p: PharosProcess, at: number, hours: number): Promise<number[]> {
  const q = encodeURIComponent(`corrupt_seq{job="corrupt",i="0"}[${hours}h]`);
  const body = await apiGet(p, `/api/v1/query?query=${q}&time=${at / 1000}`);
  expect(body.status).toBe('success');
  const r = body.data.result as Array<{ values: Array<[number, string]> }>;
  return r.length === 0 ? [] : r[0].values.map((v) => Math.round(v[0] * 1000));
}

const SAMPLES_RECORD = 2;

/** The frames of a WAL segment: length u32 LE, CRC u32 LE, then the record, whose first byte is its type. */
function frames(bytes: Buffer): Array<{ offset: number; type: number }> {
  const out: Array<{ offset: number; type: number }> = [];
  for (let p = 0; p + 8 < bytes.length; p += 8 + bytes.readUInt32LE(p)) out.push({ offset: p, type: bytes[p + 8] });
  return out;
}

function walSegments(dataDir: string): string[] {
  const dir = join(dataDir, 'wal');
  return readdirSync(dir).filter((f) => /^\d{8}$/.test(f) && statSync(join(dir, f)).size > 0).sort();
}

function blockDirs(dataDir: string): string[] {
  return readdirSync(dataDir).filter((f) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(f));
}

describe('tsdb corruption at start-up', () => {
  it('truncates a torn WAL segment and a bit-flipped one at the bad frame, logs segment and offset, and serves the rest', async () => {
    const first = await startPharosProcess();
    const base = Date.now() - 60 * 60_000;
    try {
      await writeMinutes(first, base, 30);
    } finally {
      await first.kill();
    }
    const [segment] = walSegments(first.dataDir).slice(-1);
    const path = join(first.dataDir, 'wal', segment);
    // A torn last write: cut inside the last Samples record (docs/format/wal.md), so the last request is lost.
    const lastSamples = frames(readFileSync(path)).filter((f) => f.type === SAMPLES_RECORD).pop()!;
    truncateSync(path, lastSamples.offset + 8 + 3);

    const second = await startPharosProcess({ dataDir: first.dataDir });
    let times: number[];
    try {
      expect(second.output()).toMatch(new RegExp(`wal: corrupt segment truncated.*segment=${segment} offset=${lastSamples.offset} `));
      times = await sampleTimes(second, base + 29 * 60_000, 1);
      expect(times).toEqual(Array.from({ length: 29 }, (_, m) => base + m * 60_000));
    } finally {
      await second.kill();
    }

    // A bit flipped in the middle of the first segment: records from there on in that segment are lost.
    const bytes = readFileSync(path);
    const flipAt = Math.floor(bytes.length / 2);
    bytes[flipAt] ^= 0x04;
    writeFileSync(path, bytes);
    const third = await startPharosProcess({ dataDir: first.dataDir });
    try {
      const line = third.output().split('\n').find((l) => l.includes('wal: corrupt segment truncated'));
      expect(line).toMatch(new RegExp(`segment=${segment}.*offset=(\\d+).*lost_bytes=\\d+`));
      const offset = Number(/offset=(\d+)/.exec(line!)![1]);
      expect(offset).toBeLessThanOrEqual(flipAt);
      expect(existsSync(join(first.dataDir, 'wal', `${segment}.corrupt-${offset}`))).toBe(true);
      const kept = await sampleTimes(third, base + 29 * 60_000, 1);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(29);
      expect(kept).toEqual(times.slice(0, kept.length)); // a prefix survives, nothing invented
    } finally {
      expect(await third.stop()).toBe(0);
    }
  }, 120_000);

  for (const damage of ['bit-flipped chunk file', 'truncated index'] as const) {
    it(`quarantines a block with a ${damage}, logs which file, and serves the head`, async () => {
      const first = await startPharosProcess();
      const base = Date.now() - 4 * 3_600_000;
      try {
        await writeMinutes(first, base, 4 * 60 - 5);
        const deadline = Date.now() + 60_000;
        while (!/tsdb: head cut into a block/.test(first.output())) {
          if (Date.now() > deadline) throw new Error(`no block cut:\n${first.output()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        expect(await first.stop()).toBe(0);
      }
      const blocks = blockDirs(first.dataDir);
      const [ulid] = blocks;
      expect(ulid).toBeDefined();
      const file = damage === 'truncated index' ? 'index' : join('chunks', '000001');
      const path = join(first.dataDir, ulid, file);
      if (damage === 'truncated index') {
        truncateSync(path, statSync(path).size - 10);
      } else {
        const bytes = readFileSync(path);
        bytes[Math.floor(bytes.length / 2)] ^= 0x01;
        writeFileSync(path, bytes);
      }

      const second = await startPharosProcess({ dataDir: first.dataDir });
      try {
        expect(second.output()).toMatch(new RegExp(`block: corrupt block quarantined.*block=${ulid}.*file=${file.replace('/', '\\/')}`));
        expect(existsSync(join(first.dataDir, 'quarantine', ulid))).toBe(true);
        expect(second.output()).toMatch(new RegExp(`tsdb: opened.*blocks=${blocks.length - 1} quarantined_blocks=1`));
        expect(second.output()).toMatch(new RegExp(`tsdb: a quarantined block's samples are not served.*block=${ulid} min_time=\\d+ max_time=\\d+ samples=\\d+`));
        // What the head held after the block (the last hour or so) is still served.
        const times = await sampleTimes(second, base + (4 * 60 - 6) * 60_000, 5);
        expect(times.length).toBeGreaterThan(30);
        expect(times[times.length - 1]).toBe(base + (4 * 60 - 6) * 60_000);
      } finally {
        expect(await second.stop()).toBe(0);
      }
    }, 120_000);
  }
});
