/**
 * @module A remote-write queue for one remote, like Prometheus' QueueManager but fed from its own
 * disk buffer: appends are written to segment files first (segment-log.ts), a reader streams them
 * back into N shards (series hashed to shards, so each series keeps its order), and every
 * acknowledged send moves a per-shard checkpoint. After a crash or restart each shard resumes at
 * its first unacknowledged item: at-least-once across crashes, exactly once when stopped cleanly.
 *
 * Dynamic resharding is not done: the queue runs `queue_config.max_shards` shards (see config.ts).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { Logger } from '../../log.ts';
import { labelsKey, type Labels } from '../../model/labels.ts';
import { relabel } from '../../relabel/index.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { CheckpointWriter, readCheckpoint, type BufferPosition } from './checkpoint.ts';
import { RemoteWriteClient } from './client.ts';
import type { RemoteWriteConfig } from './config.ts';
import { withExternalLabels } from './external-labels.ts';
import { RemoteWriteMetrics, type DropReason } from './metrics.ts';
import { decodeMetadataRecord, decodeSeriesRecord, RecordBuilder, RecordDecodeError, RecordType, SAMPLE_BYTES, samplesInRecord } from './records.ts';
import { SEGMENT_HEADER_BYTES, SegmentLog, SegmentReader } from './segment-log.ts';
import { MetadataEntry, SeriesEntry, Shard, Wakeup, type ShardContext, type ShardHooks } from './shard.ts';

/** Positions are kept as one number per record: segment * 2^32 + byte offset. */
const TWO_32 = 2 ** 32;
const DEFAULT_FLUSH_TIMEOUT_MS = 60_000;
/** The reader yields to the event loop after this many records read without waiting. */
const RECORDS_PER_YIELD = 256;

/**
 * One commit's worth of samples in columns: sample i is (labels[i], t[i] ms, v[i]) for i < n.
 * `labels` entries are canonical and may repeat (the same array object for the same series is
 * cheapest: its relabel result is cached by identity). Read synchronously; not kept.
 */
export interface SampleBatch {
  readonly n: number;
  readonly labels: readonly Labels[];
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** Metadata of metric families, by family name. */
  readonly metadata?: ReadonlyMap<string, MetricMetadata> | null;
}

/** Options of RemoteWriteQueue.open. */
export interface RemoteWriteQueueOptions {
  readonly config: RemoteWriteConfig;
  /** This queue's own directory (see remoteWriteQueueDirName); created if needed. */
  readonly dir: string;
  /** Where the pharos_remote_storage_* metrics go (shared by all queues of a process). */
  readonly registry: Registry;
  readonly logger: Logger;
  /** `global.external_labels`: added to every series it lacks, before write_relabel_configs (default none). */
  readonly externalLabels?: Labels;
  /** Upper bound of close()'s flush, in ms (default 60s, Prometheus' flush deadline). */
  readonly flushTimeoutMs?: number;
  /** Segment size target in bytes; default buffer.max_size / 16, within [16 KiB, 32 MiB]. */
  readonly segmentMaxBytes?: number;
  /** Wall clock in ms (buffer.max_age, deadlines); default Date.now. */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/** Counters of one queue instance (the registry has the process-wide totals). */
export interface RemoteWriteQueueStats {
  readonly shards: number;
  /** Items (samples and metadata) read from the buffer and held by shards, in flight included. */
  readonly pending: number;
  readonly segments: number;
  readonly bufferBytes: number;
  /** Everything appended so far has been read and acknowledged (or given up on). */
  readonly idle: boolean;
  readonly appendedSamples: number;
  readonly sentSamples: number;
  readonly retriedSamples: number;
  readonly failedSamples: number;
  readonly droppedSamples: number;
  readonly requests: number;
}

/** The remote-write queue of one remote. Create with RemoteWriteQueue.open; close() once. */
export class RemoteWriteQueue {
  readonly config: RemoteWriteConfig;
  readonly dir: string;
  readonly #log: SegmentLog;
  readonly #checkpoints: CheckpointWriter;
  readonly #logger: Logger;
  readonly #externalLabels: Labels;
  readonly #now: () => number;
  readonly #segmentMaxBytes: number;
  readonly #flushTimeoutMs: number;
  readonly #m: ReturnType<typeof bindMetrics>;
  readonly #shards: Shard[];
  readonly #n: number;
  /** Per shard, the checkpoint read at open: items before it were acknowledged earlier. */
  readonly #resumeRp: Float64Array;
  readonly #resumeRi: Float64Array;

