/**
 * @module The Pharos side of `npm run bench:ui`: opens a TSDB in a temporary directory, appends
 * the RED data set of bench/red-data.ts and lets the store's background work finish
 * (bench/red-db.ts), and serves the Prometheus API and the built web UI (web/dist) on one
 * loopback port, as `pharos start` does. Prints "ready" once it listens.
 * Arguments: a JSON RedDataShape, the port, and optionally another built UI's directory.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Registry } from 'prom-client';
import { createApiHandler } from '../src/api/v1/index.ts';
import { createWebUiHandler, DEFAULT_WEB_ROOT } from '../src/api/web-ui.ts';
import type { RedDataShape } from './red-data.ts';
import { loadRedDb } from './red-db.ts';

const shape = JSON.parse(process.argv[2]) as RedDataShape;
const port = Number(process.argv[3]);
const webRoot = process.argv[4] ? resolve(process.argv[4]) + sep : DEFAULT_WEB_ROOT;
const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-ui-'));
// The head's cuts into blocks and their compaction finish before the first load: otherwise the
// first (cold) loads share the CPU with them, and measure that instead of the dashboard.
const db = await loadRedDb(shape, dir);
const stats = db.stats();
console.error(`store: ${stats.blocks} blocks, ${stats.series} head series, ${stats.samples} head samples`);
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
