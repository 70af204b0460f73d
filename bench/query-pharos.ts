// The Pharos side of `npm run bench:query`, in its own process like the other systems: opens a
// TSDB in a temporary directory, appends the RED data set, serves the Prometheus API on the
// given port and prints "ready" once it answers. Arguments: a JSON RedDataShape, the port.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createApiHandler } from '../src/api/v1/index.ts';
import type { RedDataShape } from './red-data.ts';
import { loadRedDb } from './red-db.ts';

const shape = JSON.parse(process.argv[2]) as RedDataShape;
const port = Number(process.argv[3]);
const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-q-'));
const db = await loadRedDb(shape, dir);
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
