// The Pharos side of `npm run bench:query`, in its own process like the other systems: opens a
// TSDB in a temporary directory, appends the RED data set, serves the Prometheus API on the
// given port and prints "ready" once it answers. Arguments: a JSON RedDataShape, the port.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createApiHandler } from '../src/api/v1/index.ts';
import { labelsFrom, type Labels } from '../src/model/labels.ts';
import { openDb } from '../src/tsdb/index.ts';
import { generateRedData, type RedDataShape } from './red-data.ts';

const shape = JSON.parse(process.argv[2]) as RedDataShape;
const port = Number(process.argv[3]);
const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-q-'));
const db = await openDb({ dir });
const refs = new Map<number, { labels: Labels; ref: number }>();
let app = db.appender();
let n = 0;
for (const _ of generateRedData(shape, (name, labels, key, t, v) => {
  let e = refs.get(key);
  if (!e) refs.set(key, (e = { labels: labelsFrom({ __name__: name, ...labels }), ref: 0 }));
  e.ref = app.append(e.ref, e.labels, t * 1000, v);
  n++;
})) {
  if (n > 200_000) {
    await app.commit();
    app = db.appender();
    n = 0;
  }
}
await app.commit();
refs.clear();
const api = createApiHandler({ queryable: db, registry: new Registry(), ready: () => true, version: 'bench', queryMaxSamples: 500_000_000 });
const server = createServer((req, res) => void api(req, res));
server.listen(port, '127.0.0.1', () => console.log('ready'));
const stop = async () => {
  server.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
