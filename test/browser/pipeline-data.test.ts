/** The Pipeline page's receiver and remote-write tables (web/src/pipeline-data.ts) from /metrics samples. */
import { describe, expect, it } from 'vitest';
import type { SelfSample } from '../../web/src/api.ts';
import { ago, breakdown, formatBytes, receivers, remoteQueues } from '../../web/src/pipeline-data.ts';

const s = (name: string, labels: Record<string, string>, value: number): SelfSample => ({ name, labels, value });

describe('receivers', () => {
  it('adds up requests, failures by code, points and rejections by reason per receiver and protocol', () => {
    const rows = receivers([
      s('pharos_receiver_requests_total', { receiver: 'otlp', protocol: 'grpc', signal: 'metrics', code: 'OK' }, 5),
      s('pharos_receiver_requests_total', { receiver: 'otlp', protocol: 'grpc', signal: 'metrics', code: 'INVALID_ARGUMENT' }, 1),
      s('pharos_receiver_points_received_total', { receiver: 'otlp', protocol: 'grpc' }, 100),
      s('pharos_receiver_points_rejected_total', { receiver: 'otlp', protocol: 'grpc', reason: 'out_of_order' }, 3),
      s('pharos_receiver_points_rejected_total', { receiver: 'otlp', protocol: 'grpc', reason: 'too_old' }, 0),
      s('pharos_remote_write_requests_total', { code: '204' }, 2),
      s('pharos_remote_write_requests_total', { code: '400' }, 1),
      s('pharos_remote_write_samples_received_total', {}, 40),
      s('process_cpu_seconds_total', {}, 1),
    ]);
    expect(rows.map((r) => [r.receiver, r.protocol, r.requests, r.failed, breakdown(r.failedByCode), r.points, r.rejected, breakdown(r.rejectedByReason)])).toEqual([
      ['otlp', 'grpc', 6, 1, 'INVALID_ARGUMENT: 1', 100, 3, 'out_of_order: 3'],
      ['remote write', 'http/protobuf (snappy)', 3, 1, '400: 1', 40, 0, 'none'],
    ]);
  });
});

describe('remoteQueues', () => {
  it('gives one row per destination with sent, pending, drops by reason and lag figures', () => {
    const l = { remote_name: 'prom', url: 'http://127.0.0.1:9/api/v1/write' };
    const [q, ...rest] = remoteQueues([
      s('pharos_remote_storage_samples_total', l, 900),
      s('pharos_remote_storage_samples_pending', l, 12),
      s('pharos_remote_storage_samples_dropped_total', { ...l, reason: 'buffer_full' }, 7),
      s('pharos_remote_storage_samples_dropped_total', { ...l, reason: 'too_old' }, 0),
      s('pharos_remote_storage_buffer_bytes', l, 2048),
      s('pharos_remote_storage_highest_timestamp_in_seconds', l, 1000),
      s('pharos_remote_storage_queue_highest_sent_timestamp_seconds', l, 990),
    ]);
    expect(rest).toEqual([]);
    expect(q).toMatchObject({ remoteName: 'prom', sent: 900, pending: 12, dropped: 7, bufferBytes: 2048, highestAppended: 1000, highestSent: 990 });
    expect(breakdown(q.droppedByReason)).toBe('buffer_full: 7');
  });

  it('is empty without remote_write', () => expect(remoteQueues([s('pharos_receiver_requests_total', {}, 1)])).toEqual([]));
});

describe('formatting', () => {
  it.each([
    [5, '5 s ago'],
    [600, '10 min ago'],
    [7200, '2.0 h ago'],
  ])('ago(%d) = %s', (sec, text) => expect(ago(sec)).toBe(text));
  it.each([
    [2048, '2.0 KiB'],
    [3 * 1024 * 1024, '3.0 MiB'],
    [undefined, 'not reported'],
  ])('formatBytes(%s) = %s', (b, text) => expect(formatBytes(b)).toBe(text));
});
