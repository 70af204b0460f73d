/**
 * @module One shard of a remote-write queue: a bounded FIFO of items read from the buffer (samples
 * of the series hashed to it, and metadata), sent one batch at a time so each series keeps its
 * order, retried with backoff until the remote acknowledges or refuses it for good.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { compressSync } from 'snappy';
import type { Labels } from '../../model/labels.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import type { Logger } from '../../log.ts';
import { WriteRequestEncoder } from '../write-request.ts';
import type { RemoteWriteClient } from './client.ts';
import type { RemoteWriteQueueConfig } from './config.ts';
import { nextBackoffMs } from './retry.ts';

/** A series as the reader knows it: one object per distinct label set, fixed to one shard. */
export class SeriesEntry {
  /** Scratch for grouping a batch by series (see Shard #encode); meaningless elsewhere. */
  mark = 0;
  count = 0;
  start = 0;
  constructor(readonly labels: Labels, readonly shard: number) {}
}

/** A metadata entry travelling through a shard like a sample. */
export class MetadataEntry {
  constructor(readonly family: string, readonly metadata: MetricMetadata) {}
}

/** What a shard tells its queue. Calls are synchronous. */
export interface ShardHooks {
  /** Each attempt, with its compressed size. */
  attempt(bytes: number): void;
  /** An attempt failed in a retryable way; `delayMs` until the next. */
  retry(shard: Shard, samples: number, reason: string, delayMs: number, attempt: number): void;
  /**
   * The first `items` items left the shard: acknowledged (`sent`) or refused for good (`failed`).
   * Called after they were removed, so positions read now exclude them.
   */
  done(shard: Shard, outcome: 'sent' | 'failed', items: number, samples: number, metadata: number, maxT: number, message: string): void;
}

/** Shared state the shard loops read. */
export interface ShardContext {
  readonly client: RemoteWriteClient;
  readonly config: RemoteWriteQueueConfig;
  readonly logger: Logger;
  readonly hooks: ShardHooks;
  /** Aborts sends and backoff sleeps: the queue is stopping without waiting any longer. */
  readonly signal: AbortSignal;
  /** A monotonic clock in ms, for batch_send_deadline. */
  readonly now: () => number;
  /** close() began: send partial batches now; stop once empty and the reader is done. */
  flushing(): boolean;
  readerDone(): boolean;
}

let batchEpoch = 0;

/** A one-waiter wake-up: wait() resolves on notify() or after `timeoutMs`. */
export class Wakeup {
  #resolve: (() => void) | null = null;
  #timer: NodeJS.Timeout | undefined;

  wait(timeoutMs: number | null = null): Promise<void> {
    this.notify();
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      if (timeoutMs !== null) this.#timer = setTimeout(() => this.notify(), Math.max(0, timeoutMs));
    });
  }

  notify(): void {
    const r = this.#resolve;
    if (r === null) return;
    this.#resolve = null;
    clearTimeout(this.#timer);
    r();
  }
}

/**
 * One shard. The reader push()es while !full; run() sends from the front. Items in flight stay at
 * the front until done, so firstPosition() is always the oldest item not yet acknowledged.
 */
export class Shard {
  readonly index: number;
  readonly #ctx: ShardContext;
  readonly #cap: number;
  readonly #items: Array<SeriesEntry | MetadataEntry | null>;
  readonly #t: Float64Array;
  readonly #v: Float64Array;
  /** Position of each item: segment * 2^32 + record offset, and the item index in the record. */
  readonly #rp: Float64Array;
  readonly #ri: Float64Array;
  #head = 0;
  #count = 0;
  /** When the oldest unsent item arrived (for batch_send_deadline). */
  #oldestAt = 0;
  /** The send loop waits here for items or the deadline. */
  readonly #wake = new Wakeup();
  /** The reader waits here for room. */
  readonly space = new Wakeup();
  readonly #encoder = new WriteRequestEncoder(256 * 1024);
  readonly #distinct: SeriesEntry[] = [];
  readonly #metas: MetadataEntry[] = [];
  #scratchT: Float64Array;
  #scratchV: Float64Array;

  constructor(index: number, ctx: ShardContext) {
    this.index = index;
    this.#ctx = ctx;
    this.#cap = ctx.config.capacity;
    this.#items = new Array(this.#cap).fill(null);
    this.#t = new Float64Array(this.#cap);
    this.#v = new Float64Array(this.#cap);
    this.#rp = new Float64Array(this.#cap);
    this.#ri = new Float64Array(this.#cap);
    this.#scratchT = new Float64Array(ctx.config.maxSamplesPerSend);
    this.#scratchV = new Float64Array(ctx.config.maxSamplesPerSend);
  }

  /** Items held (in flight included). */
  get pending(): number {
    return this.#count;
  }

  get full(): boolean {
    return this.#count >= this.#cap;
  }

