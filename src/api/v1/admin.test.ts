/**
 * The TSDB admin API over HTTP against the embedded store: answers compared with what Prometheus
 * 2.42 (the Debian package) gives for the same requests, with --web.enable-admin-api and without.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { openDb, type Db } from '../../tsdb/index.ts';
import { createApiHandler } from './index.ts';

const NOW = 1_700_000_000_000;
let db: Db;
const servers: Server[] = [];
let enabled: string;
let disabled: string;

async function serve(admin: boolean): Promise<string> {
  const handler = createApiHandler({ queryable: db, registry: new Registry(), ready: () => true, version: 'test', now: () => NOW, ...(admin ? { admin: db } : {}) });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-admin-')), now: () => NOW });
  const a = db.appender();
  for (const job of ['api', 'db', 'web']) for (let i = 0; i < 10; i++) a.append(0, labelsFrom({ __name__: 'up', job }), NOW - 600_000 + i * 60_000, 1);
  await a.commit();
  enabled = await serve(true);
  disabled = await serve(false);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await db.close();
});

async function call(base: string, method: string, path: string, form?: string): Promise<[number, string]> {
  const r = await fetch(base + path, { method, ...(form !== undefined ? { body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {}) });
  return [r.status, await r.text()];
}

const DISABLED = '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}';

describe('admin API disabled (Prometheus without --web.enable-admin-api)', () => {
  it.each([
    ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up'],
    ['PUT', '/api/v1/admin/tsdb/delete_series?match[]=up'],
    ['POST', '/api/v1/admin/tsdb/clean_tombstones'],
    ['PUT', '/api/v1/admin/tsdb/clean_tombstones'],
  ])('%s %s answers 500 unavailable', async (method, path) => {
    expect(await call(disabled, method, path)).toEqual([500, DISABLED]);
  });

  it('deletes nothing', async () => {
    await call(disabled, 'POST', '/api/v1/admin/tsdb/delete_series?match[]=up');
    const r = (await (await fetch(`${disabled}/api/v1/series?match[]=up`)).json()) as { data: unknown[] };
    expect(r.data).toHaveLength(3);
  });
});

describe('admin API enabled', () => {
  it.each<[string, string, string | undefined, number, string]>([
    ['POST', '/api/v1/admin/tsdb/delete_series', undefined, 400, '{"status":"error","errorType":"bad_data","error":"no match[] parameter provided"}'],
    ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up{', undefined, 400, '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"match[]\\": 1:4: parse error: unexpected end of input inside braces"}'],
    ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up&start=abc', undefined, 400, '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"start\\": invalid time value for \'start\': cannot parse \\"abc\\" to a valid timestamp"}'],
    ['POST', '/api/v1/admin/tsdb/delete_series?match[]=nothing_matches', undefined, 204, ''],
    ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up&start=10&end=5', undefined, 204, ''],
  ])('%s %s %s → %i', async (method, path, form, status, body) => {
    expect(await call(enabled, method, path, form)).toEqual([status, body]);
  });

  it('answers GET with 405', async () => {
    const [status] = await call(enabled, 'GET', '/api/v1/admin/tsdb/delete_series?match[]=up');
    expect(status).toBe(405);
  });

  it('deletes with 204 by POST form body and by PUT, over a time range or all of it; clean_tombstones answers 204', async () => {
    const values = async (job: string) => {
      const r = (await (await fetch(`${enabled}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"}[11m]`)}&time=${NOW / 1000}`)).json()) as { data: { result: Array<{ values: Array<[number, string]> }> } };
      return r.data.result.length === 0 ? [] : r.data.result[0].values.map(([t]) => t - (NOW - 600_000) / 1000);
    };
    expect(await values('api')).toHaveLength(10);
    const from = (NOW - 400_000) / 1000;
    const to = (NOW - 200_000) / 1000;
    expect(await call(enabled, 'POST', '/api/v1/admin/tsdb/delete_series', `match[]=${encodeURIComponent('up{job="api"}')}&start=${from}&end=${to}`)).toEqual([204, '']);
    expect(await values('api')).toEqual([0, 60, 120, 180, 420, 480, 540]);
    expect(await call(enabled, 'PUT', `/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent('{job="db"}')}&match[]=${encodeURIComponent('{job="web",__name__="up"}')}`)).toEqual([204, '']);
    expect(await values('db')).toEqual([]);
    expect(await values('web')).toEqual([]);
    expect(await call(enabled, 'POST', '/api/v1/admin/tsdb/clean_tombstones')).toEqual([204, '']);
    expect(await values('api')).toEqual([0, 60, 120, 180, 420, 480, 540]);
  });
});
