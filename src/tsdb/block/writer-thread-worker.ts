/**
 * @module The block writer thread's side of writer-thread.ts: takes packed series, writes the block
 * with writeBlock and answers with its meta, or with the error.
 */
import { parentPort } from 'node:worker_threads';
import { unpackSeries } from './packed-series.ts';
import { writeBlock } from './writer.ts';
import type { WriterThreadReply, WriterThreadRequest } from './writer-thread.ts';

const port = parentPort;
if (port === null) throw new Error('writer-thread-worker.ts runs as a worker thread only');
const aborts = new Map<number, AbortController>();

port.on('message', (m: WriterThreadRequest) => {
  if (m.type === 'abort') {
    aborts.get(m.id)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(m.id, ac);
  writeBlock(m.parentDir, unpackSeries(m.series), { ...m.options, signal: ac.signal })
    .then(
      (meta): WriterThreadReply => ({ id: m.id, meta }),
      (err: Error): WriterThreadReply => ({ id: m.id, error: { name: err.name, message: err.message } }),
    )
    .then((reply) => {
      aborts.delete(m.id);
      port.postMessage(reply);
    });
});
