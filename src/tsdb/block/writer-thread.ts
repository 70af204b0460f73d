/**
 * @module Writes blocks on a worker thread (writer-thread-worker.ts), so that a head cut's sorting,
 * encoding and file writes leave the thread that ingests free; the head hands over its packed
 * series (packed-series.ts), transferring the buffers. A thread starts for a write and ends once
 * no write is left: a cut comes every block range, and an idle isolate would keep the garbage of
 * the last one (a few hundred bytes per series) in memory until then.
 */
import { Worker } from 'node:worker_threads';
import type { BlockMeta } from './meta.ts';
import { packedTransferList, type PackedSeries } from './packed-series.ts';
import type { WriteBlockOptions } from './writer.ts';

/** The writeBlock options a block writer thread takes (all but the signal, which write() takes). */
export type WriterThreadOptions = Omit<WriteBlockOptions, 'signal'>;

/** @internal Main → worker. */
export type WriterThreadRequest =
  | { readonly type: 'write'; readonly id: number; readonly parentDir: string; readonly series: PackedSeries; readonly options: WriterThreadOptions }
  | { readonly type: 'abort'; readonly id: number };

/** @internal Worker → main. */
export type WriterThreadReply = { readonly id: number; readonly meta: BlockMeta } | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

interface Pending {
  readonly worker: Worker;
  resolve(meta: BlockMeta): void;
  reject(err: Error): void;
}

/** A block writer on its own thread. */
export class BlockWriterThread {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  /**
   * Writes `series` as a block into parentDir as writeBlock does; `series`' buffers are moved to
   * the thread (unusable here afterwards). An abort of `signal` stops the write and removes its
   * temporary directory; the promise rejects with an AbortError.
   */
  write(parentDir: string, series: PackedSeries, options: WriterThreadOptions = {}, signal?: AbortSignal): Promise<BlockMeta> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const worker = this.#start();
    const id = this.#nextId++;
    const onAbort = () => worker.postMessage({ type: 'abort', id } satisfies WriterThreadRequest);
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<BlockMeta>((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      worker.postMessage({ type: 'write', id, parentDir, series, options } satisfies WriterThreadRequest, packedTransferList(series));
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Whether a thread is running (one is while a write is). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Stops the thread; writes still running fail. */
  async close(): Promise<void> {
    if (this.#worker !== null) await this.#stop(this.#worker);
  }

  #stop(worker: Worker): Promise<number> {
    if (this.#worker === worker) this.#worker = null;
    return worker.terminate();
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL('./writer-thread-entry.mjs', import.meta.url));
    worker.on('message', (reply: WriterThreadReply) => {
      const p = this.#pending.get(reply.id);
      if (p === undefined) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) void this.#stop(worker);
      if ('meta' in reply) p.resolve(reply.meta);
      else if (reply.error.name === 'RangeError') p.reject(new RangeError(reply.error.message));
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    });
    const fail = (err: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const [id, p] of this.#pending) {
        if (p.worker !== worker) continue;
        this.#pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', (err) => fail(new Error(`block writer thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`block writer thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
