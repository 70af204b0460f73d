/**
 * RemoteWriteQueue against a scriptable local receiver (test/peers/remote-write-receiver.ts):
 * what it sends and how, what it does with each kind of failure, and that progress survives
 * close and reopen with nothing sent twice.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRemote, seriesKey, type FakeRemote } from '../../../test/peers/remote-write-receiver.ts';
import { createLogger, type Logger } from '../../log.ts';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { VERSION } from '../../version.ts';
import { parseRemoteWriteConfigs, type RemoteWriteConfig } from './config.ts';
import { RemoteWriteQueue, type RemoteWriteQueueOptions } from './queue.ts';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function config(url: string, extra: Record<string, unknown> = {}): RemoteWriteConfig {
  const queue = { max_shards: 2, capacity: 1000, max_samples_per_send: 100, batch_send_deadline: '20ms', min_backoff: '10ms', max_backoff: '100ms', ...(extra.queue_config as object) };
  return parseRemoteWriteConfigs([{ url, name: 'test', ...extra, queue_config: queue }], 'remote_write')[0];
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (l) => lines.push(l)), lines };
}

async function open(cfg: RemoteWriteConfig, opts: Partial<RemoteWriteQueueOptions> & { dir?: string } = {}): Promise<RemoteWriteQueue> {
  const q = await RemoteWriteQueue.open({ dir: opts.dir ?? mkdtempSync(join(tmpdir(), 'pharos-rwq-')), registry: new Registry(), logger: capture().logger, flushTimeoutMs: 2000, ...opts, config: cfg });
  cleanup.push(() => q.close(200));
  return q;
}

async function remote(opts: { port?: number } = {}): Promise<FakeRemote> {
  const r = await startFakeRemote(opts);
  cleanup.push(() => r.close());
  return r;
}

/** `series` series named s0..s{n-1} of metric `name`, one label-set object each (reused across batches). */
function seriesSet(name: string, n: number): Labels[] {
  return Array.from({ length: n }, (_, i) => labelsFrom({ __name__: name, s: `s${i}` }));
}

/** Appends `steps` batches, each one sample per series at T0 + k*1000 with value k + i/1000. */
function produce(q: RemoteWriteQueue, series: Labels[], steps: number, from = 0, metadata?: Map<string, MetricMetadata>): number {
  const n = series.length;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = from; k < from + steps; k++) {
    for (let i = 0; i < n; i++) {
      t[i] = T0 + k * 1000;
      v[i] = k + i / 1000;
    }
    q.appendBatch({ n, labels: series, t, v, metadata: k === from ? metadata : null });
  }
  return n * steps;
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Lets a request that close() aborted after writing it reach the receiver and be refused before
 * the test makes the receiver accept again: the receiver runs in this process, so it may read
 * such a request only after close() resolved. (Had it been accepted, sending it again would be
 * the at-least-once case of a send in flight at close.)
 */
const settle = () => new Promise((r) => setTimeout(r, 100));

/** Every series of `series` arrived with exactly steps [from, to), in order, once. */
function expectExactlyOnce(r: FakeRemote, series: Labels[], from: number, to: number): void {
  const want = Array.from({ length: to - from }, (_, j) => T0 + (from + j) * 1000);
  for (let i = 0; i < series.length; i++) {
    const got = r.accepted.get(seriesKey(Object.fromEntries(series[i].map((l) => [l.name, l.value]))));
    expect(got?.t, `series ${i}`).toEqual(want);
    expect(got?.v).toEqual(want.map((_, j) => from + j + i / 1000));
  }
}

