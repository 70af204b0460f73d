/**
 * @module The embedded store (Prometheus tsdb/db.go): the head (compressed in-memory chunks) behind
 * a segmented WAL, plus immutable on-disk blocks cut from the head every block range, compacted
 * into larger ones and deleted by retention. Queriers merge blocks and head transparently.
 * Background work runs in the same process in small steps (writers yield every 1024 series), so
 * appends and queries keep being served while a block is written. Deletes take turns with it:
 * tombstones in blocks, tombstones or dropped series in the head (logged to the WAL first).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Matcher } from '../model/matcher.ts';
import type { Appendable, Appender, Deletable, MetricMetadata, Queryable, Querier, SelectHints } from '../storage/interface.ts';
import { StorageError } from '../storage/interface.ts';
import type { SeriesAdmission } from '../storage/series-limits.ts';
import { applyRetention, BlockWriterThread, compact, mergeQueriers, openBlock, openBlocks, planCompaction, removeBlockDir, unpackSeries, writeBlock, type Block, type BlockMeta } from './block/index.ts';
import { DEFAULT_READ_CACHE_BYTES, PageCache } from './block/page-cache.ts';
import { parseMeta } from './block/meta.ts';
import { Head, type CommitBatch, type HeadCardinality } from './head/index.ts';
import { CommitLog, replayIntoHead, type HeadReplay } from './head-log.ts';
import { checkpoint, Wal } from './wal/index.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The logging the store needs. */
export interface DbLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of openDb. */
export interface DbOptions {
  dir: string;
  now?: () => number;
  logger?: DbLogger;
  /** WAL fsync policy: 'never' survives kill -9, 'always' power loss too (default 'never'). */
  fsync?: 'never' | 'always';
  /** Blocks whose samples are all older than this, counted back from the newest sample, are deleted (ms; default 15d; 0 = off). */
  retentionTimeMs?: number;
  /** Oldest blocks are deleted while blocks + WAL + head chunk files exceed this (bytes; default 0 = off). */
  retentionBytes?: number;
  /** The head is cut into blocks of this range once it spans 1.5 times it (ms, default 2h). */
  blockRangeMs?: number;
  /** WAL segment size (bytes, default 128 MiB). */
  walSegmentBytes?: number;
  /** Background work also runs this often, besides when commits make the head too long (ms, default 1 min). */
  maintenanceIntervalMs?: number;
  /**
   * Samples at most this much older than the newest one are accepted out of order (ms; Prometheus'
   * out_of_order_time_window; default 0 = rejected as out_of_order). The head's range bounds it:
   * nothing older than the newest block is accepted.
   */
  outOfOrderTimeWindowMs?: number;
  /** Cardinality limits: asked before the head creates a series (storage/series-limits.ts). */
  seriesLimiter?: SeriesAdmission;
  /** Bytes of block chunk pages kept in memory for queries (default 64 MiB; 0 = none; block/page-cache.ts). */
  readCacheBytes?: number;
  /** Write blocks cut from the head on a worker thread, off the thread that ingests (default true; false writes them in-thread). */
  blockWriterThread?: boolean;
}

/** Figures of the store, for /api/v1/status/tsdb and tests. */
export interface DbStats {
  /** Head series and samples. */
  readonly series: number;
  readonly samples: number;
  /** Oldest and newest time held, head and blocks (ms; 0 when empty). */
  readonly minTime: number;
  readonly maxTime: number;
  readonly walBytes: number;
  readonly blocks: number;
  readonly blockBytes: number;
  readonly headChunks: number;
  /** Bytes of the head's chunk files (chunks_head/). */
  readonly headChunkBytes: number;
}

/** Compaction ranges as multiples of the block range: Prometheus' 1, 3, 9, … up to 31 days. */
function blockRanges(range: number): number[] {
  const out: number[] = [];
  for (let r = range; r <= 31 * DAY_MS && out.length < 10; r *= 3) out.push(r);
  return out;
}

const POLL_MS = 10;
/** How long a cut waits for appenders and queriers opened before it (then goes ahead with a warning). */
const WAIT_LIMIT_MS = 60_000;
const RETRY_AFTER_FAILURE_MS = 60_000;