  // Writer: queue-local series refs, defined again in every segment that uses them.
  readonly #refByKey = new Map<string, number>();
  readonly #labelsByRef: Labels[] = [];
  #refOfInput = new WeakMap<Labels, number>();
  /** What metadata was last written per family, and when (metadata_config.send_interval). */
  readonly #metadataSent = new Map<string, { m: MetricMetadata; at: number }>();
  #definedIn = new Int32Array(1024);
  #stamp = new Int32Array(1024);
  #stampN = 0;
  #refs = new Int32Array(1024);
  readonly #builder = new RecordBuilder();

  // Reader: position of the next item to read.
  #rSeg: number;
  #rRp: number;
  #rRi = 0;
  #rReader: SegmentReader | null = null;
  #rEntries: Array<SeriesEntry | undefined> = [];
  readonly #entriesByKey = new Map<string, SeriesEntry>();
  readonly #readerWake = new Wakeup();
  #blocked: Shard | null = null;
  #readerDone = false;

  // Lifecycle.
  readonly #abort = new AbortController();
  #flushing = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #loops: Promise<void>[];
  #pending = 0;
  readonly #stats = { appendedSamples: 0, sentSamples: 0, retriedSamples: 0, failedSamples: 0, droppedSamples: 0, requests: 0 };

  /** Opens the buffer in options.dir (repairing a torn tail) and starts sending. */
  static async open(options: RemoteWriteQueueOptions): Promise<RemoteWriteQueue> {
    const logger = options.logger;
    const cp = readCheckpoint(options.dir, logger);
    const log = SegmentLog.open({ dir: options.dir, logger, minHeadIndex: cp ? Math.max(0, ...cp.positions.map((p) => p.segment)) : 0 });
    return new RemoteWriteQueue(options, log, cp?.shards ?? 0, cp?.positions ?? []);
  }

