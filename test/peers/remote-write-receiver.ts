/**
 * @module A scriptable remote-write receiver for tests: a Node http server on loopback that
 * decodes each WriteRequest and records its samples, answers as a script says (status, headers,
 * body, a dropped connection, a delay), or forwards to an upstream receiver and counts what the
 * upstream acknowledged (a counting proxy in front of a real Prometheus).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { uncompressSync } from 'snappy';
import { decodeWriteRequest } from '../../src/remote/write-request.ts';
import type { MetricMetadata } from '../../src/storage/interface.ts';

/** One request as received. */
export interface ReceivedRequest {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly bytes: number;
  readonly series: number;
  readonly samples: number;
  readonly metadata: number;
  /** Set once answered: the status sent, or 0 when the connection was dropped. */
  status: number;
}

/** How to answer a request; `destroy` drops the connection without an answer. */
export type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'destroy' | 'forward';

/** Samples of one series, in arrival order, from acknowledged (2xx) requests only. */
export interface ReceivedSeries {
  readonly labels: Record<string, string>;
  readonly t: number[];
  readonly v: number[];
}

/** A running receiver; fields fill in as requests arrive. */
export interface FakeRemote {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** By series key (sorted `name=value` pairs joined by ','), samples of requests answered 2xx. */
  readonly accepted: Map<string, ReceivedSeries>;
  readonly metadata: Map<string, MetricMetadata>;
  /** Samples in requests answered 2xx (duplicates counted). */
  acceptedSamples(): number;
  /** Decides each answer (default: 204, or 'forward' when an upstream is set). */
  reply: (req: ReceivedRequest, n: number) => Reply;
  /** Where 'forward' sends requests (may change, e.g. after a restart). */
  upstream: string | null;
  close(): Promise<void>;
}

/** The series key used by FakeRemote.accepted. */
export function seriesKey(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/** Starts a receiver on `port` (0: any free one) at path /api/v1/write. */
export async function startFakeRemote(opts: { port?: number; upstream?: string } = {}): Promise<FakeRemote> {
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, ReceivedSeries>();
  const metadata = new Map<string, MetricMetadata>();
  const sockets = new Set<Socket>();
  let acceptedSamples = 0;

  const remote: FakeRemote = {
    url: '',
    port: 0,
    requests,
    accepted,
    metadata,
    acceptedSamples: () => acceptedSamples,
    reply: () => (remote.upstream ? 'forward' : { status: 204 }),
    upstream: opts.upstream ?? null,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const decoded: Array<{ labels: Record<string, string>; t: number[]; v: number[] }> = [];
      const meta: Array<[string, MetricMetadata]> = [];
      let samples = 0;
      try {
        decodeWriteRequest(uncompressSync(body, { asBuffer: true }) as Buffer, {
          series(l) {
            const labels: Record<string, string> = {};
            for (let i = 0; i < l.count; i++) labels[l.names[i]] = l.values[i];
            decoded.push({ labels, t: [], v: [] });
          },
          sample(t, v) {
            const s = decoded[decoded.length - 1];
            s.t.push(t);
            s.v.push(v);
            samples++;
          },
          metadata(family, m) {
            meta.push([family, m]);
          },
        });
      } catch (err) {
        res.writeHead(400).end(`cannot decode: ${(err as Error).message}\n`);
        return;
      }
      const rec: ReceivedRequest = { at: Date.now(), headers: req.headers, bytes: body.length, series: decoded.length, samples, metadata: meta.length, status: 0 };
      requests.push(rec);
      const accept = () => {
        for (const d of decoded) {
          const key = seriesKey(d.labels);
          let s = accepted.get(key);
          if (!s) accepted.set(key, (s = { labels: d.labels, t: [], v: [] }));
          for (let i = 0; i < d.t.length; i++) {
            s.t.push(d.t[i]);
            s.v.push(d.v[i]);
          }
        }
        for (const [f, m] of meta) metadata.set(f, m);
        acceptedSamples += samples;
      };
      const answer = remote.reply(rec, requests.length);
      if (answer === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (answer === 'forward') {
        forward(remote.upstream!, req.headers, body).then(
          (up) => {
            rec.status = up.status;
            if (up.status >= 200 && up.status < 300) accept();
            res.writeHead(up.status, up.headers).end(up.body);
          },
          () => req.socket.destroy(), // upstream down: the sender sees a network error
        );
        return;
      }
      const send = () => {
        rec.status = answer.status;
        if (answer.status >= 200 && answer.status < 300) accept();
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(remote, { port, url: `http://127.0.0.1:${port}/api/v1/write` });
  return remote;
}

function forward(upstream: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(upstream);
    const req = request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      headers: {
        'content-type': headers['content-type'] ?? '',
        'content-encoding': headers['content-encoding'] ?? '',
        'x-prometheus-remote-write-version': String(headers['x-prometheus-remote-write-version'] ?? ''),
        'content-length': String(body.length),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        if (res.headers['content-type']) h['content-type'] = res.headers['content-type'];
        if (res.headers['retry-after']) h['retry-after'] = String(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
