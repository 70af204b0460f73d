/**
 * @module Retention (Prometheus tsdb/db.go BeyondTimeRetention, BeyondSizeRetention): which blocks
 * to delete so the data stays within an age and a byte budget.
 */
import type { BlockMeta } from './meta.ts';

/** What retention needs of a block; Block satisfies it. */
export interface RetentionCandidate {
  readonly meta: BlockMeta;
  /** Bytes on disk. */
  size(): number;
}

/** Options of applyRetention; a limit of 0 or absent is off. */
export interface RetentionOptions {
  /** Delete blocks whose every sample is older than now - maxAgeMs (retention.time). */
  maxAgeMs?: number;
  /** Keep the newest blocks whose sizes, plus reservedBytes, fit in this many bytes (retention.size). */
  maxBytes?: number;
  /**
   * Bytes counted against maxBytes before any block: the head's WAL and chunks, as Prometheus
   * counts them. Default 0.
   */
  reservedBytes?: number;
  /**
   * The time retention counts back from, in ms. Prometheus uses the newest data (the head's max
   * time), so a stopped Prometheus does not delete everything on restart; pass Date.now() for
   * wall-clock retention.
   */
  now: number;
}

/** One block to delete and the limit it broke. */
export interface RetentionDecision {
  readonly ulid: string;
  readonly reason: 'time' | 'size';
}

/**
 * The blocks to delete, newest first. Time: a block goes when maxTime <= now - maxAgeMs (maxTime
 * is exclusive, so all its samples are older). Size: blocks are counted newest first (by maxTime,
 * then ULID) and the first one that takes the total over maxBytes goes with every older one.
 */
export function applyRetention(blocks: readonly RetentionCandidate[], opts: RetentionOptions): RetentionDecision[] {
  const sorted = [...blocks].sort((a, b) => b.meta.maxTime - a.meta.maxTime || (a.meta.ulid < b.meta.ulid ? 1 : -1));
  const out = new Map<string, RetentionDecision['reason']>();
  if (opts.maxAgeMs && opts.maxAgeMs > 0) {
    const cutoff = opts.now - opts.maxAgeMs;
    for (const b of sorted) if (b.meta.maxTime <= cutoff) out.set(b.meta.ulid, 'time');
  }
  if (opts.maxBytes && opts.maxBytes > 0) {
    let total = opts.reservedBytes ?? 0;
    for (let i = 0; i < sorted.length; i++) {
      total += sorted[i].size();
      if (total > opts.maxBytes) {
        for (const b of sorted.slice(i)) if (!out.has(b.meta.ulid)) out.set(b.meta.ulid, 'size');
        break;
      }
    }
  }
  return sorted.filter((b) => out.has(b.meta.ulid)).map((b) => ({ ulid: b.meta.ulid, reason: out.get(b.meta.ulid)! }));
}
