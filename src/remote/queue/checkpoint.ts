/**
 * @module The remote-write buffer's progress file: per shard, the position of its first item not
 * yet acknowledged by the remote (docs/format/remote-write-buffer.md). It is rewritten after every
 * acknowledged send, so it must be cheap: two CRC-checked slots written in turn with one pwrite
 * each (a torn write spoils only the slot being written; the other still holds the previous
 * checkpoint). A process's first write creates the file anew by rename.
 */
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../../log.ts';

/** File name of the checkpoint inside the buffer directory. */
export const CHECKPOINT_FILE = 'checkpoint';
const MAGIC = 0x43575250; // "PRWC" read as u32 LE
const VERSION = 1;
/** magic u32 · version u8 · 3 reserved · seq f64 · shards u32, then 12 bytes per shard, then crc32 u32. */
const SLOT_FIXED_BYTES = 24;
const POSITION_BYTES = 12;

/**
 * A position in the buffer: record at byte `offset` of segment `segment`, item `item` within it
 * (sample or metadata entry, counting from 0). Ordered by (segment, offset, item).
 */
export interface BufferPosition {
  readonly segment: number;
  readonly offset: number;
  readonly item: number;
}

/** What the checkpoint holds: one position per shard; shard i owns series whose hash % shards is i. */
export interface Checkpoint {
  readonly shards: number;
  readonly positions: readonly BufferPosition[];
}

function slotBytes(shards: number): number {
  return SLOT_FIXED_BYTES + POSITION_BYTES * shards;
}

/** Reads the checkpoint of `dir`: the valid slot with the higher sequence; null when there is none (logged if the file exists). */
export function readCheckpoint(dir: string, logger: Logger): Checkpoint | null {
  const path = join(dir, CHECKPOINT_FILE);
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`read remote write checkpoint ${path}`, { cause: err });
  }
  const half = b.length / 2;
  const slots = [decodeSlot(b, 0, Number.isInteger(half) ? half : b.length), Number.isInteger(half) ? decodeSlot(b, half, half) : null];
  let best: { seq: number; cp: Checkpoint } | null = null;
  for (const s of slots) if (s && (!best || s.seq > best.seq)) best = s;
  if (!best) {
    logger.warn('remote write buffer: unreadable checkpoint ignored; the buffer is sent again from its start', { file: path, bytes: b.length });
    return null;
  }
  return best.cp;
}

function decodeSlot(b: Buffer, at: number, size: number): { seq: number; cp: Checkpoint } | null {
  if (size < SLOT_FIXED_BYTES || at + size > b.length) return null;
  if (b.readUInt32LE(at) !== MAGIC || b[at + 4] !== VERSION) return null;
  const shards = b.readUInt32LE(at + 16);
  if (slotBytes(shards) !== size) return null;
  if (crc32(b.subarray(at, at + size - 4)) !== b.readUInt32LE(at + size - 4)) return null;
  const positions: BufferPosition[] = [];
  for (let s = 0; s < shards; s++) {
    const p = at + 20 + s * POSITION_BYTES;
    positions.push({ segment: b.readUInt32LE(p), offset: b.readUInt32LE(p + 4), item: b.readUInt32LE(p + 8) });
  }
  return { seq: b.readDoubleLE(at + 8), cp: { shards, positions } };
}

/** Writes checkpoints of one buffer directory; one instance per open queue. */
export class CheckpointWriter {
  readonly path: string;
  #fd = -1;
  #shards = -1;
  #seq = 0;
  #buf: Buffer = Buffer.alloc(0);

  constructor(dir: string) {
    this.path = join(dir, CHECKPOINT_FILE);
  }

  /** Makes `cp` the checkpoint. Throws on I/O errors (the previous checkpoint then still stands). */
  write(cp: Checkpoint): void {
    const size = slotBytes(cp.shards);
    if (this.#buf.length !== size) this.#buf = Buffer.alloc(size);
    const b = this.#buf;
    const seq = ++this.#seq;
    b.writeUInt32LE(MAGIC, 0);
    b[4] = VERSION;
    b.writeDoubleLE(seq, 8);
    b.writeUInt32LE(cp.shards, 16);
    for (let s = 0; s < cp.shards; s++) {
      const p = cp.positions[s];
      const o = 20 + s * POSITION_BYTES;
      b.writeUInt32LE(p.segment, o);
      b.writeUInt32LE(p.offset, o + 4);
      b.writeUInt32LE(p.item, o + 8);
    }
    b.writeUInt32LE(crc32(b.subarray(0, size - 4)), size - 4);
    if (this.#fd < 0 || this.#shards !== cp.shards) {
      // First write of this process (or a new layout): a whole new file, in place by rename.
      this.close();
      const file = Buffer.alloc(2 * size); // the other slot stays zero: invalid until written
      b.copy(file, (seq % 2) * size);
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, file);
      renameSync(tmp, this.path);
      this.#fd = openSync(this.path, 'r+');
      this.#shards = cp.shards;
      return;
    }
    // Slots alternate with the sequence number, so the previous checkpoint is never overwritten.
    writeSync(this.#fd, b, 0, size, (seq % 2) * size);
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}
