/**
 * @module The remote-write receiver core: decode one WriteRequest straight into an Appender,
 * commit, and say what happened. The HTTP edge (handler.ts) only maps the result to a status.
 */
import type { Labels } from '../../model/labels.ts';
import { decodeWriteRequest, WriteRequestDecodeError, type WireLabels, type WriteRequestVisitor } from '../../remote/write-request.ts';
import type { Appendable, Appender, MetricMetadata, SeriesRef } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import type { Logger } from '../../log.ts';
import { canonicalLabels, describe } from './labels.ts';
import type { RemoteWriteReceiverMetrics, RemoteWriteRejectReason } from './receiver-metrics.ts';

/** What the receiver core needs. */
export interface RemoteWriteIngestDeps {
  readonly appendable: Appendable;
  readonly logger: Logger;
  readonly metrics?: RemoteWriteReceiverMetrics;
  /** Seconds a sender should wait before retrying after a storage failure (default 5). */
  readonly retryAfterSeconds?: number;
}

/**
 * The outcome of one request, independent of transport:
 * - `ok`: everything stored (204).
 * - `rejected`: some samples could not be stored (out of order, invalid labels, …); the rest
 *   were committed. The sender must not retry (400), as with Prometheus' ErrOutOfOrderSample.
 * - `invalid`: the body is not a WriteRequest; nothing stored (400).
 * - `unavailable`: storage cannot take writes now; nothing stored, retry later (503).
 * - `internal`: an unexpected failure; nothing stored (500, which senders retry).
 */
export type RemoteWriteResult =
  | { readonly status: 'ok'; readonly accepted: number }
  | { readonly status: 'rejected'; readonly message: string; readonly accepted: number; readonly rejected: number }
  | { readonly status: 'invalid'; readonly message: string }
  | { readonly status: 'unavailable'; readonly message: string; readonly retryAfterSeconds: number }
  | { readonly status: 'internal'; readonly message: string };

const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Decodes one uncompressed WriteRequest into a fresh appender and commits it. Never throws. */
export async function ingestWriteRequest(body: Uint8Array, deps: RemoteWriteIngestDeps): Promise<RemoteWriteResult> {
  const retryAfterSeconds = deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  deps.metrics?.requestBytes.inc(body.length);
  let appender: Appender;
  try {
    appender = deps.appendable.appender();
  } catch (err) {
    return storageFailure(err, 'cannot open an appender', deps, retryAfterSeconds);
  }
  const sink = new AppendingVisitor(appender);
  try {
    decodeWriteRequest(body, sink);
  } catch (err) {
    appender.rollback();
    if (err instanceof WriteRequestDecodeError) return { status: 'invalid', message: `cannot decode remote write request (${body.length} bytes): ${err.message}` };
    return storageFailure(err, 'cannot append a remote write request', deps, retryAfterSeconds);
  }
  try {
    await appender.commit();
  } catch (err) {
    appender.rollback();
    return storageFailure(err, 'cannot commit a remote write request', deps, retryAfterSeconds);
  }

  const m = deps.metrics;
  if (m) {
    m.samplesReceived.inc(sink.accepted + sink.rejected);
    for (const [reason, n] of sink.rejectedBy) m.samplesRejected.inc({ reason }, n);
    if (sink.exemplars) m.exemplarsDiscarded.inc(sink.exemplars);
  }
  if (sink.rejected === 0) return { status: 'ok', accepted: sink.accepted };
  const counts = [...sink.rejectedBy].map(([reason, n]) => `${reason}=${n}`).join(' ');
  const message = `${sink.firstError}; ${sink.rejected} of ${sink.accepted + sink.rejected} samples rejected (${counts}), the others were stored`;
  deps.logger.warn('remote write: samples rejected', { rejected: sink.rejected, accepted: sink.accepted, reasons: counts, first: sink.firstError });
  return { status: 'rejected', message, accepted: sink.accepted, rejected: sink.rejected };
}

function storageFailure(err: unknown, what: string, deps: RemoteWriteIngestDeps, retryAfterSeconds: number): RemoteWriteResult {
  if (err instanceof StorageError && err.code === 'unavailable') {
    return { status: 'unavailable', message: `storage unavailable, retry later: ${err.message}`, retryAfterSeconds };
  }
  deps.logger.error(`remote write: ${what}`, { err: err as Error });
  return { status: 'internal', message: `${what}: ${(err as Error).message}` };
}

/**
 * Pushes each decoded sample into the appender. A sample the store refuses (out of order, out of
 * bounds, …) or a series with unusable labels is counted and skipped, keeping the first error;
 * the rest of the request still goes in. 'unavailable' and unexpected errors abort the request.
 */
class AppendingVisitor implements WriteRequestVisitor {
  accepted = 0;
  rejected = 0;
  exemplars = 0;
  firstError = '';
  readonly rejectedBy = new Map<RemoteWriteRejectReason, number>();
  #labels: Labels | null = null;
  #ref: SeriesRef = 0;
  #invalidReason = '';

  constructor(private readonly appender: Appender) {}

  series(wire: WireLabels): void {
    const labels = canonicalLabels(wire);
    this.#ref = 0;
    if (typeof labels === 'string') {
      // Its samples are counted as they come (a series without samples stores nothing anyway).
      this.#labels = null;
      this.#invalidReason = `invalid labels: ${labels}`;
      return;
    }
    this.#labels = labels;
  }

  sample(t: number, v: number): void {
    const labels = this.#labels;
    if (labels === null) { this.#reject('invalid_labels', this.#invalidReason); return; }
    try {
      this.#ref = this.appender.append(this.#ref, labels, t, v);
      this.accepted++;
    } catch (err) {
      if (!(err instanceof StorageError) || err.code === 'unavailable') throw err;
      this.#reject(err.code, `${err.message} (series ${describe(labels)}, timestamp ${t})`);
    }
  }

  skipped(kind: 'exemplar' | 'histogram', count: number): void {
    // Prometheus without exemplar storage drops exemplars silently; native histograms are samples
    // the sender expects stored, so they count as rejected.
    if (kind === 'exemplar') { this.exemplars += count; return; }
    this.#reject('histogram', this.#labels ? `native histograms are not supported (series ${describe(this.#labels)})` : this.#invalidReason, count);
  }

  metadata(family: string, metadata: MetricMetadata): void {
    if (family !== '') this.appender.updateMetadata(family, metadata);
  }

  #reject(reason: RemoteWriteRejectReason, message: string, count = 1): void {
    this.rejected += count;
    this.rejectedBy.set(reason, (this.rejectedBy.get(reason) ?? 0) + count);
    if (this.firstError === '') this.firstError = message;
  }
}
