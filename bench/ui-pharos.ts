/**
 * @module The Pharos side of `npm run bench:ui`: opens a TSDB in a temporary directory, appends
 * the RED data set of bench/red-data.ts, and serves the Prometheus API and the built web UI
 * (web/dist) on one loopback port, as `pharos start` does. Prints "ready" once it listens.
 * Arguments: a JSON RedDataShape, the port, and optionally another built UI's directory.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Registry } from 'prom-client';
import { createApiHandler } from '../src/api/v1/index.ts';
import { createWebUiHandler, DEFAULT_WEB_ROOT } from '../src/api/web-ui.ts';
import { labelsFrom, type Labels } from '../src/model/labels.ts';
import { openDb } from '../src/tsdb/index.ts';
import { generateRedData, type RedDataShape } from './red-data.ts';

const shape = JSON.parse(process.argv[2]) as RedDataShape;
const port = Number(process.argv[3]);
const webRoot = process.argv[4] ? resolve(process.argv[4]) + sep : DEFAULT_WEB_ROOT;
const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-ui-'));
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
// The handler caches files; a new build (npm run build:web while this runs) gets a new handler.
const builtAt = () => statSync(join(webRoot, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
let ui = { handler: createWebUiHandler(webRoot), builtAt: builtAt() };
const server = createServer((req, res) => {
  void (async () => {
    if (await api(req, res)) return;
    if (builtAt() !== ui.builtAt) ui = { handler: createWebUiHandler(webRoot), builtAt: builtAt() };
    if (await ui.handler(req, res)) return;
    res.writeHead(404).end();
  })();
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
const stop = async () => {
  server.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
