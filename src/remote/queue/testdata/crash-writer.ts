/**
 * @module Child process of crash.test.ts: appends to a RemoteWriteQueue as fast as the remote
 * drains it and prints each step once appendBatch returned, until the parent kills it (SIGKILL).
 * Usage: node --import tsx crash-writer.ts <buffer dir> <remote url> <series> <t0>
 */
import { Registry } from 'prom-client';
import { createLogger } from '../../../log.ts';
import { labelsFrom } from '../../../model/labels.ts';
import { parseRemoteWriteConfigs } from '../config.ts';
import { RemoteWriteQueue } from '../queue.ts';
import { CRASH_QUEUE_CONFIG } from './crash-config.ts';

const [dir, url, seriesArg, t0Arg] = process.argv.slice(2);
const n = Number(seriesArg);
const t0 = Number(t0Arg);
const [config] = parseRemoteWriteConfigs([{ url, ...CRASH_QUEUE_CONFIG }], 'remote_write');
const queue = await RemoteWriteQueue.open({ config, dir, registry: new Registry(), logger: createLogger('error') });
const labels = Array.from({ length: n }, (_, i) => labelsFrom({ __name__: 'crash', s: String(i) }));
const t = new Float64Array(n);
const v = new Float64Array(n);
for (let k = 0; ; k++) {
  t.fill(t0 + k * 1000);
  v.fill(k);
  queue.appendBatch({ n, labels, t, v });
  process.stdout.write(`${k}\n`);
  // Stay a little ahead of the remote, so the buffer holds a backlog when the kill comes.
  await new Promise((r) => setTimeout(r, queue.stats().pending > 4000 ? 20 : 2));
}
