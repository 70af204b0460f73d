/** @module Pharos' own counters for the remote-write receiver, exposed on /metrics. */
import { Counter, type Registry } from 'prom-client';

/** Why a sample was not stored (a metric label). */
export type RemoteWriteRejectReason = 'out_of_order' | 'out_of_bounds' | 'too_old' | 'duplicate_sample' | 'series_limit' | 'invalid_labels' | 'histogram';

/** The receiver's self-metrics. One instance per process. */
export class RemoteWriteReceiverMetrics {
  readonly requests: Counter<'code'>;
  readonly samplesReceived: Counter;
  readonly samplesRejected: Counter<'reason'>;
  readonly exemplarsDiscarded: Counter;
  readonly requestBytes: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'pharos_remote_write_requests_total', help: 'Remote write requests handled, by HTTP response code.', labelNames: ['code'], registers });
    this.samplesReceived = new Counter({ name: 'pharos_remote_write_samples_received_total', help: 'Remote write samples received (stored or not) in well-formed requests.', registers });
    this.samplesRejected = new Counter({ name: 'pharos_remote_write_samples_rejected_total', help: 'Remote write samples not stored, by reason; the sender got a 400 naming the first.', labelNames: ['reason'], registers });
    this.exemplarsDiscarded = new Counter({ name: 'pharos_remote_write_exemplars_discarded_total', help: 'Remote write exemplars dropped: Pharos does not store exemplars.', registers });
    this.requestBytes = new Counter({ name: 'pharos_remote_write_request_bytes_total', help: 'Remote write request bytes after snappy decompression.', registers });
  }
}
