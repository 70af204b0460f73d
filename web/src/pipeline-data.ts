/**
 * @module The Pipeline page's tables, built from Pharos' own /metrics samples: one row per
 * receiver (OTLP per protocol, remote write in) and one per remote_write queue (out). Pure:
 * tested in Node (test/browser/pipeline-data.test.ts).
 */
import type { SelfSample } from './api.ts';

/** One receiver and protocol, counts since Pharos started. */
export interface ReceiverRow {
  readonly receiver: string;
  readonly protocol: string;
  requests: number;
  failed: number;
  /** Failed requests by response code (HTTP status or gRPC code name). */
  readonly failedByCode: Map<string, number>;
  points: number;
  rejected: number;
  /** Rejected points by reason. */
  readonly rejectedByReason: Map<string, number>;
}

/** Response codes that mean the request was accepted (HTTP, and gRPC's code name). */
const OK_CODES = new Set(['200', '204', 'OK']);
const REMOTE_WRITE_IN = { receiver: 'remote write', protocol: 'http/protobuf (snappy)' };

/** Receiver rows from the OTLP and remote-write self-metrics, sorted by receiver and protocol. */
export function receivers(samples: readonly SelfSample[]): ReceiverRow[] {
  const rows = new Map<string, ReceiverRow>();
  const row = (receiver: string, protocol: string) => {
    const key = `${receiver} ${protocol}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { receiver, protocol, requests: 0, failed: 0, failedByCode: new Map(), points: 0, rejected: 0, rejectedByReason: new Map() }));
    return r;
  };
  const request = (r: ReceiverRow, code: string, n: number) => {
    r.requests += n;
    if (!OK_CODES.has(code) && n > 0) {
      r.failed += n;
      r.failedByCode.set(code, (r.failedByCode.get(code) ?? 0) + n);
    }
  };
  const reject = (r: ReceiverRow, reason: string, n: number) => {
    r.rejected += n;
    if (n > 0) r.rejectedByReason.set(reason, (r.rejectedByReason.get(reason) ?? 0) + n);
  };
  for (const s of samples) {
    const l = s.labels;
    switch (s.name) {
      case 'pharos_receiver_requests_total':
        request(row(l.receiver ?? 'otlp', l.protocol ?? ''), l.code ?? '', s.value);
        break;
      case 'pharos_receiver_points_received_total':
        row(l.receiver ?? 'otlp', l.protocol ?? '').points += s.value;
        break;
      case 'pharos_receiver_points_rejected_total':
        reject(row(l.receiver ?? 'otlp', l.protocol ?? ''), l.reason ?? 'unknown', s.value);
        break;
      case 'pharos_remote_write_requests_total':
        request(row(REMOTE_WRITE_IN.receiver, REMOTE_WRITE_IN.protocol), l.code ?? '', s.value);
        break;
      case 'pharos_remote_write_samples_received_total':
        row(REMOTE_WRITE_IN.receiver, REMOTE_WRITE_IN.protocol).points += s.value;
        break;
      case 'pharos_remote_write_samples_rejected_total':
        reject(row(REMOTE_WRITE_IN.receiver, REMOTE_WRITE_IN.protocol), l.reason ?? 'unknown', s.value);
        break;
    }
  }
  return [...rows.values()].sort((a, b) => (a.receiver + a.protocol < b.receiver + b.protocol ? -1 : 1));
}

/** One remote_write destination's queue (Prometheus' prometheus_remote_storage_* figures). */
export interface QueueRow {
  readonly remoteName: string;
  readonly url: string;
  /** Samples acknowledged by the remote. */
  sent: number;
  /** Read from the buffer, not yet acknowledged. */
  pending: number;
  retried: number;
  /** Refused by the remote with a non-retryable status. */
  failed: number;
  dropped: number;
  readonly droppedByReason: Map<string, number>;
  bufferBytes: number;
  /** Newest sample appended and newest acknowledged, s since the epoch (0 when none). */
  highestAppended: number;
  highestSent: number;
}

/** Queue rows from the `pharos_remote_storage_*` self-metrics, by remote name. */
export function remoteQueues(samples: readonly SelfSample[]): QueueRow[] {
  const rows = new Map<string, QueueRow>();
  const row = (l: Record<string, string>) => {
    const key = `${l.remote_name ?? ''} ${l.url ?? ''}`;
    let r = rows.get(key);
    if (!r) {
      r = { remoteName: l.remote_name ?? '', url: l.url ?? '', sent: 0, pending: 0, retried: 0, failed: 0, dropped: 0, droppedByReason: new Map(), bufferBytes: 0, highestAppended: 0, highestSent: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const s of samples) {
    if (!s.name.startsWith('pharos_remote_storage_')) continue;
    const r = row(s.labels);
    switch (s.name) {
      case 'pharos_remote_storage_samples_total': r.sent += s.value; break;
      case 'pharos_remote_storage_samples_pending': r.pending += s.value; break;
      case 'pharos_remote_storage_samples_retried_total': r.retried += s.value; break;
      case 'pharos_remote_storage_samples_failed_total': r.failed += s.value; break;
      case 'pharos_remote_storage_samples_dropped_total':
        r.dropped += s.value;
        if (s.value > 0) r.droppedByReason.set(s.labels.reason ?? 'unknown', (r.droppedByReason.get(s.labels.reason ?? 'unknown') ?? 0) + s.value);
        break;
      case 'pharos_remote_storage_buffer_bytes': r.bufferBytes = s.value; break;
      case 'pharos_remote_storage_highest_timestamp_in_seconds': r.highestAppended = s.value; break;
      case 'pharos_remote_storage_queue_highest_sent_timestamp_seconds': r.highestSent = s.value; break;
    }
  }
  return [...rows.values()].sort((a, b) => (a.remoteName < b.remoteName ? -1 : 1));
}

/** `reason: n, …`, largest first; 'none' for an empty map. */
export function breakdown(m: ReadonlyMap<string, number>): string {
  if (m.size === 0) return 'none';
  return [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
}

/** A duration in the past, in words: "12 s ago", "5 min ago", "3.0 h ago". */
export function ago(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

/** Bytes in KiB, MiB or GiB; 'not reported' for undefined/NaN. */
export function formatBytes(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return 'not reported';
  if (v >= 1024 * 1024 * 1024) return `${(v / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MiB`;
  return `${(v / 1024).toFixed(1)} KiB`;
}
