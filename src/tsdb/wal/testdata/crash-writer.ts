/**
 * @module Child process of crash.test.ts: logs records to a Wal as fast as it can and prints each
 * sequence number once log() returned, until the parent kills it (SIGKILL).
 * Usage: node --import tsx crash-writer.ts <wal dir> <segment size> <first seq>
 * Record k (seq = first + k) is a series record every 100 seqs, then a samples record of
 * 1 + seq % 20 samples, all with value seq and times T + seq * 100 + i.
 */
import { writeSync } from 'node:fs';
import { labelsFrom } from '../../../model/labels.ts';
import { RecordEncoder } from '../records.ts';
import { Wal } from '../wal.ts';

const T = 1_700_000_000_000;
const [dir, segmentArg, firstArg] = process.argv.slice(2);
const wal = Wal.open(dir, { segmentSize: Number(segmentArg) });
const enc = new RecordEncoder();
const refs = new Uint32Array(20);
const t = new Float64Array(20);
const v = new Float64Array(20);
for (let seq = Number(firstArg); ; seq++) {
  enc.reset();
  const ref = Math.floor(seq / 100) + 1;
  const n = 1 + (seq % 20);
  refs.fill(ref);
  v.fill(seq);
  for (let i = 0; i < n; i++) t[i] = T + seq * 100 + i;
  if (seq % 100 === 0) wal.log(enc.series([{ ref, labels: labelsFrom({ __name__: 'crash', block: String(ref) }) }]), enc.samples(refs, t, v, n));
  else wal.log(enc.samples(refs, t, v, n));
  ack(`${seq}\n`);
}

/** Writes the ack to fd 1 before the next log(): process.stdout queues writes to a pipe. */
function ack(line: string): void {
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
