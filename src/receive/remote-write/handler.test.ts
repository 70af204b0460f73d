/**
 * The remote-write HTTP handler over a real http server (port 0) and the embedded store in a temp
 * dir: status codes for each kind of request, what gets stored, and what does not.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { labelsFrom, labelsToObject, type Label } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { isStaleNaN, STALE_NAN, ValueType } from '../../model/value.ts';
import { encodeWriteRequest, type WriteSeries } from '../../remote/write-request.ts';
import type { Appendable, Appender, Queryable } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { openDb, type Db } from '../../tsdb/db.ts';
import { createRemoteWriteHandler, RemoteWriteReceiverMetrics, type RemoteWriteHandlerOptions } from './index.ts';

const T = Math.floor(Date.now() / 1000) * 1000 - 300_000;
const MAX_BODY = 64 * 1024;

interface TestServer {
  url: string;
  close(): Promise<void>;
}

async function serve(options: RemoteWriteHandlerOptions): Promise<TestServer> {
  const handler = createRemoteWriteHandler(options);
  const server: Server = createServer((req, res) => {
    handler(req, res).then((handled) => { if (!handled) res.writeHead(404).end('not found\n'); }, (err: Error) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

interface PostOptions {
  headers?: Record<string, string>;
  /** Send the bytes as given instead of snappy-compressing them. */
  raw?: boolean;
  method?: string;
  path?: string;
}

async function post(url: string, body: Uint8Array, opts: PostOptions = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const method = opts.method ?? 'POST';
  const r = await fetch(url + (opts.path ?? '/api/v1/write'), {
    method,
    headers: opts.headers ?? { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    body: method === 'POST' ? (opts.raw ? body : compressSync(body)) : undefined,
  });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/** Every stored sample of series named `name`: labels as an object, t, and raw value. */
async function read(store: Queryable, name: string): Promise<Array<{ labels: Record<string, string>; t: number; v: number }>> {
  const q = await store.querier(0, T * 2);
  const set = await q.select({ start: 0, end: T * 2 }, new Matcher('=', '__name__', name));
  const out: Array<{ labels: Record<string, string>; t: number; v: number }> = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next() !== ValueType.None) out.push({ labels: labelsToObject(set.at().labels), t: it.atT(), v: it.atV() });
  }
  q.close();
  return out;
}

const series = (name: string, extra: Record<string, string>, ts: number[], vs: number[]): WriteSeries => ({
  labels: labelsFrom({ __name__: name, ...extra }),
  t: Float64Array.from(ts),
  v: Float64Array.from(vs),
});
/** A series with labels exactly as given (unsorted, duplicated, empty: whatever a sender might send). */
const rawSeries = (labels: Label[], ts: number[], vs: number[]): WriteSeries => ({ labels, t: Float64Array.from(ts), v: Float64Array.from(vs) });

