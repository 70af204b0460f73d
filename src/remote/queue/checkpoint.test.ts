/** The checkpoint file: round trip, alternating slots, and a torn or damaged slot falling back to the other. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../log.ts';
import { CHECKPOINT_FILE, CheckpointWriter, readCheckpoint, type Checkpoint } from './checkpoint.ts';

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (l) => lines.push(l)), lines };
}

const cp = (k: number, shards = 3): Checkpoint => ({
  shards,
  positions: Array.from({ length: shards }, (_, s) => ({ segment: 7 + k, offset: 8 + 1000 * s + k, item: 4_000_000_000 - s })),
});

describe('checkpoint', () => {
  it('reads back the last write; none before the first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-cp-'));
    const { logger } = capture();
    expect(readCheckpoint(dir, logger)).toBeNull();
    const w = new CheckpointWriter(dir);
    for (let k = 0; k < 5; k++) {
      w.write(cp(k));
      expect(readCheckpoint(dir, logger)).toEqual(cp(k));
    }
    expect(statSync(join(dir, CHECKPOINT_FILE)).size).toBe(2 * (24 + 12 * 3));
    w.close();
    // A new writer (the next process) starts a new file; a different shard count is a new layout.
    const w2 = new CheckpointWriter(dir);
    w2.write(cp(9, 5));
    expect(readCheckpoint(dir, logger)).toEqual(cp(9, 5));
    w2.write(cp(10, 5));
    expect(readCheckpoint(dir, logger)).toEqual(cp(10, 5));
    w2.close();
  });

  it.each<[string, (b: Buffer, slot: number) => void]>([
    ['a torn write (the slot half written)', (b, slot) => b.fill(0, slot + 30, slot + 60)],
    ['a flipped bit', (b, slot) => { b[slot + 22] ^= 0x10; }],
    ['a wrong magic', (b, slot) => { b[slot] = 0; }],
  ])('falls back to the previous checkpoint after %s in the newest slot', (_name, damage) => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-cp-'));
    const w = new CheckpointWriter(dir);
    w.write(cp(1));
    w.write(cp(2));
    w.write(cp(3)); // sequence 3: the odd slot
    w.close();
    const path = join(dir, CHECKPOINT_FILE);
    const b = readFileSync(path);
    damage(b, b.length / 2);
    writeFileSync(path, b);
    expect(readCheckpoint(dir, capture().logger)).toEqual(cp(2));
  });

  it('ignores a file with no valid slot, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-cp-'));
    writeFileSync(join(dir, CHECKPOINT_FILE), 'not a checkpoint at all, just text');
    const { logger, lines } = capture();
    expect(readCheckpoint(dir, logger)).toBeNull();
    expect(lines.join('\n')).toMatch(/unreadable checkpoint ignored.*bytes=34/);
  });
});
