/** @module Pharos' own counters for the OTLP receivers, exposed on /metrics. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** How a request arrived. */
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
/** Which OTLP signal a request carried. */
export type OtlpSignal = 'metrics' | 'traces' | 'logs';

/** The receivers' self-metrics. One instance per process, shared by every receiver. */
export class OtlpReceiverMetrics {
  readonly requests: Counter<'receiver' | 'protocol' | 'signal' | 'code'>;
  readonly pointsReceived: Counter<'receiver' | 'protocol'>;
  readonly pointsRejected: Counter<'receiver' | 'protocol' | 'reason'>;
  readonly requestBytes: Counter<'receiver' | 'protocol'>;
  readonly itemsDiscarded: Counter<'receiver' | 'protocol' | 'signal'>;
  readonly inflightBytes: Gauge;
  /** Wall-clock ms of the last accepted metrics request, by protocol (for the pipeline page). */
  readonly lastPushMs = new Map<OtlpProtocol, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'pharos_receiver_requests_total', help: 'Requests handled by the OTLP receivers, by protocol, signal and response code (HTTP status or gRPC code name).', labelNames: ['receiver', 'protocol', 'signal', 'code'], registers });
    this.pointsReceived = new Counter({ name: 'pharos_receiver_points_received_total', help: 'OTLP metric data points received (accepted or not).', labelNames: ['receiver', 'protocol'], registers });
    this.pointsRejected = new Counter({ name: 'pharos_receiver_points_rejected_total', help: 'OTLP metric data points rejected, by reason; the sender saw them in partial_success or an error status.', labelNames: ['receiver', 'protocol', 'reason'], registers });
    this.requestBytes = new Counter({ name: 'pharos_receiver_request_bytes_total', help: 'Request bytes received by the OTLP receivers, after decompression.', labelNames: ['receiver', 'protocol'], registers });
    this.itemsDiscarded = new Counter({ name: 'pharos_receiver_items_discarded_total', help: 'Spans and log records received but not stored (Pharos stores metrics only).', labelNames: ['receiver', 'protocol', 'signal'], registers });
    this.inflightBytes = new Gauge({ name: 'pharos_receiver_inflight_bytes', help: 'Request bytes being received or decoded right now.', registers });
  }
}