describe('remote write handler with the embedded store', () => {
  let db: Db;
  let srv: TestServer;
  const registry = new Registry();
  beforeAll(async () => {
    db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-rw-')) });
    srv = await serve({ appendable: db, logger: silentLogger, maxBodyBytes: MAX_BODY, metrics: new RemoteWriteReceiverMetrics(registry) });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  it('stores series and answers 204 with no body', async () => {
    const res = await post(srv.url, encodeWriteRequest([
      series('rw_ok', { job: 'a' }, [T, T + 15_000], [1, 2]),
      series('rw_ok', { job: 'b' }, [T], [Infinity]),
      rawSeries([{ name: 'z', value: '1' }, { name: '__name__', value: 'rw_ok' }, { name: 'empty', value: '' }], [T], [-Infinity]),
    ]));
    expect(res).toMatchObject({ status: 204, text: '' });
    expect(await read(db, 'rw_ok')).toEqual([
      { labels: { __name__: 'rw_ok', job: 'a' }, t: T, v: 1 },
      { labels: { __name__: 'rw_ok', job: 'a' }, t: T + 15_000, v: 2 },
      { labels: { __name__: 'rw_ok', job: 'b' }, t: T, v: Infinity },
      // Sorted, and the empty-valued label dropped, as Prometheus does.
      { labels: { __name__: 'rw_ok', z: '1' }, t: T, v: -Infinity },
    ]);
  });

  it('keeps the staleness marker through decode, append and store', async () => {
    const res = await post(srv.url, encodeWriteRequest([{ labels: labelsFrom({ __name__: 'rw_stale' }), t: Float64Array.of(T, T + 1_000, T + 2_000), v: Float64Array.of(5, STALE_NAN, NaN) }]));
    expect(res.status).toBe(204);
    const got = await read(db, 'rw_stale');
    expect(got[0].v).toBe(5);
    expect(isStaleNaN(got[1].v)).toBe(true);
    expect(Number.isNaN(got[2].v) && !isStaleNaN(got[2].v)).toBe(true);
  });

  it('stores metadata', async () => {
    const res = await post(srv.url, encodeWriteRequest([], new Map([['rw_meta_total', { type: 'counter' as const, unit: '', help: 'Things.' }]])));
    expect(res.status).toBe(204);
    expect(db.metadata().get('rw_meta_total')).toEqual({ type: 'counter', unit: '', help: 'Things.' });
  });

  it('takes a missing Content-Encoding as snappy, as Prometheus does', async () => {
    const res = await post(srv.url, encodeWriteRequest([series('rw_nohdr', {}, [T], [1])]), { headers: {} });
    expect(res.status).toBe(204);
    expect(await read(db, 'rw_nohdr')).toHaveLength(1);
  });

  // Requests refused as a whole: nothing of them is stored.
  it.each<[string, () => Promise<{ status: number; text: string; headers: Headers }>, number, RegExp]>([
    ['a body that is not snappy', () => post(srv.url, encodeWriteRequest([series('rw_refused', {}, [T], [1])]), { raw: true }), 400, /snappy/],
    ['an empty body', () => post(srv.url, new Uint8Array(0), { raw: true }), 400, /snappy/],
    ['snappy holding garbage', () => post(srv.url, Uint8Array.of(0x0a, 0x05, 0x01)), 400, /cannot decode remote write request/],
    ['a gzip Content-Encoding', () => post(srv.url, encodeWriteRequest([series('rw_refused', {}, [T], [1])]), { headers: { 'Content-Encoding': 'gzip' } }), 400, /Content-Encoding "gzip"/],
    ['a remote write 2.0 body', () => post(srv.url, encodeWriteRequest([series('rw_refused', {}, [T], [1])]), { headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' } }), 415, /remote write 1\.0/],
    ['GET', () => post(srv.url, new Uint8Array(0), { method: 'GET' }), 405, /POST/],
    ['a compressed body over the limit', () => post(srv.url, new Uint8Array(MAX_BODY * 2).map((_, i) => (i * 7919) & 0xff), { raw: true }), 413, /exceeds the limit/],
    ['a decompressed request over the limit', () => post(srv.url, encodeWriteRequest([series('rw_refused', { pad: 'x'.repeat(MAX_BODY) }, [T], [1])])), 413, /decompressed request of \d+ bytes exceeds/],
  ])('refuses %s', async (_name, send, status, message) => {
    const res = await send();
    expect(res.status, res.text).toBe(status);
    expect(res.text).toMatch(message);
    expect(await read(db, 'rw_refused')).toEqual([]);
  });

  it('passes other paths on', async () => {
    expect((await post(srv.url, new Uint8Array(0), { path: '/api/v1/push' })).status).toBe(404);
  });

  // Requests partly refused: 400 (the sender must not retry), the valid rest stored.
  it.each<[string, WriteSeries[], RegExp, string[]]>([
    ['an out-of-order sample', [series('rw_ooo', { k: 'a' }, [T + 10_000, T + 5_000, T + 20_000], [1, 2, 3]), series('rw_ooo', { k: 'b' }, [T], [9])], /out of order sample.*1 of 4 samples rejected \(out_of_order=1\)/, ['a@10000=1', 'a@20000=3', 'b@0=9']],
    ['a duplicate sample', [series('rw_dup', { k: 'a' }, [T, T], [1, 2]), series('rw_dup', { k: 'b' }, [T], [9])], /duplicate sample.*duplicate_sample=1/, ['a@0=1', 'b@0=9']],
    ['duplicate label names', [rawSeries([{ name: '__name__', value: 'rw_dupname' }, { name: 'k', value: 'a' }, { name: 'k', value: 'b' }], [T, T + 1], [1, 2]), series('rw_dupname', { k: 'c' }, [T], [9])], /duplicate label name "k".*2 of 3 samples rejected \(invalid_labels=2\)/, ['c@0=9']],
    ['a series without __name__', [rawSeries([{ name: 'k', value: 'a' }], [T], [1]), series('rw_noname', { k: 'c' }, [T], [9])], /no metric name.*invalid_labels=1/, ['c@0=9']],
    ['an empty label name', [rawSeries([{ name: '__name__', value: 'rw_emptyname' }, { name: '', value: 'x' }], [T], [1]), series('rw_emptyname', { k: 'c' }, [T], [9])], /empty label name/, ['c@0=9']],
    ['a sample too far in the future', [series('rw_future', { k: 'a' }, [Date.now() + 3_600_000], [1]), series('rw_future', { k: 'c' }, [T], [9])], /in the future.*out_of_bounds=1/, ['c@0=9']],
  ])('answers 400 for %s and stores the rest', async (_name, input, message, stored) => {
    const res = await post(srv.url, encodeWriteRequest(input));
    expect(res.status, res.text).toBe(400);
    expect(res.text).toMatch(message);
    const name = input[input.length - 1].labels[0].value;
    expect((await read(db, name)).map((s) => `${s.labels.k}@${s.t - T}=${s.v}`)).toEqual(stored);
  });

  it('counts requests and rejected samples in its self-metrics', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/pharos_remote_write_requests_total\{code="204"\} [1-9]/);
    expect(text).toMatch(/pharos_remote_write_requests_total\{code="400"\} [1-9]/);
    expect(text).toMatch(/pharos_remote_write_samples_rejected_total\{reason="out_of_order"\} 1/);
    expect(text).toMatch(/pharos_remote_write_samples_rejected_total\{reason="invalid_labels"\} 4/);
  });
});

describe('remote write handler and a client that aborts', () => {
  it('settles (400) when the body ends early, and keeps serving', async () => {
    const db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-rw-')) });
    const handler = createRemoteWriteHandler({ appendable: db, logger: silentLogger, maxBodyBytes: MAX_BODY });
    const settled: boolean[] = [];
    const server = createServer((req, res) => { handler(req, res).then((h) => settled.push(h), () => settled.push(false)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const sock = connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Encoding: snappy\r\nContent-Length: 1000\r\n\r\n0123456789');
      await new Promise((r) => setTimeout(r, 50));
      sock.destroy();
      for (let i = 0; i < 40 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(settled).toEqual([true]);
      const res = await post(`http://127.0.0.1:${port}`, encodeWriteRequest([series('rw_after_abort', {}, [T], [1])]));
      expect(res.status).toBe(204);
      expect(await read(db, 'rw_after_abort')).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await db.close();
    }
  });
});

describe('remote write handler when storage fails', () => {
  it('answers 503 with Retry-After when the store is closed', async () => {
    const db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-rw-')) });
    await db.close();
    const srv = await serve({ appendable: db, logger: silentLogger, maxBodyBytes: MAX_BODY, retryAfterSeconds: 7 });
    try {
      const res = await post(srv.url, encodeWriteRequest([series('rw_closed', {}, [T], [1])]));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.text).toMatch(/storage unavailable/);
    } finally {
      await srv.close();
    }
  });

  it.each<[string, number, Partial<Appender>]>([
    ['a commit that finds storage unavailable', 503, { commit: () => Promise.reject(new StorageError('unavailable', 'disk full')) }],
    ['an append that finds storage unavailable', 503, { append: () => { throw new StorageError('unavailable', 'closing'); } }],
    ['an unexpected commit failure', 500, { commit: () => Promise.reject(new Error('boom')) }],
    ['an unexpected append failure', 500, { append: () => { throw new TypeError('bug'); } }],
  ])('answers %s with %i and rolls back', async (_name, status, override) => {
    let rolledBack = false;
    const store: Appendable = {
      appender: () => ({ append: () => 1, updateMetadata: () => {}, commit: async () => {}, rollback: () => { rolledBack = true; }, ...override }),
    };
    const srv = await serve({ appendable: store, logger: silentLogger, maxBodyBytes: MAX_BODY });
    try {
      const res = await post(srv.url, encodeWriteRequest([series('rw_fail', {}, [T], [1])]));
      expect(res.status, res.text).toBe(status);
      expect(rolledBack).toBe(true);
    } finally {
      await srv.close();
    }
  });
});
