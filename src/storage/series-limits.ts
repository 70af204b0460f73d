/**
 * @module Cardinality limits: how many active series the store may hold in all, per metric name
 * and per service_name, so a label explosion in one sender is refused at its door instead of
 * filling memory. A store asks `admit()` before it creates a series and calls `release()` when a
 * series leaves it; a refused sample is a StorageError('series_limit'), which receivers report to
 * the sender as partial success (OTLP) or a 400 (remote write), as Mimir does with its limits.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { labelValue, type Labels } from '../model/labels.ts';
import { StorageError } from './interface.ts';

/** Limits on active series; 0 switches a limit off. */
export interface SeriesLimits {
  readonly maxSeries: number;
  readonly maxSeriesPerMetric: number;
  readonly maxSeriesPerService: number;
}

/** Which limit refused a series (the `limit` label of the self-metric). */
export type SeriesLimitKind = 'global' | 'per_metric' | 'per_service';

/** A refusal is logged at most this often per limit and key, so an explosion does not flood the log. */
const LOG_EVERY_MS = 60_000;

/** What a store calls around the life of its series (SeriesLimiter implements it). */
export interface SeriesAdmission {
  /** Before creating a series; throws StorageError('series_limit') to refuse it. */
  admit(labels: Labels): void;
  /** When a series admitted or counted earlier leaves the store. */
  release(labels: Labels): void;
  /** For a series the store already had (WAL replay): counted, never refused. */
  count(labels: Labels): void;
}

/** Counts active series and refuses new ones past a limit. */
export class SeriesLimiter implements SeriesAdmission {
  readonly #limits: SeriesLimits;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #perMetric = new Map<string, number>();
  readonly #perService = new Map<string, number>();
  readonly #lastLogged = new Map<string, number>();
  readonly #rejected: Counter<'limit'> | null;
  #total = 0;

  constructor(limits: SeriesLimits, options: { logger: Logger; registry?: Registry; now?: () => number }) {
    this.#limits = limits;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    const registers = options.registry ? [options.registry] : [];
    this.#rejected = options.registry
      ? new Counter({ name: 'pharos_tsdb_series_limit_rejected_samples_total', help: 'Samples refused because their new series would exceed a cardinality limit.', labelNames: ['limit'], registers })
      : null;
    if (options.registry) {
      const limiter = this;
      new Gauge({ name: 'pharos_tsdb_series_limit', help: 'The configured limits on active series (0: off).', labelNames: ['limit'], registers, collect() {
        this.set({ limit: 'global' }, limits.maxSeries);
        this.set({ limit: 'per_metric' }, limits.maxSeriesPerMetric);
        this.set({ limit: 'per_service' }, limits.maxSeriesPerService);
      } });
      new Gauge({ name: 'pharos_tsdb_limited_active_series', help: 'Active series counted against the global limit.', registers, collect() {
        this.set(limiter.activeSeries);
      } });
    }
  }

  /** Series counted now. */
  get activeSeries(): number {
    return this.#total;
  }

  /** Series of one metric name counted now. */
  seriesOfMetric(name: string): number {
    return this.#perMetric.get(name) ?? 0;
  }

  /**
   * Counts a new series, or throws StorageError('series_limit') naming the limit it would break;
   * nothing is counted then. Call once per series the store creates (not for series it already has).
   */
  admit(labels: Labels): void {
    const metric = labelValue(labels, '__name__');
    const service = labelValue(labels, 'service_name');
    const l = this.#limits;
    if (l.maxSeries > 0 && this.#total >= l.maxSeries) {
      this.#refuse('global', '', `the store holds ${this.#total} active series, its limit (storage.max_series)`);
    }
    const ofMetric = this.#perMetric.get(metric) ?? 0;
    if (l.maxSeriesPerMetric > 0 && ofMetric >= l.maxSeriesPerMetric) {
      this.#refuse('per_metric', metric, `metric ${JSON.stringify(metric)} has ${ofMetric} active series, its limit (storage.max_series_per_metric)`);
    }
    const ofService = service === '' ? 0 : (this.#perService.get(service) ?? 0);
    if (service !== '' && l.maxSeriesPerService > 0 && ofService >= l.maxSeriesPerService) {
      this.#refuse('per_service', service, `service_name ${JSON.stringify(service)} has ${ofService} active series, its limit (storage.max_series_per_service)`);
    }
    this.#total++;
    this.#perMetric.set(metric, ofMetric + 1);
    if (service !== '') this.#perService.set(service, ofService + 1);
  }

  /** Forgets a series the store no longer holds (admitted earlier, or replayed with `count`). */
  release(labels: Labels): void {
    this.#total--;
    decrement(this.#perMetric, labelValue(labels, '__name__'));
    const service = labelValue(labels, 'service_name');
    if (service !== '') decrement(this.#perService, service);
  }

  /** Counts a series the store already had (WAL replay, blocks), without checking limits: what was stored stays readable. */
  count(labels: Labels): void {
    this.#total++;
    const metric = labelValue(labels, '__name__');
    this.#perMetric.set(metric, (this.#perMetric.get(metric) ?? 0) + 1);
    const service = labelValue(labels, 'service_name');
    if (service !== '') this.#perService.set(service, (this.#perService.get(service) ?? 0) + 1);
  }

  #refuse(kind: SeriesLimitKind, key: string, why: string): never {
    this.#rejected?.inc({ limit: kind });
    const now = this.#now();
    const logKey = `${kind}\u0000${key}`;
    if (now - (this.#lastLogged.get(logKey) ?? -Infinity) >= LOG_EVERY_MS) {
      this.#lastLogged.set(logKey, now);
      this.#log.warn('new series refused: cardinality limit reached', { limit: kind, ...(key === '' ? {} : { key }) });
    }
    throw new StorageError('series_limit', `new series refused: ${why}`);
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