describe('RemoteWriteQueue sending', () => {
  it('sends every sample once, per series in order, in batches of at most max_samples_per_send, with the remote write headers', async () => {
    const r = await remote();
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-'));
    writeFileSync(join(dir, 'pw'), 'hunter2\n');
    const registry = new Registry();
    const q = await open(config(r.url, { headers: { 'X-Scope-OrgID': 'team-a' }, basic_auth: { username: 'pharos', password_file: join(dir, 'pw') }, queue_config: { max_shards: 3 } }), { registry });
    const series = seriesSet('rwq_basic', 50);
    const meta = new Map<string, MetricMetadata>([['rwq_basic', { type: 'gauge', help: 'A test gauge.', unit: '' }]]);
    const total = produce(q, series, 40, 0, meta);
    await until(() => q.stats().idle, 'the queue to drain');

    expectExactlyOnce(r, series, 0, 40);
    expect(r.acceptedSamples()).toBe(total);
    expect(r.metadata.get('rwq_basic')).toEqual({ type: 'gauge', help: 'A test gauge.', unit: '' });
    for (const req of r.requests) {
      expect(req.samples).toBeLessThanOrEqual(100);
      expect(req.headers).toMatchObject({
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        'x-prometheus-remote-write-version': '0.1.0',
        'user-agent': `Pharos/${VERSION}`,
        'x-scope-orgid': 'team-a',
        authorization: `Basic ${Buffer.from('pharos:hunter2').toString('base64')}`,
      });
    }
    // Samples of a series travel grouped: one TimeSeries per series per request.
    expect(r.requests.reduce((a, x) => a + x.samples, 0)).toBe(total);
    expect(q.stats()).toMatchObject({ shards: 3, pending: 0, appendedSamples: total, sentSamples: total, retriedSamples: 0, failedSamples: 0, droppedSamples: 0 });

    const text = await registry.metrics();
    const l = `remote_name="test",url="${r.url}"`;
    expect(text).toContain(`pharos_remote_storage_samples_total{${l}} ${total}`);
    expect(text).toContain(`pharos_remote_storage_samples_pending{${l}} 0`);
    expect(text).toContain(`pharos_remote_storage_shards{${l}} 3`);
    expect(text).toContain(`pharos_remote_storage_metadata_total{${l}} 1`);
    expect(text).toContain(`pharos_remote_storage_highest_timestamp_in_seconds{${l}} ${(T0 + 39_000) / 1000}`);
    expect(text).toContain(`pharos_remote_storage_queue_highest_sent_timestamp_seconds{${l}} ${(T0 + 39_000) / 1000}`);
    expect(text).toMatch(new RegExp(`pharos_remote_storage_bytes_total\\{${l.replace(/[./]/g, '\\$&')}\\} [1-9]\\d*`));
  });

  it('sends a partial batch after batch_send_deadline', async () => {
    const r = await remote();
    const q = await open(config(r.url, { queue_config: { batch_send_deadline: '300ms' } }));
    const started = Date.now();
    produce(q, seriesSet('rwq_deadline', 3), 1);
    await until(() => r.acceptedSamples() === 3, 'the partial batch');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('retries 5xx with exponential backoff until the remote takes the batch', async () => {
    const r = await remote();
    r.reply = (_req, n) => (n <= 4 ? { status: n === 1 ? 500 : 503, body: 'overloaded\nmore detail' } : { status: 204 });
    const { logger, lines } = capture();
    const q = await open(config(r.url, { queue_config: { max_shards: 1, min_backoff: '40ms', max_backoff: '1s' } }), { logger });
    const series = seriesSet('rwq_5xx', 10);
    produce(q, series, 10); // 100 samples: one batch
    await until(() => q.stats().idle, 'the queue to drain');
    expectExactlyOnce(r, series, 0, 10);
    expect(r.requests.map((x) => x.status)).toEqual([500, 503, 503, 503, 204]);
    const gaps = r.requests.slice(1).map((x, i) => x.at - r.requests[i].at);
    // 40, 80, 160, 320 ms (timer slack allowed on the low side only a little).
    [40, 80, 160, 320].forEach((want, i) => expect(gaps[i]).toBeGreaterThanOrEqual(want - 5));
    expect(q.stats()).toMatchObject({ sentSamples: 100, retriedSamples: 400, failedSamples: 0 });
    expect(lines.find((l) => l.includes('send failed, retrying'))).toMatch(/reason="HTTP 500: overloaded"/);
  });

  it.each<[string, () => string, number]>([
    ['delay-seconds', () => '1', 1000],
    ['an HTTP-date', () => new Date(Date.now() + 2500).toUTCString(), 1000],
  ])('honours Retry-After given as %s on 429', async (_kind, header, minGapMs) => {
    const r = await remote();
    r.reply = (_req, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': header() }, body: 'slow down' } : { status: 204 });
    const q = await open(config(r.url, { queue_config: { max_shards: 1 } }));
    produce(q, seriesSet('rwq_429', 5), 2);
    await until(() => q.stats().idle, 'the queue to drain');
    expect(r.requests.map((x) => x.status)).toEqual([429, 204]);
    expect(r.requests[1].at - r.requests[0].at).toBeGreaterThanOrEqual(minGapMs - 10);
    expect(q.stats()).toMatchObject({ sentSamples: 10, retriedSamples: 10 });
  });

  it('counts a 429 as failed when retry_on_http_429 is false', async () => {
    const r = await remote();
    r.reply = () => ({ status: 429, headers: { 'Retry-After': '1' } });
    const q = await open(config(r.url, { queue_config: { max_shards: 1, retry_on_http_429: false } }));
    produce(q, seriesSet('rwq_429_off', 5), 2);
    await until(() => q.stats().idle, 'the queue to drain');
    expect(r.requests).toHaveLength(1);
    expect(q.stats()).toMatchObject({ sentSamples: 0, failedSamples: 10, retriedSamples: 0 });
  });

  it('does not retry other 4xx: counts the batch as failed, logs the first line of the body, and goes on', async () => {
    const r = await remote();
    r.reply = (_req, n) => (n === 1 ? { status: 400, body: 'out of order sample\nsecond line' } : { status: 204 });
    const { logger, lines } = capture();
    const registry = new Registry();
    const q = await open(config(r.url, { queue_config: { max_shards: 1, max_samples_per_send: 100 } }), { logger, registry });
    const series = seriesSet('rwq_400', 10);
    produce(q, series, 10);
    await until(() => q.stats().idle, 'the first batch');
    produce(q, series, 10, 10);
    await until(() => q.stats().idle, 'the second batch');
    expect(r.requests.map((x) => x.status)).toEqual([400, 204]);
    expectExactlyOnce(r, series, 10, 20);
    expect(q.stats()).toMatchObject({ sentSamples: 100, failedSamples: 100, retriedSamples: 0 });
    const line = lines.find((l) => l.includes('remote refused a batch'));
    expect(line).toContain('response="HTTP 400: out of order sample"');
    expect(line).not.toContain('second line');
    expect(await registry.metrics()).toContain(`pharos_remote_storage_samples_failed_total{remote_name="test",url="${r.url}"} 100`);
  });

  it('retries dropped connections, a remote that is down, and one that does not answer within remote_timeout', async () => {
    const r1 = await remote();
    const port = r1.port;
    await r1.close();
    const q = await open(config(r1.url, { remote_timeout: '200ms', queue_config: { max_shards: 1 } }));
    const series = seriesSet('rwq_net', 10);
    produce(q, series, 10);
    await new Promise((res) => setTimeout(res, 300)); // connection refused meanwhile
    expect(q.stats().retriedSamples).toBeGreaterThan(0);
    const r = await remote({ port });
    r.reply = (_req, n) => (n === 1 ? 'destroy' : n === 2 ? { status: 503, delayMs: 600 } : { status: 204 });
    await until(() => q.stats().idle, 'the queue to drain');
    expectExactlyOnce(r, series, 0, 10);
    expect(r.requests.length).toBe(3);
    expect(q.stats().sentSamples).toBe(100);
  });
});

describe('RemoteWriteQueue progress', () => {
  it('resumes after close and reopen at each shard\'s first unacknowledged sample, sending nothing twice', async () => {
    const r = await remote();
    let up = true;
    r.reply = () => (up ? { status: 204, delayMs: 2 } : { status: 503 });
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-'));
    const cfg = config(r.url, { queue_config: { max_shards: 4, max_samples_per_send: 50, capacity: 200 } });
    const series = seriesSet('rwq_resume', 97);
    // Small segments: progress crosses many of them, each with its own series refs.
    let q = await open(cfg, { dir, segmentMaxBytes: 16_384 });
    produce(q, series, 60);
    // Let part of it through, then take the remote down while shards are at different places.
    await until(() => r.acceptedSamples() >= 1500, 'some batches');
    up = false;
    await until(() => r.requests.some((x) => x.status === 503), 'a refused batch');
    produce(q, series, 20, 60);
    await q.close(300);
    await settle();
    const sentBefore = q.stats().sentSamples;
    expect(sentBefore).toBeGreaterThanOrEqual(1500);
    expect(sentBefore).toBeLessThan(80 * 97);

    up = true;
    q = await open(cfg, { dir, segmentMaxBytes: 16_384 });
    produce(q, series, 20, 80);
    await until(() => q.stats().idle, 'the reopened queue to drain');
    expectExactlyOnce(r, series, 0, 100);
    expect(sentBefore + q.stats().sentSamples).toBe(100 * 97);
  });

  it('sends what the buffer holds when reopened after a close that could not send', async () => {
    const r = await remote();
    r.reply = () => ({ status: 503 });
    const dir = mkdtempSync(join(tmpdir(), 'pharos-rwq-'));
    const cfg = config(r.url);
    const series = seriesSet('rwq_reopen', 20);
    let q = await open(cfg, { dir });
    produce(q, series, 30);
    await q.close(100);
    await settle();
    expect(q.stats().sentSamples).toBe(0);
    r.reply = () => ({ status: 204 });
    q = await open(cfg, { dir });
    await until(() => q.stats().idle, 'the reopened queue to drain');
    expectExactlyOnce(r, series, 0, 30);
    await q.close();
    // Sent segments are deleted: only the current head (and at most the previous one) remain.
    expect(q.stats().segments).toBeLessThanOrEqual(2);
  });

  it('flushes on close, and counts appends after close as dropped', async () => {
    const r = await remote();
    const registry = new Registry();
    const q = await open(config(r.url, { queue_config: { batch_send_deadline: '1h' } }), { registry });
    const series = seriesSet('rwq_flush', 7);
    produce(q, series, 3);
    await q.close();
    expectExactlyOnce(r, series, 0, 3);
    produce(q, series, 1, 3);
    expect(await registry.metrics()).toContain(`pharos_remote_storage_samples_dropped_total{remote_name="test",url="${r.url}",reason="queue_closed"} 7`);
  });

  it('deletes the oldest segments past buffer.max_size, counting the samples it drops, and sends the rest once', async () => {
    const r = await remote();
    r.reply = () => ({ status: 503 });
    const { logger, lines } = capture();
    const registry = new Registry();
    const cfg = config(r.url, { buffer: { max_size: 65536 }, queue_config: { max_shards: 1, capacity: 100, max_samples_per_send: 100 } });
    const q = await open(cfg, { logger, registry, segmentMaxBytes: 8192 });
    const series = seriesSet('rwq_cap', 50);
    const appended = produce(q, series, 200); // ~200 KB of records
    const st = q.stats();
    expect(st.bufferBytes).toBeLessThanOrEqual(65536);
    expect(st.droppedSamples).toBeGreaterThan(0);
    r.reply = () => ({ status: 204 });
    await until(() => q.stats().idle, 'the queue to drain');
    expect(r.acceptedSamples() + q.stats().droppedSamples).toBe(appended);
    // Nothing twice, and the newest data all there.
    for (const s of r.accepted.values()) expect(new Set(s.t).size).toBe(s.t.length);
    expect(r.accepted.get(seriesKey({ __name__: 'rwq_cap', s: 's7' }))!.t.slice(-3)).toEqual([T0 + 197_000, T0 + 198_000, T0 + 199_000]);
    expect(lines.some((l) => /oldest segment deleted".*segment=\S+ unsent_samples=\d+ max_size=65536/.test(l))).toBe(true);
    expect(await registry.metrics()).toContain(`reason="buffer_full"} ${q.stats().droppedSamples}`);
  });

  it('drops samples older than buffer.max_age instead of sending them', async () => {
    const r = await remote();
    const now = T0 + 3 * 3_600_000;
    const q = await open(config(r.url, { buffer: { max_age: '2h' } }), { now: () => now });
    const old = labelsFrom({ __name__: 'rwq_age', age: 'old' });
    const recent = labelsFrom({ __name__: 'rwq_age', age: 'recent' });
    q.appendBatch({ n: 2, labels: [old, recent], t: Float64Array.of(now - 2 * 3_600_000 - 1, now - 60_000), v: Float64Array.of(1, 2) });
    await until(() => q.stats().idle, 'the queue to drain');
    expect([...r.accepted.keys()]).toEqual([seriesKey({ __name__: 'rwq_age', age: 'recent' })]);
    expect(q.stats()).toMatchObject({ sentSamples: 1, droppedSamples: 1 });
  });

  it('forwards metadata when new or changed, and unchanged metadata once per send_interval', async () => {
    const r = await remote();
    let now = T0;
    const q = await open(config(r.url, { metadata_config: { send_interval: '1m' } }), { now: () => now });
    const series = seriesSet('rwq_meta', 2);
    const meta = (help: string) => new Map<string, MetricMetadata>([['rwq_meta', { type: 'counter', help, unit: '' }]]);
    produce(q, series, 1, 0, meta('One.'));
    produce(q, series, 1, 1, meta('One.'));
    now += 30_000;
    produce(q, series, 1, 2, meta('Two.'));
    produce(q, series, 1, 3, meta('Two.'));
    now += 60_000;
    produce(q, series, 1, 4, meta('Two.'));
    await until(() => q.stats().idle, 'the queue to drain');
    expect(r.requests.reduce((a, x) => a + x.metadata, 0)).toBe(3);
    expect(r.metadata.get('rwq_meta')).toEqual({ type: 'counter', help: 'Two.', unit: '' });
    expectExactlyOnce(r, series, 0, 5);
  });

  it('applies write_relabel_configs before buffering', async () => {
    const r = await remote();
    const registry = new Registry();
    const q = await open(config(r.url, {
      write_relabel_configs: [
        { source_labels: ['__name__'], regex: 'rwq_secret.*', action: 'drop' },
        { target_label: 'cluster', replacement: 'eu-1' },
      ],
    }), { registry });
    const keep = labelsFrom({ __name__: 'rwq_public', job: 'a' });
    const drop = labelsFrom({ __name__: 'rwq_secret_total', job: 'a' });
    q.appendBatch({ n: 3, labels: [keep, drop, keep], t: Float64Array.of(T0, T0, T0 + 1000), v: Float64Array.of(1, 2, 3) });
    await until(() => q.stats().idle, 'the queue to drain');
    expect([...r.accepted.values()]).toEqual([{ labels: { __name__: 'rwq_public', cluster: 'eu-1', job: 'a' }, t: [T0, T0 + 1000], v: [1, 3] }]);
    expect(await registry.metrics()).toContain(`reason="write_relabel"} 1`);
  });

  it('adds global external_labels a series lacks, before write_relabel_configs see it', async () => {
    const r = await remote();
    const q = await open(config(r.url, {
      write_relabel_configs: [
        // Sees the external label: drops what the cluster label marks as not to be forwarded.
        { source_labels: ['cluster'], regex: 'local', action: 'drop' },
        { source_labels: ['replica'], target_label: 'replica_copy' },
      ],
    }), { externalLabels: labelsFrom({ cluster: 'eu-1', replica: 'a' }) });
    const plain = labelsFrom({ __name__: 'rwq_ext', job: 'a' });
    const own = labelsFrom({ __name__: 'rwq_ext', job: 'b', cluster: 'mine' });
    const local = labelsFrom({ __name__: 'rwq_ext', job: 'c', cluster: 'local' });
    q.appendBatch({ n: 3, labels: [plain, own, local], t: Float64Array.of(T0, T0, T0), v: Float64Array.of(1, 2, 3) });
    await until(() => q.stats().idle, 'the queue to drain');
    expect([...r.accepted.values()].map((s) => s.labels).sort((a, b) => (a.job < b.job ? -1 : 1))).toEqual([
      { __name__: 'rwq_ext', cluster: 'eu-1', job: 'a', replica: 'a', replica_copy: 'a' },
      { __name__: 'rwq_ext', cluster: 'mine', job: 'b', replica: 'a', replica_copy: 'a' },
    ]);
  });
});