/** The embedded store. Appenders and queriers as in storage/interface.ts. */
export class Db implements Appendable, Queryable, Deletable {
  readonly #dir: string;
  readonly #head: Head;
  readonly #wal: Wal;
  readonly #commitLog: CommitLog;
  #blocks: Block[];
  readonly #log: DbLogger | undefined;
  readonly #range: number;
  readonly #ranges: number[];
  readonly #retentionTimeMs: number;
  readonly #retentionBytes: number;
  /** The oldest sample committed since the head was last truncated (a lower bound of the head's min time). */
  #headMinT: number;
  #maintenance: Promise<void> | null = null;
  #scheduled = false;
  #retryAt = 0;
  readonly #abort = new AbortController();
  /** Writes the head's cuts off this thread; null writes them here. */
  readonly #writer: BlockWriterThread | null;
  /** Block chunk pages read by queries, shared by every block. */
  readonly #pageCache: PageCache;
  readonly #timer: NodeJS.Timeout;
  /** Open queriers by the block-set epoch they were opened in: a head truncation waits for older ones. */
  #epoch = 0;
  readonly #readers = new Map<number, number>();
  #closed = false;

  private constructor(options: DbOptions, head: Head, wal: Wal, commitLog: CommitLog, blocks: Block[], pageCache: PageCache) {
    this.#dir = options.dir;
    this.#pageCache = pageCache;
    this.#writer = (options.blockWriterThread ?? true) ? new BlockWriterThread() : null;
    this.#head = head;
    this.#wal = wal;
    this.#commitLog = commitLog;
    this.#blocks = blocks;
    this.#log = options.logger;
    this.#range = options.blockRangeMs ?? 2 * HOUR_MS;
    this.#ranges = blockRanges(this.#range);
    this.#retentionTimeMs = options.retentionTimeMs ?? 15 * DAY_MS;
    this.#retentionBytes = options.retentionBytes ?? 0;
    this.#headMinT = head.stats().minTime;
    this.#timer = setInterval(() => this.#schedule(), options.maintenanceIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Opens the blocks (quarantining corrupt ones), the WAL (repairing it) and replays it into the head. */
  static async open(options: DbOptions): Promise<Db> {
    const started = Date.now();
    const { dir } = options;
    const log = options.logger;
    mkdirSync(dir, { recursive: true });
    const pageCache = new PageCache(options.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES);
    const { blocks, report } = await openBlocks(dir, { pageCache, ...(log ? { logger: log } : {}) });
    const wal = Wal.open(join(dir, 'wal'), { fsync: options.fsync ?? 'never', ...(log ? { logger: log } : {}), ...(options.walSegmentBytes ? { segmentSize: options.walSegmentBytes } : {}) });
    const commitLog = new CommitLog(wal);
    let db: Db | null = null;
    // Head chunks never straddle a block boundary when their range is the block range.
    const head = new Head({
      dir,
      chunkRangeMs: options.blockRangeMs ?? 2 * HOUR_MS,
      ...(options.now ? { now: options.now } : {}),
      ...(options.outOfOrderTimeWindowMs ? { outOfOrderTimeWindowMs: options.outOfOrderTimeWindowMs } : {}),
      ...(options.seriesLimiter ? { seriesLimiter: options.seriesLimiter } : {}),
      onCommit: (batch) => {
        commitLog.log(batch);
        db?.onCommitted(batch);
      },
    });
    // Samples below the newest block's end are in blocks already; replay skips them.
    const blocksEnd = blocks.reduce((m, b) => Math.max(m, b.meta.maxTime), -Infinity);
    head.minValidT = blocksEnd;
    let replay: HeadReplay;
    try {
      replay = replayIntoHead(wal, head);
    } catch (err) {
      wal.close();
      await head.close();
      for (const b of blocks) void b.close();
      throw err;
    }
    if (blocks.length > 0) head.truncate(blocksEnd);
    for (const q of report.quarantined) {
      const meta = quarantinedMeta(q.movedTo ?? join(dir, q.ulid));
      log?.warn("tsdb: a quarantined block's samples are not served", { block: q.ulid, ...(meta ? { min_time: meta.minTime, max_time: meta.maxTime, samples: meta.stats.numSamples, series: meta.stats.numSeries } : { meta: 'unreadable' }) });
    }
    db = new Db(options, head, wal, commitLog, blocks, pageCache);
    log?.info('tsdb: opened', {
      blocks: blocks.length,
      quarantined_blocks: report.quarantined.length,
      series: head.stats().numSeries,
      samples_replayed: replay.samples,
      samples_skipped: replay.skippedSamples,
      wal_segments: replay.wal.segments,
      wal_repairs: replay.wal.report.repairs.length,
      wal_lost_bytes: replay.wal.report.lostBytes,
      duration_ms: Date.now() - started,
    });
    db.#schedule();
    return db;
  }

  appender(): Appender {
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    return this.#head.appender();
  }

  /** @internal The head's onCommit, after the batch is in the WAL: notes its time span. */
  onCommitted(batch: CommitBatch): void {
    const t = batch.t;
    let min = this.#headMinT;
    let max = this.#head.maxTime;
    for (let i = 0; i < batch.n; i++) {
      const x = t[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
    for (let i = 0; i < batch.oooN; i++) if (batch.oooT[i] < min) min = batch.oooT[i];
    this.#headMinT = min;
    if (max - min > this.#range * 1.5) this.#schedule();
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    const epoch = this.#epoch;
    this.#readers.set(epoch, (this.#readers.get(epoch) ?? 0) + 1);
    // Taken synchronously, so no block can be closed between the listing and its querier.
    const pending: Array<Promise<Querier>> = [];
    for (const b of this.#blocks) if (b.meta.minTime <= maxt && b.meta.maxTime > mint) pending.push(b.querier(mint, maxt));
    pending.push(this.#head.querier(mint, maxt));
    let merged: Querier;
    try {
      merged = mergeQueriers(await Promise.all(pending));
    } catch (err) {
      this.#release(epoch);
      throw err;
    }
    let closed = false;
    return {
      select: (hints: SelectHints, ...matchers: Matcher[]) => merged.select(hints, ...matchers),
      labelNames: (...matchers: Matcher[]) => merged.labelNames(...matchers),
      labelValues: (name: string, ...matchers: Matcher[]) => merged.labelValues(name, ...matchers),
      close: () => {
        if (closed) return;
        closed = true;
        merged.close();
        this.#release(epoch);
      },
    };
  }

  #release(epoch: number): void {
    const n = (this.#readers.get(epoch) ?? 1) - 1;
    if (n <= 0) this.#readers.delete(epoch);
    else this.#readers.set(epoch, n);
  }

  metadata(): ReadonlyMap<string, MetricMetadata> {
    return this.#head.metadata();
  }

  /** The blocks' metas, oldest first. */
  blocks(): BlockMeta[] {
    return this.#blocks.map((b) => b.meta);
  }

  /**
   * Deletes the samples in [mint, maxt] (inclusive ms) of every series matching all matchers, in
   * blocks (tombstones, dropped at the next compaction or cleanTombstones) and in the head
   * (tombstones, or the series dropped when it loses every sample; logged to the WAL first, so
   * the delete survives a restart). Like Prometheus, samples appended afterwards are kept. Waits
   * for running background work, and holds new work off until done.
   */
  async delete(mint: number, maxt: number, ...matchers: Matcher[]): Promise<void> {
    if (matchers.length === 0) throw new Error('delete needs at least one matcher');
    await this.#exclusive(async () => {
      let series = 0;
      for (const b of this.#blocks) series += await b.delete(mint, maxt, matchers);
      const plan = this.#head.planDelete(mint, maxt, matchers);
      try {
        this.#commitLog.logDelete(plan);
      } catch (cause) {
        throw new StorageError('unavailable', `delete: cannot write the WAL: ${(cause as Error).message}`, { cause });
      }
      this.#head.applyDelete(plan);
      this.#log?.info('tsdb: series deleted', { mint: Number.isFinite(mint) ? mint : String(mint), maxt: Number.isFinite(maxt) ? maxt : String(maxt), block_series: series, head_series_tombstoned: plan.refs.length, head_series_dropped: plan.drop.length });
    });
  }

  /**
   * Rewrites every block that has tombstones without the deleted samples (Prometheus'
   * CleanTombstones). The head's tombstones are applied when it is cut into a block.
   */
  async cleanTombstones(): Promise<void> {
    await this.#exclusive(async () => {
      for (const b of [...this.#blocks]) {
        if (this.#closed) return;
        if (b.meta.stats.numTombstones === 0) continue;
        const meta = await compact(this.#dir, [b], { signal: this.#abort.signal, ...(this.#log ? { logger: this.#log } : {}) });
        const block = await openBlock(join(this.#dir, meta.ulid), { verify: 'quick', pageCache: this.#pageCache, ...(this.#log ? { logger: this.#log } : {}) });
        this.#setBlocks([...this.#blocks.filter((x) => x !== b), block]);
        void b.close();
        this.#log?.info('tsdb: block rewritten without its tombstones', { block: b.ulid, new_block: meta.ulid, series: meta.stats.numSeries, samples: meta.stats.numSamples });
      }
    });
  }

  /** Runs `fn` while no background work runs, and keeps new work from starting until it is done. */
  async #exclusive(fn: () => Promise<void>): Promise<void> {
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    while (this.#maintenance) await this.#maintenance;
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    const run = fn();
    this.#maintenance = run.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      this.#maintenance = null;
      this.#schedule();
    });
    return run;
  }

  /** The head's cardinality figures (/api/v1/status/tsdb): the `limit` largest of each list. */
  cardinality(limit: number): HeadCardinality & { walBytes: number } {
    return { ...this.#head.cardinality(limit), walBytes: this.#wal.size() };
  }

  stats(): DbStats {
    const h = this.#head.stats();
    let minTime = h.minTime;
    let maxTime = h.maxTime;
    let blockBytes = 0;
    for (const b of this.#blocks) {
      minTime = Math.min(minTime, b.meta.minTime);
      maxTime = Math.max(maxTime, b.meta.maxTime - 1);
      blockBytes += b.size();
    }
    return {
      series: h.numSeries,
      samples: h.numSamples,
      minTime: Number.isFinite(minTime) ? minTime : 0,
      maxTime: Number.isFinite(maxTime) ? maxTime : 0,
      walBytes: this.#wal.size(),
      blocks: this.#blocks.length,
      blockBytes,
      headChunks: h.numChunks,
      headChunkBytes: h.spilledBytes,
    };
  }

  /** Runs due background work now (cut, compaction, retention) and resolves when none is left. */
  async maintain(): Promise<void> {
    while (this.#maintenance) await this.#maintenance;
    this.#retryAt = 0;
    this.#start();
    if (this.#maintenance) await this.#maintenance;
  }

  #schedule(): void {
    if (this.#closed || this.#maintenance !== null || this.#scheduled || Date.now() < this.#retryAt) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    if (this.#closed || this.#maintenance !== null) return;
    this.#maintenance = this.#maintainOnce()
      .catch((err: Error) => {
        if (this.#closed) return;
        this.#retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
        this.#log?.warn('tsdb: background work failed, retrying in 1m', { err: err.message });
      })
      .finally(() => {
        this.#maintenance = null;
      });
  }

  async #maintainOnce(): Promise<void> {
    // Like Prometheus, every due cut first, then one WAL checkpoint for all of them.
    let cutAt: number | null = null;
    for (let t = await this.#cutHead(); t !== null && !this.#closed; t = await this.#cutHead()) cutAt = t;
    if (cutAt !== null && !this.#closed) await this.#checkpointWal(cutAt);
    await this.#compactBlocks();
    this.#applyRetention();
  }

  /**
   * Cuts the head's oldest block range into a block when the head spans more than 1.5 ranges and
   * truncates the head there; returns the block's end (exclusive), or null when none was due.
   */
  async #cutHead(): Promise<number | null> {
    const head = this.#head;
    const mint = head.stats().minTime;
    this.#headMinT = Math.min(this.#headMinT, mint);
    if (!(head.maxTime - mint > this.#range * 1.5)) {
      this.#headMinT = mint;
      return null;
    }
    const started = Date.now();
    const maxt = Math.floor(mint / this.#range) * this.#range + this.#range; // exclusive
    // From here appends below maxt are out of bounds; wait for batches validated before.
    if (maxt > head.minValidT) head.minValidT = maxt;
    const before = [...head.openAppenders];
    await this.#waitFor('appenders', () => before.every((id) => !head.openAppenders.has(id)) || this.#closed);
    const signal = this.#abort.signal;
    this.#log?.info('tsdb: cutting the head into a block', { mint, maxt, head_max_time: head.maxTime });
    const series = head.packForBlock(mint, maxt - 1);
    const range = { minTime: mint, maxTime: maxt };
    const meta = this.#writer !== null ? await this.#writer.write(this.#dir, series, range, signal) : await writeBlock(this.#dir, unpackSeries(series), { ...range, signal });
    const block = await openBlock(join(this.#dir, meta.ulid), { verify: 'quick', pageCache: this.#pageCache, ...(this.#log ? { logger: this.#log } : {}) });
    this.#setBlocks([...this.#blocks, block]);
    // Queriers opened before the block was listed read these samples from the head.
    const epoch = this.#epoch;
    await this.#waitFor('queriers', () => [...this.#readers.keys()].every((e) => e >= epoch) || this.#closed);
    if (this.#closed) return null;
    const truncated = head.truncate(maxt);
    this.#headMinT = head.stats().minTime;
    this.#log?.info('tsdb: head cut into a block', { block: meta.ulid, mint, maxt, series: meta.stats.numSeries, samples: meta.stats.numSamples, head_series_removed: truncated.removedSeries, duration_ms: Date.now() - started });
    await new Promise((r) => setImmediate(r));
    return maxt;
  }

  /** The WAL keeps what the head still holds: a new segment, then a checkpoint of the older ones without samples below mint. */
  async #checkpointWal(mint: number): Promise<void> {
    const head = this.#head;
    const through = this.#wal.cutSegment() - 1;
    const cp = await checkpoint(this.#wal, { throughSegment: through, keepSeries: (ref) => head.alive(ref), minTime: mint, signal: this.#abort.signal });
    this.#log?.info('tsdb: WAL checkpoint', { checkpoint: cp.checkpoint, series_kept: cp.series.kept, series_dropped: cp.series.dropped, samples_kept: cp.samples.kept, samples_dropped: cp.samples.dropped, segments_deleted: cp.segmentsDeleted });
  }

  /** Polls `done` until true or WAIT_LIMIT_MS passed. */
  async #waitFor(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    // Yield at least once: the steps around are long synchronous stretches.
    await new Promise((r) => setImmediate(r));
    while (!done()) {
      if (Date.now() > deadline) {
        this.#log?.warn(`tsdb: block cut goes ahead with ${what} still open after ${WAIT_LIMIT_MS / 1000}s`);
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  #setBlocks(blocks: Block[]): void {
    this.#blocks = blocks.sort((a, b) => a.meta.minTime - b.meta.minTime || (a.ulid < b.ulid ? -1 : 1));
    this.#epoch++;
  }

  async #compactBlocks(): Promise<void> {
    while (!this.#closed) {
      const plan = planCompaction(this.#blocks.map((b) => b.meta), this.#ranges);
      if (plan.length === 0) return;
      const ulids = new Set(plan.map((m) => m.ulid));
      const parents = this.#blocks.filter((b) => ulids.has(b.ulid));
      this.#log?.info('tsdb: compacting blocks', { blocks: parents.map((b) => b.ulid).join(',') });
      const meta = await compact(this.#dir, parents, { signal: this.#abort.signal, ...(this.#log ? { logger: this.#log } : {}) });
      const block = await openBlock(join(this.#dir, meta.ulid), { verify: 'quick', pageCache: this.#pageCache, ...(this.#log ? { logger: this.#log } : {}) });
      this.#setBlocks([...this.#blocks.filter((b) => !ulids.has(b.ulid)), block]);
      // Open queriers keep reading the parents' open files; they close after them.
      for (const p of parents) void p.close();
    }
  }

  #applyRetention(): void {
    if (this.#closed || this.#blocks.length === 0) return;
    let newest = this.#head.maxTime;
    for (const b of this.#blocks) newest = Math.max(newest, b.meta.maxTime - 1);
    const reserved = this.#retentionBytes > 0 ? this.#wal.size() + this.#head.stats().spilledBytes : 0;
    const doomed = applyRetention(this.#blocks, { maxAgeMs: this.#retentionTimeMs, maxBytes: this.#retentionBytes, reservedBytes: reserved, now: newest });
    if (doomed.length === 0) return;
    const reasons = new Map(doomed.map((d) => [d.ulid, d.reason]));
    const gone = this.#blocks.filter((b) => reasons.has(b.ulid));
    this.#setBlocks(this.#blocks.filter((b) => !reasons.has(b.ulid)));
    for (const b of gone) {
      this.#log?.info('tsdb: block deleted by retention', { block: b.ulid, reason: reasons.get(b.ulid), min_time: b.meta.minTime, max_time: b.meta.maxTime, bytes: b.size() });
      removeBlockDir(b.dir);
      void b.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#abort.abort();
    if (this.#maintenance) await this.#maintenance;
    await this.#writer?.close();
    await this.#head.close();
    this.#wal.close();
    // A block closes once its last querier does.
    for (const b of this.#blocks) void b.close();
  }
}

/** What a quarantined block held, when its meta.json still reads. */
function quarantinedMeta(dir: string): BlockMeta | null {
  try {
    return parseMeta(readFileSync(join(dir, 'meta.json'), 'utf8'), basename(dir).slice(0, 26));
  } catch {
    return null;
  }
}

/** Opens (and replays) the store in `options.dir`. */
export function openDb(options: DbOptions): Promise<Db> {
  return Db.open(options);
}