  private constructor(options: RemoteWriteQueueOptions, log: SegmentLog, cpShards: number, cpPositions: readonly BufferPosition[]) {
    const config = options.config;
    this.config = config;
    this.dir = options.dir;
    this.#log = log;
    this.#checkpoints = new CheckpointWriter(options.dir);
    this.#logger = options.logger;
    this.#externalLabels = options.externalLabels ?? [];
    this.#now = options.now ?? Date.now;
    this.#segmentMaxBytes = options.segmentMaxBytes ?? Math.min(32 << 20, Math.max(16 << 10, Math.floor(config.buffer.maxBytes / 16)));
    this.#flushTimeoutMs = options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
    this.#m = bindMetrics(RemoteWriteMetrics.for(options.registry), config);
    const n = config.queue.maxShards;
    this.#n = n;

    // Where each shard resumes. A different shard count moves series between shards, so then
    // every shard starts at the oldest position (at-least-once: some items are sent again).
    this.#resumeRp = new Float64Array(n);
    this.#resumeRi = new Float64Array(n);
    if (cpPositions.length > 0) {
      let positions = cpPositions;
      if (cpShards !== n) {
        const oldest = cpPositions.reduce((a, b) => (comparePositions(b, a) < 0 ? b : a));
        positions = new Array<BufferPosition>(n).fill(oldest);
        this.#logger.info('remote write: shard count changed since the checkpoint; resuming every shard at the oldest position (some samples may be sent twice)', { remote_name: config.name, was: cpShards, now: n });
      }
      for (let s = 0; s < n; s++) {
        this.#resumeRp[s] = positions[s].segment * TWO_32 + positions[s].offset;
        this.#resumeRi[s] = positions[s].item;
      }
    }
    // Segments wholly before every shard's position were sent: delete them. Read from the oldest rest.
    const minSeg = Math.floor(Math.min(...this.#resumeRp) / TWO_32);
    for (const s of [...log.segments]) if (s.index < minSeg && s.index !== log.head.index) log.remove(s.index);
    this.#rSeg = log.segments[0].index;
    this.#rRp = this.#rSeg * TWO_32 + SEGMENT_HEADER_BYTES;

    const ctx: ShardContext = {
      client: new RemoteWriteClient(config, { fetch: options.fetch, now: this.#now }),
      config: config.queue,
      logger: this.#logger,
      hooks: this.#hooks(),
      signal: this.#abort.signal,
      now: () => performance.now(), // deadlines: monotonic, independent of the wall clock option
      flushing: () => this.#flushing,
      readerDone: () => this.#readerDone,
    };
    this.#shards = Array.from({ length: n }, (_, i) => new Shard(i, ctx));
    this.#m.shards.set(n);
    this.#m.pending.set(0);
    this.#updateBufferGauges();
    const fail = (what: string) => (err: unknown) => this.#logger.error(`remote write: ${what} stopped by an unexpected error; sending stops until restart`, { remote_name: config.name, err: err as Error });
    const reader = this.#readLoop().catch(fail('buffer reader')).finally(() => {
      this.#readerDone = true; // lets a flush finish even if the reader died
      for (const s of this.#shards) s.poke();
    });
    this.#loops = [reader, ...this.#shards.map((s) => s.run().catch(fail(`shard ${s.index}`)))];
  }

  /** The `remote_name`. */
  get name(): string {
    return this.config.name;
  }

  /**
   * Writes a batch to the buffer (after external labels and write_relabel_configs) with one write(2); when this
   * returns the batch is in the operating system's page cache and survives a crash of Pharos.
   * Never throws for buffer problems: a failed write or an append after close() is counted in
   * pharos_remote_storage_samples_dropped_total and logged.
   */
  appendBatch(batch: SampleBatch): void {
    const n = batch.n;
    if (this.#closed) {
      if (n > 0) {
        this.#drop('queue_closed', n);
        this.#logger.warn('remote write: samples appended after close() dropped', { remote_name: this.name, samples: n });
      }
      return;
    }
    const metadata = this.#metadataToSend(batch.metadata);
    let kept = this.#mapRefs(batch);
    if (kept === 0 && metadata === null) {
      if (n > 0) this.#drop('write_relabel', n);
      return;
    }

    const log = this.#log;
    let bytes = this.#build(batch, kept, metadata);
    if (log.head.size > SEGMENT_HEADER_BYTES && log.head.size + bytes.length > this.#segmentMaxBytes) {
      // A new segment starts a new ref namespace: series maps restart, so they only ever hold
      // the series of one segment (bounded memory under series churn).
      log.roll();
      this.#resetSeries();
      kept = this.#mapRefs(batch);
      bytes = this.#build(batch, kept, metadata);
    }
    if (kept < n) this.#drop('write_relabel', n - kept);
    try {
      log.write(bytes);
    } catch (err) {
      this.#drop('buffer_write_failed', kept);
      this.#logger.error('remote write: cannot write the buffer; samples dropped for this remote', { remote_name: this.name, samples: kept, err: err as Error });
      return;
    }
    // The series defined by this write (stamped in #build) now exist in the head segment.
    const refs = this.#refs;
    const head = log.head.index;
    const stamp = this.#stampN;
    let maxT = -Infinity;
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      if (r < 0) continue;
      if (this.#stamp[r] === stamp) this.#definedIn[r] = head;
      if (batch.t[i] > maxT) maxT = batch.t[i];
    }
    if (metadata !== null) {
      const now = this.#now();
      for (const [family, m] of metadata) this.#metadataSent.set(family, { m, at: now });
    }
    this.#stats.appendedSamples += kept;
    if (kept > 0 && maxT > this.#highestAppended) {
      this.#highestAppended = maxT;
      this.#m.highestTimestamp.set(maxT / 1000);
    }
    this.#readerWake.notify();
    this.#enforceSizeCap();
    this.#updateBufferGauges();
  }
  #highestAppended = -Infinity;

  /** Counters of this instance, for tests and status pages. */
  stats(): RemoteWriteQueueStats {
    const head = this.#log.head;
    const readerAtEnd = this.#rRp === head.index * TWO_32 + head.size && this.#rRi === 0;
    return {
      shards: this.#n,
      pending: this.#pending,
      segments: this.#log.segments.length,
      bufferBytes: this.#log.totalBytes,
      idle: readerAtEnd && this.#pending === 0,
      ...this.#stats,
    };
  }

  /**
   * Stops the queue: no more appends; sends what is buffered for up to `timeoutMs` (default the
   * open option flushTimeoutMs), then aborts what is still in flight, writes the checkpoint and
   * closes the files. What was not acknowledged stays in the buffer for the next open.
   */
  close(timeoutMs?: number): Promise<void> {
    this.#closing ??= this.#close(timeoutMs ?? this.#flushTimeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#flushing = true;
    this.#readerWake.notify();
    for (const s of this.#shards) s.poke();
    const all = Promise.all(this.#loops);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (timedOut) this.#logger.warn('remote write: flush on close timed out; the unsent rest stays in the buffer for the next start', { remote_name: this.name, pending: this.#pending, timeout_ms: timeoutMs });
    this.#abort.abort();
    this.#readerWake.notify();
    for (const s of this.#shards) s.poke();
    await all;
    this.#checkpoint();
    this.#checkpoints.close();
    this.#rReader?.close();
    this.#rReader = null;
    this.#log.close();
    this.#m.pending.set(0);
  }

  // ---- writer ----

  /** Maps the batch's labels to queue refs in #refs (-1: dropped by relabelling); returns how many are kept. */
  #mapRefs(batch: SampleBatch): number {
    const n = batch.n;
    if (this.#refs.length < n) this.#refs = new Int32Array(Math.max(n, this.#refs.length * 2));
    const refs = this.#refs;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const ref = this.#refOf(batch.labels[i]);
      refs[i] = ref;
      if (ref >= 0) kept++;
    }
    this.#growSeriesArrays();
    return kept;
  }

  #resetSeries(): void {
    this.#refByKey.clear();
    this.#labelsByRef.length = 0;
    this.#refOfInput = new WeakMap();
    // #definedIn keeps old segment numbers, which never equal the new head's.
  }

  /** The metadata entries of a commit worth writing: new, changed, or not written for send_interval. */
  #metadataToSend(metadata: ReadonlyMap<string, MetricMetadata> | null | undefined): Map<string, MetricMetadata> | null {
    if (!this.config.sendMetadata || !metadata || metadata.size === 0) return null;
    const now = this.#now();
    let out: Map<string, MetricMetadata> | null = null;
    for (const [family, m] of metadata) {
      const last = this.#metadataSent.get(family);
      if (last && last.m.type === m.type && last.m.help === m.help && last.m.unit === m.unit && now - last.at < this.config.metadataSendIntervalMs) continue;
      (out ??= new Map()).set(family, m);
    }
    return out;
  }

  /** The queue ref of an input label set after external labels and write relabelling; -1 when relabelling drops it. */
  #refOf(labels: Labels): number {
    const cached = this.#refOfInput.get(labels);
    if (cached !== undefined) return cached;
    const out = relabel(withExternalLabels(labels, this.#externalLabels), this.config.writeRelabelConfigs);
    let ref = -1;
    if (out !== null && out.length > 0) {
      const key = labelsKey(out);
      ref = this.#refByKey.get(key) ?? -1;
      if (ref < 0) {
        ref = this.#labelsByRef.length;
        this.#labelsByRef.push(out);
        this.#refByKey.set(key, ref);
      }
    }
    this.#refOfInput.set(labels, ref);
    return ref;
  }

  #growSeriesArrays(): void {
    const need = this.#labelsByRef.length;
    if (this.#definedIn.length >= need) return;
    const size = Math.max(need, this.#definedIn.length * 2);
    const d = new Int32Array(size);
    d.set(this.#definedIn);
    this.#definedIn = d;
    const s = new Int32Array(size);
    s.set(this.#stamp);
    this.#stamp = s;
  }

  /**
   * Frames the batch for the head segment: a Series record for refs the head does not define yet
   * (stamped with a new #stampN), a Samples record, a Metadata record.
   */
  #build(batch: SampleBatch, kept: number, metadata: Map<string, MetricMetadata> | null): Buffer {
    const b = this.#builder.reset();
    const head = this.#log.head.index;
    const stamp = ++this.#stampN;
    const refs = this.#refs;
    const n = batch.n;
    let open = false;
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      if (r < 0 || this.#definedIn[r] === head || this.#stamp[r] === stamp) continue;
      if (!open) { b.begin(RecordType.Series); open = true; }
      this.#stamp[r] = stamp;
      b.series(r, this.#labelsByRef[r]);
    }
    if (open) b.end();
    if (kept > 0) {
      b.begin(RecordType.Samples);
      b.samples(refs, batch.t, batch.v, n, kept);
      b.end();
    }
    if (metadata !== null) {
      b.begin(RecordType.Metadata);
      for (const [family, m] of metadata) b.metadata(family, m);
      b.end();
    }
    return b.bytes();
  }

  /** Deletes the oldest segments while the buffer is over buffer.max_size, counting what was unsent. */
  #enforceSizeCap(): void {
    const log = this.#log;
    const max = this.config.buffer.maxBytes;
    let changed = false;
    while (log.totalBytes > max && log.segments.length > 1) {
      const oldest = log.segments[0];
      let unsent = 0;
      if (oldest.index === this.#rSeg) {
        unsent = this.#countUnread(oldest.index);
        this.#moveTo(log.after(oldest.index)!.index); // the reader notices and continues there
      }
      const path = log.path(oldest.index);
      log.remove(oldest.index);
      changed = true;
      if (unsent > 0) this.#drop('buffer_full', unsent);
      this.#logger.warn('remote write: buffer over buffer.max_size; oldest segment deleted', { remote_name: this.name, segment: path, unsent_samples: unsent, max_size: max });
    }
    if (changed) this.#checkpoint();
  }

  /** Samples of segment `index` at or after the reader's position that no shard had acknowledged. */
  #countUnread(index: number): number {
    const reader = new SegmentReader(this.#log.path(index));
    const size = this.#log.segment(index)!.size;
    const shardOfRef: number[] = [];
    let count = 0;
    try {
      for (;;) {
        const r = reader.next(size);
        if (r.kind !== 'record') break;
        if (r.type === RecordType.Series) {
          decodeSeriesRecord(r.payload, (ref, labels) => { shardOfRef[ref] = this.#shardOfKey(labelsKey(labels)); });
          continue;
        }
        if (r.type !== RecordType.Samples) continue;
        const rp = index * TWO_32 + r.offset;
        if (rp < this.#rRp) continue;
        const dv = new DataView(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
        const n = samplesInRecord(r.payload);
        for (let i = rp === this.#rRp ? this.#rRi : 0; i < n; i++) {
          const s = shardOfRef[dv.getUint32(i * SAMPLE_BYTES, true)];
          if (s === undefined || !this.#acked(s, rp, i)) count++;
        }
      }
    } catch (err) {
      if (!(err instanceof RecordDecodeError)) throw err;
    } finally {
      reader.close();
    }
    return count;
  }

  // ---- reader ----

  async #readLoop(): Promise<void> {
    const log = this.#log;
    let records = 0;
    while (!this.#abort.signal.aborted) {
      if (this.#rReader === null) {
        const seg = log.segment(this.#rSeg) ?? log.after(this.#rSeg)!;
        if (seg.index !== this.#rSeg) this.#moveTo(seg.index);
        this.#rReader = new SegmentReader(log.path(seg.index));
        this.#rEntries = [];
      }
      const reader = this.#rReader;
      const size = log.segment(this.#rSeg)!.size;
      const r = reader.next(size);
      if (r.kind === 'end') {
        if (this.#rSeg === log.head.index) {
          if (this.#flushing) break;
          await this.#readerWake.wait();
          continue;
        }
        this.#nextSegment();
        continue;
      }
      if (r.kind === 'corrupt') {
        this.#corrupt(r.offset, r.reason, size);
        continue;
      }
      const rp = this.#rSeg * TWO_32 + r.offset;
      this.#rRp = rp;
      this.#rRi = 0;
      try {
        if (r.type === RecordType.Series) decodeSeriesRecord(r.payload, (ref, labels) => this.#defineSeries(ref, labels));
        else if (r.type === RecordType.Samples) await this.#dispatchSamples(r.payload, rp, reader);
        else await this.#dispatchMetadata(r.payload, rp, reader);
      } catch (err) {
        if (!(err instanceof RecordDecodeError)) throw err;
        this.#corrupt(r.offset, err.message, size);
        continue;
      }
      if (this.#rReader !== reader) continue; // its segment was deleted meanwhile (size cap)
      this.#rRp = rp + (reader.offset - r.offset);
      this.#rRi = 0;
      if (++records % RECORDS_PER_YIELD === 0) await yieldToLoop();
    }
  }

  #corrupt(offset: number, reason: string, size: number): void {
    this.#logger.error('remote write buffer: corrupt record; the rest of the segment is skipped', { remote_name: this.name, segment: this.#log.path(this.#rSeg), offset, reason, skipped_bytes: size - offset });
    // Never append behind data that cannot be read.
    if (this.#rSeg === this.#log.head.index) this.#log.roll();
    this.#nextSegment();
  }

  #nextSegment(): void {
    this.#moveTo(this.#log.after(this.#rSeg)!.index);
    this.#checkpoint(); // may delete the segment just left
  }

  #moveTo(index: number): void {
    this.#rReader?.close();
    this.#rReader = null;
    // Entries of the segment left stay alive in shards as long as they hold its samples.
    this.#entriesByKey.clear();
    this.#rSeg = index;
    this.#rRp = index * TWO_32 + SEGMENT_HEADER_BYTES;
    this.#rRi = 0;
  }

  #defineSeries(ref: number, labels: Labels): void {
    const key = labelsKey(labels);
    let e = this.#entriesByKey.get(key);
    if (e === undefined) {
      e = new SeriesEntry(labels, this.#shardOfKey(key));
      this.#entriesByKey.set(key, e);
    }
    this.#rEntries[ref] = e;
  }

  /** Series are spread over shards by FNV-1a of their canonical key: stable across restarts. */
  #shardOfKey(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return (h >>> 0) % this.#n;
  }

  /** Whether shard s acknowledged item (rp, i) before this open. */
  #acked(s: number, rp: number, i: number): boolean {
    return rp < this.#resumeRp[s] || (rp === this.#resumeRp[s] && i < this.#resumeRi[s]);
  }

  async #dispatchSamples(payload: Buffer, rp: number, reader: SegmentReader): Promise<void> {
    const n = samplesInRecord(payload);
    let i = 0;
    while (i < n) {
      i = this.#dispatchSync(payload, rp, i, n);
      if (i >= n) return;
      this.#rRi = i;
      await this.#blocked!.space.wait();
      if (this.#abort.signal.aborted || this.#rReader !== reader) return;
    }
  }

  /** Pushes samples [from, n) to their shards until one is full; returns where it stopped. */
  #dispatchSync(p: Buffer, rp: number, from: number, n: number): number {
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const maxAge = this.config.buffer.maxAgeMs;
    const minT = maxAge > 0 ? this.#now() - maxAge : -Infinity;
    const entries = this.#rEntries;
    const shards = this.#shards;
    let tooOld = 0;
    let unknown = 0;
    let pushed = 0;
    let i = from;
    for (; i < n; i++) {
      const o = i * SAMPLE_BYTES;
      const e = entries[dv.getUint32(o, true)];
      if (e === undefined) { unknown++; continue; }
      const s = e.shard;
      if (this.#acked(s, rp, i)) continue;
      const t = dv.getFloat64(o + 4, true);
      if (t < minT) { tooOld++; continue; }
      const sh = shards[s];
      if (sh.full) { this.#blocked = sh; break; }
      sh.push(e, t, dv.getFloat64(o + 12, true), rp, i);
      pushed++;
    }
    if (pushed > 0) this.#m.pending.set((this.#pending += pushed));
    if (tooOld > 0) this.#drop('too_old', tooOld);
    if (unknown > 0) {
      this.#drop('unknown_series', unknown);
      this.#logger.error('remote write buffer: samples of a series the segment does not define skipped', { remote_name: this.name, segment: this.#log.path(this.#rSeg), offset: rp % TWO_32, samples: unknown });
    }
    return i;
  }

  async #dispatchMetadata(payload: Buffer, rp: number, reader: SegmentReader): Promise<void> {
    const entries: MetadataEntry[] = [];
    decodeMetadataRecord(payload, (family, m) => entries.push(new MetadataEntry(family, m)));
    for (let i = 0; i < entries.length; i++) {
      const s = this.#shardOfKey(entries[i].family);
      if (this.#acked(s, rp, i)) continue;
      const sh = this.#shards[s];
      while (sh.full) {
        this.#rRi = i;
        await sh.space.wait();
        if (this.#abort.signal.aborted || this.#rReader !== reader) return;
      }
      sh.push(entries[i], 0, 0, rp, i);
      this.#m.pending.set(++this.#pending);
    }
  }

  // ---- progress ----

  #hooks(): ShardHooks {
    return {
      attempt: (bytes) => {
        this.#stats.requests++;
        this.#m.bytes.inc(bytes);
      },
      retry: (shard, samples, reason, delayMs, attempt) => {
        this.#stats.retriedSamples += samples;
        this.#m.retried.inc(samples);
        // Warn on the first failure of a batch and every 10th after; the rest at debug.
        const fields = { remote_name: this.name, shard: shard.index, samples, attempt, retry_in_ms: delayMs, reason };
        if (attempt === 1 || attempt % 10 === 0) this.#logger.warn('remote write: send failed, retrying', fields);
        else this.#logger.debug('remote write: send failed, retrying', fields);
      },
      done: (_shard, outcome, items, samples, metadata, maxT, message) => {
        this.#m.pending.set((this.#pending -= items));
        if (outcome === 'sent') {
          this.#stats.sentSamples += samples;
          this.#m.sent.inc(samples);
          if (metadata > 0) this.#m.metadata.inc(metadata);
          if (maxT > this.#highestSent) {
            this.#highestSent = maxT;
            this.#m.highestSent.set(maxT / 1000);
          }
        } else {
          this.#stats.failedSamples += samples;
          this.#m.failed.inc(samples);
          this.#logger.warn('remote write: remote refused a batch; it is not retried', { remote_name: this.name, url: this.config.url, samples, metadata, response: message });
        }
        this.#checkpoint();
      },
    };
  }
  #highestSent = -Infinity;

  /**
   * Writes every shard's position (its oldest unacknowledged item, else the reader's position,
   * never behind what it had at open) and deletes segments wholly before all of them.
   */
  #checkpoint(): void {
    const positions: BufferPosition[] = [];
    let minSeg = Infinity;
    for (let s = 0; s < this.#n; s++) {
      const first = this.#shards[s].firstPosition();
      let rp = first ? first[0] : this.#rRp;
      let ri = first ? first[1] : this.#rRi;
      if (rp < this.#resumeRp[s] || (rp === this.#resumeRp[s] && ri < this.#resumeRi[s])) {
        rp = this.#resumeRp[s];
        ri = this.#resumeRi[s];
      }
      const segment = Math.floor(rp / TWO_32);
      positions.push({ segment, offset: rp - segment * TWO_32, item: ri });
      if (segment < minSeg) minSeg = segment;
    }
    try {
      this.#checkpoints.write({ shards: this.#n, positions });
    } catch (err) {
      this.#logger.error('remote write: cannot write the checkpoint; a restart would send some samples again', { remote_name: this.name, err: err as Error });
      return;
    }
    const log = this.#log;
    const head = log.head.index;
    for (let i = 0; i < log.segments.length; ) {
      const seg = log.segments[i];
      if (seg.index < minSeg && seg.index !== head && seg.index !== this.#rSeg) {
        try {
          log.remove(seg.index);
          continue;
        } catch (err) {
          this.#logger.error('remote write: cannot delete a sent segment', { remote_name: this.name, segment: log.path(seg.index), err: err as Error });
        }
      }
      i++;
    }
    this.#updateBufferGauges();
  }

  #drop(reason: DropReason, samples: number): void {
    this.#stats.droppedSamples += samples;
    this.#m.dropped(reason).inc(samples);
  }

  #updateBufferGauges(): void {
    this.#m.bufferBytes.set(this.#log.totalBytes);
    this.#m.bufferSegments.set(this.#log.segments.length);
  }
}

function comparePositions(a: BufferPosition, b: BufferPosition): number {
  return a.segment - b.segment || a.offset - b.offset || a.item - b.item;
}

/** The metric children of one remote. */
function bindMetrics(m: RemoteWriteMetrics, config: RemoteWriteConfig) {
  const l = { remote_name: config.name, url: config.url };
  return {
    pending: m.samplesPending.labels(l),
    sent: m.samplesTotal.labels(l),
    retried: m.samplesRetried.labels(l),
    failed: m.samplesFailed.labels(l),
    dropped: (reason: DropReason) => m.samplesDropped.labels({ ...l, reason }),
    metadata: m.metadataTotal.labels(l),
    bytes: m.bytesTotal.labels(l),
    highestTimestamp: m.highestTimestamp.labels(l),
    highestSent: m.highestSentTimestamp.labels(l),
    shards: m.shards.labels(l),
    bufferBytes: m.bufferBytes.labels(l),
    bufferSegments: m.bufferSegments.labels(l),
  };
}