  /** Adds an item at the back; the caller checks `full` first. */
  push(item: SeriesEntry | MetadataEntry, t: number, v: number, rp: number, ri: number): void {
    const i = (this.#head + this.#count) % this.#cap;
    this.#items[i] = item;
    this.#t[i] = t;
    this.#v[i] = v;
    this.#rp[i] = rp;
    this.#ri[i] = ri;
    if (this.#count++ === 0) {
      this.#oldestAt = this.#ctx.now();
      this.#wake.notify();
    } else if (this.#count === this.#ctx.config.maxSamplesPerSend) this.#wake.notify();
  }

  /** The oldest item's position as [rp, ri], or null when empty. */
  firstPosition(): [number, number] | null {
    if (this.#count === 0) return null;
    return [this.#rp[this.#head], this.#ri[this.#head]];
  }

  /** Wakes the send loop (flush or stop began). */
  poke(): void {
    this.#wake.notify();
    this.space.notify();
  }

  /** The send loop; resolves when the queue stops (flushed, or aborted). */
  async run(): Promise<void> {
    const ctx = this.#ctx;
    const max = ctx.config.maxSamplesPerSend;
    for (;;) {
      if (ctx.signal.aborted) return;
      const n = this.#count;
      if (n === 0) {
        if (ctx.flushing() && ctx.readerDone()) return;
        await this.#wake.wait();
        continue;
      }
      if (n < max && !ctx.flushing()) {
        const due = this.#oldestAt + ctx.config.batchSendDeadlineMs - ctx.now();
        if (due > 0) {
          await this.#wake.wait(due);
          continue;
        }
      }
      const k = Math.min(n, max);
      if (!(await this.#sendBatch(k))) return;
    }
  }

  /** Sends the first k items until acknowledged or refused; false when aborted. */
  async #sendBatch(k: number): Promise<boolean> {
    const ctx = this.#ctx;
    const { samples, metadata, maxT } = this.#encode(k);
    const body = compressSync(this.#encoder.finish());
    this.#encoder.reset();
    let backoff = ctx.config.minBackoffMs;
    for (let attempt = 1; ; attempt++) {
      ctx.hooks.attempt(body.length);
      let outcome;
      try {
        outcome = await ctx.client.send(body, ctx.signal);
      } catch {
        return false; // aborted: the items stay, unacknowledged
      }
      if (outcome.kind === 'sent' || outcome.kind === 'failed') {
        this.#drop(k);
        ctx.hooks.done(this, outcome.kind, k, samples, metadata, maxT, outcome.kind === 'failed' ? `HTTP ${outcome.status}: ${outcome.message}` : '');
        return true;
      }
      const delay = outcome.retryAfterMs ?? backoff;
      backoff = nextBackoffMs(backoff, ctx.config.minBackoffMs, ctx.config.maxBackoffMs);
      ctx.hooks.retry(this, samples, outcome.reason, delay, attempt);
      try {
        await sleep(delay, undefined, { signal: ctx.signal });
      } catch {
        return false;
      }
    }
  }

  #drop(k: number): void {
    for (let j = 0; j < k; j++) this.#items[(this.#head + j) % this.#cap] = null;
    this.#head = (this.#head + k) % this.#cap;
    this.#count -= k;
    this.#oldestAt = this.#ctx.now();
    this.space.notify();
  }

  /** Writes the first k items into the encoder, samples grouped by series in arrival order. */
  #encode(k: number): { samples: number; metadata: number; maxT: number } {
    const epoch = ++batchEpoch;
    const distinct = this.#distinct;
    const metas = this.#metas;
    distinct.length = 0;
    metas.length = 0;
    const cap = this.#cap;
    let samples = 0;
    let maxT = -Infinity;
    for (let j = 0; j < k; j++) {
      const i = (this.#head + j) % cap;
      const item = this.#items[i]!;
      if (item instanceof SeriesEntry) {
        if (item.mark !== epoch) {
          item.mark = epoch;
          item.count = 0;
          distinct.push(item);
        }
        item.count++;
        samples++;
        if (this.#t[i] > maxT) maxT = this.#t[i];
      } else metas.push(item as MetadataEntry);
    }
    if (this.#scratchT.length < samples) {
      this.#scratchT = new Float64Array(samples);
      this.#scratchV = new Float64Array(samples);
    }
    let off = 0;
    for (const e of distinct) {
      e.start = off;
      off += e.count;
      e.count = 0;
    }
    const st = this.#scratchT;
    const sv = this.#scratchV;
    for (let j = 0; j < k; j++) {
      const i = (this.#head + j) % cap;
      const item = this.#items[i];
      if (!(item instanceof SeriesEntry)) continue;
      const at = item.start + item.count++;
      st[at] = this.#t[i];
      sv[at] = this.#v[i];
    }
    const enc = this.#encoder.reset();
    for (const e of distinct) enc.addSeries(e.labels, st, sv, e.start, e.start + e.count);
    for (const m of metas) enc.addMetadata(m.family, m.metadata);
    distinct.length = 0;
    metas.length = 0;
    return { samples, metadata: k - samples, maxT };
  }
}
