/**
 * @module meta.json: what a block holds and where it came from (Prometheus tsdb/block.go BlockMeta).
 * Parsed strictly, since a damaged meta.json must quarantine the block rather than load it.
 */
import { isUlid } from './ulid.ts';

/** The current meta.json version. */
export const META_VERSION = 1;

/** Counts of what a block holds. */
export interface BlockStats {
  readonly numSamples: number;
  readonly numSeries: number;
  readonly numChunks: number;
  /** Deleted intervals in the tombstones file (recounted from the file at open). */
  readonly numTombstones?: number;
}

/** A block named by ULID with its time range: minTime inclusive, maxTime exclusive, in ms. */
export interface BlockRef {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
}

/** How a block was made: level 1 is cut from the head; compaction makes max(level) + 1. */
export interface BlockCompaction {
  readonly level: number;
  /** ULIDs of the level-1 blocks whose data this block holds, sorted. A level-1 block lists itself. */
  readonly sources: readonly string[];
  /** The blocks merged into this one (absent for level 1). */
  readonly parents?: readonly BlockRef[];
  /** Set when a compaction reading this block failed (e.g. a corrupt chunk); the planner skips it. */
  readonly failed?: boolean;
}

/**
 * The contents of meta.json. `minTime` is inclusive and `maxTime` exclusive (ms), as in
 * Prometheus: every sample t of the block has minTime <= t < maxTime.
 */
export interface BlockMeta {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: BlockCompaction;
  readonly version: number;
}

/** The meta.json bytes of a meta: tab-indented like Prometheus', with a trailing newline. */
export function serializeMeta(meta: BlockMeta): Buffer {
  return Buffer.from(JSON.stringify(meta, null, '\t') + '\n', 'utf8');
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/**
 * Parses and validates meta.json text of the block in directory `ulid`. Throws Error naming the
 * first field that is missing or wrong. Unknown fields are ignored (other tools add their own).
 */
export function parseMeta(text: string, ulid: string): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new Error(`not valid JSON: ${(cause as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.version !== META_VERSION) throw new Error(`unsupported version ${JSON.stringify(m.version)}, want ${META_VERSION}`);
  if (typeof m.ulid !== 'string' || !isUlid(m.ulid)) throw new Error(`bad ulid ${JSON.stringify(m.ulid)}`);
  if (m.ulid !== ulid) throw new Error(`ulid ${m.ulid} does not match the directory name ${ulid}`);
  if (!isTime(m.minTime) || !isTime(m.maxTime) || m.minTime >= m.maxTime) throw new Error(`bad time range minTime=${String(m.minTime)} maxTime=${String(m.maxTime)}`);
  const s = m.stats as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) throw new Error('missing stats');
  for (const k of ['numSamples', 'numSeries', 'numChunks'] as const) if (!isCount(s[k])) throw new Error(`bad stats.${k} ${JSON.stringify(s[k])}`);
  if (s.numTombstones !== undefined && !isCount(s.numTombstones)) throw new Error(`bad stats.numTombstones ${JSON.stringify(s.numTombstones)}`);
  const c = m.compaction as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) throw new Error('missing compaction');
  if (!isCount(c.level) || c.level < 1) throw new Error(`bad compaction.level ${JSON.stringify(c.level)}`);
  const sources = c.sources;
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((x) => typeof x === 'string' && isUlid(x))) throw new Error('bad compaction.sources');
  for (let i = 1; i < sources.length; i++) if (!(sources[i - 1] < sources[i])) throw new Error('compaction.sources not sorted and unique');
  // A level-1 block holds exactly its own data; a compacted block has a new ULID not among its sources.
  if (c.level === 1 ? sources.length !== 1 || sources[0] !== ulid : sources.includes(ulid)) throw new Error(`compaction.sources inconsistent with level ${c.level}`);
  if (c.parents !== undefined) {
    if (!Array.isArray(c.parents)) throw new Error('bad compaction.parents');
    for (const p of c.parents as Array<Record<string, unknown>>) {
      if (typeof p !== 'object' || p === null || typeof p.ulid !== 'string' || !isUlid(p.ulid) || !isTime(p.minTime) || !isTime(p.maxTime)) throw new Error('bad compaction.parents entry');
    }
  }
  if (c.failed !== undefined && typeof c.failed !== 'boolean') throw new Error('bad compaction.failed');
  const compaction: BlockCompaction = {
    level: c.level,
    sources: sources as string[],
    ...(c.parents !== undefined ? { parents: (c.parents as Array<Record<string, number | string>>).map((p) => ({ ulid: p.ulid as string, minTime: p.minTime as number, maxTime: p.maxTime as number })) } : {}),
    ...(c.failed ? { failed: true } : {}),
  };
  return {
    ulid: m.ulid,
    minTime: m.minTime,
    maxTime: m.maxTime,
    stats: {
      numSamples: s.numSamples as number,
      numSeries: s.numSeries as number,
      numChunks: s.numChunks as number,
      ...(s.numTombstones !== undefined ? { numTombstones: s.numTombstones as number } : {}),
    },
    compaction,
    version: META_VERSION,
  };
}
