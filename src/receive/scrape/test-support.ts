/**
 * @module Test support for the scrape tests: an Appendable over the in-memory store that refuses
 * out-of-order and duplicate samples like the TSDB head does, a fixture exposition server, and
 * polling helpers. Not exported from index.ts.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { labelsKey, labelsToObject, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { isStaleNaN, ValueType } from '../../model/value.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { StorageError, type Appendable, type Appender, type MetricMetadata } from '../../storage/interface.ts';

/** One stored sample as tests look at it; `stale` is decided before the value leaves the Float64Array. */
export interface StoredSample {
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

/** A series read back from the store. */
export interface StoredSeries {
  readonly labels: Record<string, string>;
  readonly samples: StoredSample[];
}

/**
 * An Appendable that commits into a MemoryStore. Like the TSDB head, it refuses a sample older
 * than (out_of_order) or as old as (duplicate_sample) the series' newest one.
 */
export class MemoryAppendable implements Appendable {
  readonly store = new MemoryStore();
  readonly metadata = new Map<string, MetricMetadata>();
  readonly #last = new Map<string, number>();
  /** Batches committed so far. */
  commits = 0;

  appender(): Appender {
    const labels: Labels[] = [];
    let t = new Float64Array(64);
    let v = new Float64Array(64);
    let n = 0;
    const batchLast = new Map<string, number>();
    const meta: Array<[string, MetricMetadata]> = [];
    let done = false;
    return {
      append: (_ref, lset, ts, value) => {
        if (done) throw new Error('appender already committed or rolled back');
        const key = labelsKey(lset);
        const last = batchLast.get(key) ?? this.#last.get(key) ?? -Infinity;
        if (ts < last) throw new StorageError('out_of_order', `out of order sample: ${ts} < ${last}`);
        if (ts === last) throw new StorageError('duplicate_sample', `duplicate sample for timestamp ${ts}`);
        batchLast.set(key, ts);
        if (n === t.length) {
          const t2 = new Float64Array(n * 2);
          t2.set(t);
          t = t2;
          const v2 = new Float64Array(n * 2);
          v2.set(v);
          v = v2;
        }
        labels[n] = lset;
        t[n] = ts;
        v[n] = value;
        n++;
        return 1;
      },
      updateMetadata: (family, md) => void meta.push([family, md]),
      commit: async () => {
        if (done) throw new Error('appender already committed or rolled back');
        done = true;
        for (let i = 0; i < n; i++) {
          this.store.add(labels[i], t[i], v[i]);
          this.#last.set(labelsKey(labels[i]), t[i]);
        }
        for (const [f, md] of meta) this.metadata.set(f, md);
        this.commits++;
      },
      rollback: () => {
        done = true;
      },
    };
  }

  /** Every series matching `matchers` (e.g. `{job="x"}`) with all its samples, sorted by labels. */
  async select(...matchers: Matcher[]): Promise<StoredSeries[]> {
    const q = await this.store.querier(0, Number.MAX_SAFE_INTEGER);
    const set = await q.select({ start: 0, end: Number.MAX_SAFE_INTEGER }, ...(matchers.length ? matchers : [new Matcher('=~', '__name__', '.+')]));
    const out: StoredSeries[] = [];
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      const samples: StoredSample[] = [];
      while (it.next() !== ValueType.None) {
        const v = it.atV();
        samples.push({ t: it.atT(), v, stale: isStaleNaN(v) });
      }
      out.push({ labels: labelsToObject(s.labels), samples });
    }
    q.close();
    return out;
  }

  /** The samples of the one series with exactly these labels, or undefined. */
  async series(labels: Record<string, string>): Promise<StoredSample[] | undefined> {
    const all = await this.select(...Object.entries(labels).map(([k, val]) => new Matcher('=', k, val)));
    return all.find((s) => Object.keys(s.labels).length === Object.keys(labels).length)?.samples;
  }
}

/** What the fixture server answers to a scrape; change `next` between scrapes. */
export interface FixtureReply {
  status?: number;
  body: string;
  contentType?: string;
  gzip?: boolean;
  /** Wait this long before answering (to provoke timeouts). */
  delayMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** A local HTTP server serving exposition text at any path, recording request headers. */
export interface FixtureServer {
  /** host:port */
  readonly address: string;
  readonly requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  /** The reply, or a function of the request path choosing one. */
  next: FixtureReply | ((url: string) => FixtureReply);
  close(): Promise<void>;
}

/** Starts a fixture server on 127.0.0.1 with a free port. */
export async function startFixtureServer(initial: FixtureServer['next']): Promise<FixtureServer> {
  const open = new Set<ServerResponse>();
  const fixture: FixtureServer = {
    address: '',
    requests: [] as Array<{ url: string; headers: IncomingHttpHeaders }>,
    next: initial,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    fixture.requests.push({ url: req.url ?? '', headers: req.headers });
    const reply = typeof fixture.next === 'function' ? fixture.next(req.url ?? '') : fixture.next;
    open.add(res);
    res.on('close', () => open.delete(res));
    const send = () => {
      if (res.destroyed) return;
      const headers: Record<string, string> = { 'Content-Type': reply.contentType ?? 'text/plain; version=0.0.4; charset=utf-8', ...reply.headers };
      let body: Buffer = Buffer.from(reply.body);
      if (reply.gzip) {
        body = gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
      }
      res.writeHead(reply.status ?? 200, headers).end(body);
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (fixture as { address: string }).address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fixture;
}

/** Polls `check` every 20 ms until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
