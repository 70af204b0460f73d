/**
 * @module The translator's public contract: what a receiver drives for one OTLP request.
 * Flow: `t = translator.begin(appender)`; decoder calls t's visitor methods; then either
 * `await appender.commit(); await t.commit()` or `appender.rollback(); t.abort()`.
 */
import type { Appender } from '../../storage/interface.ts';
import type { OtlpMetricsVisitor } from './visitor.ts';

/** One request's translation: a visitor that appends, plus its outcome. */
export interface OtlpTranslation extends OtlpMetricsVisitor {
  /** OTLP data points accepted so far (one histogram or summary point counts 1). */
  readonly acceptedPoints: number;
  /** OTLP data points rejected so far, as reported in partial_success.rejected_data_points. */
  readonly rejectedPoints: number;
  /** Rejected points by reason; reasons are stable snake_case words used as metric label values. */
  readonly rejectedByReason: ReadonlyMap<string, number>;
  /** First rejection or warning message ('' when none), for partial_success.error_message. */
  readonly message: string;
  /** Call after the appender committed: makes this request's translator state durable (delta totals, liveness). */
  commit(): Promise<void>;
  /** Call after the appender rolled back: forgets this request's state changes. */
  abort(): void;
}

/** Starts translations; one instance per process holds the cross-request state. */
export interface OtlpTranslatorApi {
  begin(appender: Appender): OtlpTranslation;
}
