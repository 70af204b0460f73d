/**
 * @module OTLP metrics → Prometheus series, per spec/otlp-to-prometheus.md: names (§2), data points
 * (§3), resource and scope labels (§4.5 assembly order, Prometheus precedence), target_info,
 * delta → cumulative (§5), staleness. Exponential histograms have no native-histogram storage yet,
 * so they are converted to classic `_bucket` series (downscaled to `exponentialHistogramMaxScale`),
 * never dropped silently.
 */
import type { Label, Labels } from '../../model/labels.ts';
import { METRIC_NAME, labelsKey } from '../../model/labels.ts';
import { STALE_NAN } from '../../model/value.ts';
import type { Appendable, Appender, MetricType } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import { DeltaState, type DeltaTotal } from './delta-state.ts';
import { formatFloat } from './format-float.ts';
import { InvalidLabelNameError, prometheusLabelName, type LabelNameOptions } from './label-name.ts';
import { InvalidMetricNameError, metadataUnit, prometheusMetricName, type NameKind, type TranslationStrategy } from './metric-name.ts';
import type { OtlpTranslation, OtlpTranslatorApi } from './translation.ts';
import { FLAG_NO_RECORDED_VALUE, MetricKind, Temporality, type Attributes, type ExponentialHistogramPoint, type HistogramPoint, type MetricDescriptor, type SummaryPoint } from './visitor.ts';

/** How OTLP is translated; every field has a default in DEFAULT_OTLP_TRANSLATOR_OPTIONS. */
export interface OtlpTranslatorOptions {
  translationStrategy: TranslationStrategy;
  /** Prefix for every metric name ('' = none). */
  namespace: string;
  /** Resource attributes copied onto every series: 'all' (Alloy's resource_to_telemetry_conversion), 'none', or a list. */
  resourceAttributes: 'all' | 'none' | string[];
  /** Resource attributes never copied onto series. */
  ignoreResourceAttributes: string[];
  /** Also put service.name/namespace/instance.id on target_info. */
  keepIdentifyingResourceAttributes: boolean;
  /** 'spec': otel_scope_name/version/schema_url/attributes; 'name_version': Alloy's; 'none'. */
  scopeLabels: 'spec' | 'name_version' | 'none';
  labelNameUnderscoreSanitization: boolean;
  labelNamePreserveMultipleUnderscores: boolean;
  targetInfo: boolean;
  /** 'convert' accumulates deltas to cumulative totals; 'reject' reports them in partial_success. */
  delta: 'convert' | 'reject';
  /** Delta streams idle this long are forgotten (the next point starts from 0). */
  deltaMaxStaleMs: number;
  /** Most delta streams tracked at once; points of new streams beyond it are rejected. */
  deltaMaxStreams: number;
  /** Write a 0 at a new cumulative stream's start time so its first increment is visible to rate(). */
  startTimeZeroInjection: boolean;
  /** Mark a resource's series stale after this many missed export intervals (0 = never). */
  staleAfterMissedExports: number;
  /**
   * Finest scale kept when converting exponential histograms to classic buckets. Scale 2 gives
   * bucket bounds 2^(1/4) ≈ 19 % apart: quantile errors under 10 %, with about 13 buckets per
   * decade instead of the 53 of scale 4 — one series each.
   */
  exponentialHistogramMaxScale: number;
  /** Longest label value accepted; longer points are rejected (reason label_value_too_long). */
  maxLabelValueLength: number;
}

/** The defaults: Prometheus 3 naming, Alloy's resource_to_telemetry_conversion on, deltas converted. */
export const DEFAULT_OTLP_TRANSLATOR_OPTIONS: OtlpTranslatorOptions = {
  translationStrategy: 'UnderscoreEscapingWithSuffixes',
  namespace: '',
  resourceAttributes: 'all',
  ignoreResourceAttributes: [],
  keepIdentifyingResourceAttributes: false,
  scopeLabels: 'spec',
  labelNameUnderscoreSanitization: true,
  labelNamePreserveMultipleUnderscores: true,
  targetInfo: true,
  delta: 'convert',
  deltaMaxStaleMs: 5 * 60_000,
  deltaMaxStreams: 100_000,
  startTimeZeroInjection: true,
  staleAfterMissedExports: 3,
  exponentialHistogramMaxScale: 2,
  maxLabelValueLength: 16 * 1024,
};

const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);
const SEEN_STREAMS_MAX = 1_000_000;
const SERIES_CACHE_MAX = 1_000_000;
/** Until a resource has pushed twice its interval is unknown; assume the SDK default of 60 s. */
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

interface ResourceLiveness {
  series: Map<string, Labels>;
  lastPushMs: number;
  intervalMs: number;
}

/** One process-wide translator: holds delta totals, seen streams and resource liveness. */
export class OtlpTranslator implements OtlpTranslatorApi {
  readonly options: OtlpTranslatorOptions;
  readonly labelNameOptions: LabelNameOptions;
  readonly delta: DeltaState;
  readonly seenStreams = new Set<string>();
  readonly resources = new Map<string, ResourceLiveness>();
  /** Point signature → the series it produced last time, in emission order (labels are costly to build). */
  readonly pointCache = new Map<string, CachedPoint>();
  readonly #contextIds = new Map<string, string>();
  #nextContextId = 1;
  readonly #labelNames = new Map<string, string | Error>();

  constructor(options: Partial<OtlpTranslatorOptions> = {}, delta: DeltaState = new DeltaState()) {
    this.options = { ...DEFAULT_OTLP_TRANSLATOR_OPTIONS, ...options };
    const utf8 = this.options.translationStrategy === 'NoUTF8EscapingWithSuffixes' || this.options.translationStrategy === 'NoTranslation';
    this.labelNameOptions = { utf8, underscoreSanitization: this.options.labelNameUnderscoreSanitization, preserveMultipleUnderscores: this.options.labelNamePreserveMultipleUnderscores };
    this.delta = delta;
  }

  /** A translator whose delta totals live in `<dataDir>/otlp-delta/`. */
  static async open(options: Partial<OtlpTranslatorOptions>, dataDir: string): Promise<OtlpTranslator> {
    return new OtlpTranslator(options, DeltaState.open(dataDir));
  }

  begin(appender: Appender): OtlpTranslation {
    return new RequestTranslation(this, appender);
  }

  /** @internal Remembers the series of a point; bounded so a label explosion cannot grow it forever. */
  cachePoint(signature: string, point: CachedPoint): void {
    if (this.pointCache.size >= SERIES_CACHE_MAX) this.pointCache.clear();
    this.pointCache.set(signature, point);
  }

  /** @internal A short id for a (resource, scope) context. */
  contextId(context: string): string {
    let id = this.#contextIds.get(context);
    if (id === undefined) {
      if (this.#contextIds.size >= SERIES_CACHE_MAX) this.#contextIds.clear();
      id = (this.#nextContextId++).toString(36); // never reused, so old cache entries cannot match
      this.#contextIds.set(context, id);
    }
    return id;
  }

  /** @internal Attribute key → label name, memoised (the escaping walks every character). */
  labelName(key: string): string {
    let name = this.#labelNames.get(key);
    if (name === undefined) {
      try {
        name = prometheusLabelName(key, this.labelNameOptions);
      } catch (err) {
        if (!(err instanceof InvalidLabelNameError)) throw err;
        name = err;
      }
      if (this.#labelNames.size < SERIES_CACHE_MAX) this.#labelNames.set(key, name);
    }
    if (name instanceof Error) throw name;
    return name;
  }

  /** @internal A stream was seen (for zero injection); true the first time. */
  firstSight(key: string): boolean {
    if (this.seenStreams.has(key)) return false;
    if (this.seenStreams.size >= SEEN_STREAMS_MAX) this.seenStreams.clear();
    this.seenStreams.add(key);
    return true;
  }

  /** @internal Records a committed push of a resource and the series it wrote. */
  recordPush(resourceKey: string, series: Map<string, Labels>, nowMs: number): void {
    let r = this.resources.get(resourceKey);
    if (!r) {
      this.resources.set(resourceKey, (r = { series: new Map(), lastPushMs: nowMs, intervalMs: 0 }));
    } else {
      const gap = nowMs - r.lastPushMs;
      // Several pushes within a second are one export split into requests, not a new interval.
      if (gap >= 1000) r.intervalMs = gap;
      r.lastPushMs = nowMs;
    }
    for (const [k, l] of series) r.series.set(k, l);
  }

  /**
   * Writes staleness markers at `nowMs` for every series of each resource that has missed
   * `staleAfterMissedExports` export intervals, then forgets it. Returns the markers written.
   */
  async sweepStale(appendable: Appendable, nowMs: number): Promise<number> {
    this.delta.expire(nowMs - this.options.deltaMaxStaleMs);
    const n = this.options.staleAfterMissedExports;
    if (n <= 0) return 0;
    let markers = 0;
    const app = appendable.appender();
    for (const [key, r] of this.resources) {
      const interval = r.intervalMs || DEFAULT_EXPORT_INTERVAL_MS;
      if (nowMs - r.lastPushMs <= n * interval) continue;
      for (const labels of r.series.values()) {
        try {
          app.append(0, labels, nowMs, STALE_NAN);
          markers++;
        } catch (err) {
          if (!(err instanceof StorageError)) throw err; // a later sample already ended it
        }
      }
      this.resources.delete(key);
      for (const k of r.series.keys()) this.seenStreams.delete(k);
    }
    await app.commit();
    return markers;
  }
}

type LabelPairs = Array<[string, string]>;

/** Emits one sample: series name, an optional extra label (le/quantile) and the value. */
type Emit = (name: string, extraName: string, extraValue: string, v: number) => void;

/** A series the translator has produced before: its canonical labels, key and the store's ref. */
interface CachedSeries {
  readonly labels: Labels;
  readonly key: string;
  ref: number;
}

/** The series one point signature produced: names[i] with le/quantile extras[i] → entries[i]. */
interface CachedPoint {
  readonly names: string[];
  readonly extras: string[];
  readonly entries: CachedSeries[];
}

class PointRejected extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

class RequestTranslation implements OtlpTranslation {
  acceptedPoints = 0;
  rejectedPoints = 0;
  readonly rejectedByReason = new Map<string, number>();
  message = '';

  readonly #t: OtlpTranslator;
  readonly #app: Appender;
  readonly #o: OtlpTranslatorOptions;
  readonly #deltaChanges = new Map<string, DeltaTotal>();
  readonly #pushes = new Map<string, Map<string, Labels>>();

  // Per resource
  #resourceKey = '';
  #job = '';
  #instance = '';
  #promoted: LabelPairs = [];
  #targetInfo: LabelPairs | null = null;
  #minT = Infinity;
  #maxT = -Infinity;
  #resourceSeries = new Map<string, Labels>();
  // Per scope
  #scope: LabelPairs = [];
  /** A small id for (resource, scope): the prefix of every point signature. */
  #contextId = '';
  // Per metric
  #family = '';
  #nameError = '';
  #metric: MetricDescriptor | null = null;
  #isDelta = false;

  constructor(translator: OtlpTranslator, appender: Appender) {
    this.#t = translator;
    this.#app = appender;
    this.#o = translator.options;
  }

  beginResource(attributes: Attributes, _schemaUrl: string): void {
    const attrs = new Map<string, string>();
    for (let i = 0; i < attributes.count; i++) attrs.set(attributes.keys[i], attributes.values[i]);
    const name = attrs.get('service.name') ?? '';
    const ns = attrs.get('service.namespace') ?? '';
    this.#job = name ? (ns ? `${ns}/${name}` : name) : '';
    this.#instance = attrs.get('service.instance.id') ?? '';
    const ignore = new Set(this.#o.ignoreResourceAttributes);
    const promote = this.#o.resourceAttributes;
    const promotedAttrs = new Map<string, string>();
    const infoAttrs = new Map<string, string>();
    for (const [k, v] of attrs) {
      if (promote === 'all' ? !ignore.has(k) : promote !== 'none' && promote.includes(k) && !ignore.has(k)) promotedAttrs.set(k, v);
      if (!IDENTIFYING.has(k) || this.#o.keepIdentifyingResourceAttributes) infoAttrs.set(k, v);
    }
    this.#promoted = this.#escapeAttributes(promotedAttrs);
    const hasNonIdentifying = [...attrs.keys()].some((k) => !IDENTIFYING.has(k));
    this.#targetInfo = this.#o.targetInfo && hasNonIdentifying && (this.#job || this.#instance) ? this.#escapeAttributes(infoAttrs) : null;
    this.#resourceKey = JSON.stringify([...attrs].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    this.#minT = Infinity;
    this.#maxT = -Infinity;
    this.#resourceSeries = new Map();
  }

  endResource(): void {
    if (this.#targetInfo && this.#minT <= this.#maxT) {
      const pairs: LabelPairs = [...this.#targetInfo];
      setPair(pairs, 'job', this.#job);
      setPair(pairs, 'instance', this.#instance);
      setPair(pairs, METRIC_NAME, this.#o.namespace ? prometheusMetricName('target_info', '', 'gauge', this.#o.translationStrategy, this.#o.namespace) : 'target_info');
      const labels = canonical(pairs);
      this.#app.updateMetadata(labels.find((l) => l.name === METRIC_NAME)!.value, { type: 'gauge', unit: '', help: 'Target metadata' });
      for (const t of this.#minT === this.#maxT ? [this.#maxT] : [this.#minT, this.#maxT]) {
        try { this.#app.append(0, labels, t, 1); } catch (err) { if (!(err instanceof StorageError)) throw err; }
      }
      this.#resourceSeries.set(labelsKey(labels), labels);
    }
    const existing = this.#pushes.get(this.#resourceKey);
    if (existing) for (const [k, l] of this.#resourceSeries) existing.set(k, l);
    else this.#pushes.set(this.#resourceKey, this.#resourceSeries);
  }

  beginScope(name: string, version: string, attributes: Attributes, schemaUrl: string): void {
    const mode = this.#o.scopeLabels;
    const pairs: LabelPairs = [];
    if (mode !== 'none' && name !== '') {
      if (mode === 'spec') {
        const attrs = new Map<string, string>();
        for (let i = 0; i < attributes.count; i++) {
          const k = attributes.keys[i];
          if (k !== 'name' && k !== 'version' && k !== 'schema_url') attrs.set('otel_scope_' + k, attributes.values[i]);
        }
        pairs.push(...this.#escapeAttributes(attrs));
      }
      pairs.push(['otel_scope_name', name]);
      if (version) pairs.push(['otel_scope_version', version]);
      if (mode === 'spec' && schemaUrl) pairs.push(['otel_scope_schema_url', schemaUrl]);
    }
    this.#scope = pairs;
    this.#contextId = this.#t.contextId(this.#resourceKey + '\xfc' + JSON.stringify(pairs));
  }

  beginMetric(metric: MetricDescriptor): void {
    this.#metric = metric;
    this.#nameError = '';
    this.#isDelta = metric.temporality === Temporality.Delta;
    const kind: NameKind = metric.kind === MetricKind.Gauge ? 'gauge'
      : metric.kind === MetricKind.Sum ? (metric.monotonic ? 'counter' : 'updown')
      : metric.kind === MetricKind.Histogram ? 'histogram' : metric.kind === MetricKind.ExponentialHistogram ? 'exphistogram' : 'summary';
    try {
      this.#family = prometheusMetricName(metric.name, metric.unit, kind, this.#o.translationStrategy, this.#o.namespace);
    } catch (err) {
      if (!(err instanceof InvalidMetricNameError)) throw err;
      this.#nameError = err.message;
      return;
    }
    const type: MetricType = kind === 'counter' ? 'counter' : kind === 'gauge' || kind === 'updown' ? 'gauge' : kind === 'summary' ? 'summary' : 'histogram';
    this.#app.updateMetadata(this.#family, { type, unit: metadataUnit(metric.unit), help: metric.description });
  }

  numberPoint(attributes: Attributes, startTimeMs: number, timeMs: number, value: number, flags: number): void {
    this.#point(attributes, startTimeMs, timeMs, flags, (emit) => emit(this.#family, '', '', value));
  }

  histogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, p: HistogramPoint): void {
    this.#point(attributes, startTimeMs, timeMs, p.flags, (emit) => {
      for (let i = 1; i < p.boundCount; i++) if (!(p.bounds[i] > p.bounds[i - 1])) throw new PointRejected('unsorted_bounds', `histogram ${this.#metric!.name}: explicit bounds are not strictly increasing`);
      const n = Math.min(p.boundCount, p.countCount);
      let cumulative = 0;
      for (let i = 0; i < n; i++) {
        cumulative += p.counts[i];
        emit(this.#family + '_bucket', 'le', formatFloat(p.bounds[i]), cumulative);
      }
      emit(this.#family + '_bucket', 'le', '+Inf', p.count);
      emit(this.#family + '_count', '', '', p.count);
      if (p.hasSum) emit(this.#family + '_sum', '', '', p.sum);
    });
  }

  exponentialHistogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, p: ExponentialHistogramPoint): void {
    this.#point(attributes, startTimeMs, timeMs, p.flags, (emit) => {
      if (p.scale < -4) throw new PointRejected('invalid_scale', `exponential histogram ${this.#metric!.name}: scale ${p.scale} is below -4`);
      const scale = Math.min(p.scale, this.#o.exponentialHistogramMaxScale);
      const shift = p.scale - scale;
      const base2 = Math.pow(2, Math.pow(2, -scale));
      // Downscaling merges 2^shift neighbours: OTel index k becomes k >> shift (floor).
      const merge = (side: { offset: number; counts: Float64Array; countCount: number }) => {
        const m = new Map<number, number>();
        for (let i = 0; i < side.countCount; i++) if (side.counts[i] > 0) { const k = Math.floor((side.offset + i) / 2 ** shift); m.set(k, (m.get(k) ?? 0) + side.counts[i]); }
        return [...m].sort((a, b) => a[0] - b[0]);
      };
      let cumulative = 0;
      // Negative buckets k cover [-base^(k+1), -base^k): ascending bounds means descending k.
      for (const [k, c] of merge(p.negative).reverse()) {
        cumulative += c;
        emit(this.#family + '_bucket', 'le', formatFloat(-Math.pow(base2, k)), cumulative);
      }
      cumulative += p.zeroCount;
      if (p.zeroCount > 0 || p.negative.countCount > 0) emit(this.#family + '_bucket', 'le', formatFloat(p.zeroThreshold), cumulative);
      for (const [k, c] of merge(p.positive)) {
        cumulative += c;
        emit(this.#family + '_bucket', 'le', formatFloat(Math.pow(base2, k + 1)), cumulative);
      }
      emit(this.#family + '_bucket', 'le', '+Inf', p.count);
      emit(this.#family + '_count', '', '', p.count);
      emit(this.#family + '_sum', '', '', p.hasSum ? p.sum : 0);
    });
  }

  summaryPoint(attributes: Attributes, startTimeMs: number, timeMs: number, p: SummaryPoint): void {
    this.#point(attributes, startTimeMs, timeMs, p.flags, (emit) => {
      for (let i = 0; i < p.quantileCount; i++) emit(this.#family, 'quantile', formatFloat(p.quantiles[i]), p.values[i]);
      emit(this.#family + '_sum', '', '', p.sum);
      emit(this.#family + '_count', '', '', p.count);
    });
  }

  invalidPoint(reason: string): void {
    this.#reject(reason, `metric ${JSON.stringify(this.#metric?.name ?? '')}: data point has no value`);
  }

  /** Shared per-point path: validation, labels (cached per series), delta conversion, zero injection, append. */
  #point(attributes: Attributes, st: number, t: number, flags: number, produce: (emit: Emit) => void): void {
    const m = this.#metric!;
    if (this.#nameError) return this.#reject('invalid_metric_name', this.#nameError);
    if (m.kind !== MetricKind.Gauge && m.kind !== MetricKind.Summary && m.temporality === Temporality.Unspecified)
      return this.#reject('invalid_temporality', `metric ${JSON.stringify(m.name)}: aggregation temporality is unspecified`);
    if (this.#isDelta && this.#o.delta === 'reject') return this.#reject('delta_rejected', `metric ${JSON.stringify(m.name)}: delta temporality is not accepted (otlp.delta = reject)`);
    if (t <= 0) return this.#reject('missing_timestamp', `metric ${JSON.stringify(m.name)}: data point has no timestamp`);
    // Everything that decides a series' labels, as one short string: resource, scope, point attributes.
    let signature = this.#contextId;
    // Length prefixes keep it unambiguous whatever characters the attributes hold.
    for (let i = 0; i < attributes.count; i++) signature += `|${attributes.keys[i].length}:${attributes.keys[i]}${attributes.values[i].length}:${attributes.values[i]}`;
    signature += `|${this.#family}`;
    let base: LabelPairs | null = null;
    const stale = (flags & FLAG_NO_RECORDED_VALUE) !== 0;
    const cumulativeStream = !stale && (m.kind === MetricKind.Histogram || m.kind === MetricKind.ExponentialHistogram || m.kind === MetricKind.Summary || (m.kind === MetricKind.Sum && m.monotonic));
    // The series a point writes are the same from one export to the next: reuse them while the
    // emitted (name, le/quantile) sequence matches, and rebuild labels only where it does not.
    const cached = this.#t.pointCache.get(signature);
    let matches = cached !== undefined;
    const out: Array<{ entry: CachedSeries; v: number }> = [];
    const names: string[] = [];
    const extras: string[] = [];
    try {
      produce((name, extraName, extraValue, v) => {
        const i = names.length;
        let entry: CachedSeries;
        if (matches && i < cached!.names.length && cached!.names[i] === name && cached!.extras[i] === extraValue) {
          entry = cached!.entries[i];
        } else {
          matches = false;
          base ??= this.#baseLabels(attributes);
          const pairs = extraName ? withPair(base, extraName, extraValue) : base.slice();
          setPair(pairs, METRIC_NAME, name);
          const labels = canonical(pairs);
          entry = { labels, key: labelsKey(labels), ref: 0 };
        }
        names.push(name);
        extras.push(extraValue);
        out.push({ entry, v: stale ? STALE_NAN : v });
      });
    } catch (err) {
      if (err instanceof PointRejected) return this.#reject(err.reason, err.message);
      throw err;
    }
    if (!matches || names.length !== cached!.names.length) this.#t.cachePoint(signature, { names, extras, entries: out.map((o) => o.entry) });
    if (this.#isDelta && !stale) {
      const first = out[0] && this.#deltaTotal(out[0].entry.key);
      if (first && t <= first.lastT) return this.#reject('delta_out_of_order', `metric ${JSON.stringify(m.name)}: delta point at ${t} is not after the stream's last point at ${first.lastT}`);
      if (!first && this.#t.delta.totals.size + this.#deltaChanges.size >= this.#o.deltaMaxStreams) return this.#reject('delta_stream_limit', `metric ${JSON.stringify(m.name)}: too many delta streams (limit ${this.#o.deltaMaxStreams})`);
    }
    // Zero at the start time of a new stream: rate() then sees its first increment.
    const injectZero = this.#o.startTimeZeroInjection && (cumulativeStream || (this.#isDelta && !stale)) && st > 0 && st < t && out.length > 0 && this.#t.firstSight(out[0].entry.key) && (!this.#isDelta || !this.#deltaTotal(out[0].entry.key));
    if (injectZero) {
      for (const { entry } of out) {
        try { entry.ref = this.#app.append(entry.ref, entry.labels, st, 0); } catch (err) { if (!(err instanceof StorageError)) throw err; }
      }
    }
    let firstError: StorageError | null = null;
    for (const { entry, v: value } of out) {
      let v = value;
      if (this.#isDelta && !stale) {
        const prev = this.#deltaTotal(entry.key);
        v = (prev?.total ?? 0) + value;
        this.#deltaChanges.set(entry.key, { total: v, lastT: t, startT: prev?.startT ?? st });
      }
      try {
        entry.ref = this.#app.append(entry.ref, entry.labels, t, v);
        this.#resourceSeries.set(entry.key, entry.labels);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        firstError ??= err;
      }
    }
    if (firstError) return this.#reject(firstError.code, `metric ${JSON.stringify(m.name)}: ${firstError.message}`);
    if (t < this.#minT) this.#minT = t;
    if (t > this.#maxT) this.#maxT = t;
    this.acceptedPoints++;
  }

  #deltaTotal(key: string): DeltaTotal | undefined {
    return this.#deltaChanges.get(key) ?? this.#t.delta.totals.get(key);
  }

  /** §4.5: point attributes (sorted by key, collisions joined with ';'), promoted resource labels where unset, job/instance, scope labels. */
  #baseLabels(attributes: Attributes): LabelPairs {
    const attrs = new Map<string, string>();
    for (let i = 0; i < attributes.count; i++) if (attributes.keys[i] !== METRIC_NAME) attrs.set(attributes.keys[i], attributes.values[i]);
    const pairs = this.#escapeAttributes(attrs);
    for (const [k, v] of this.#promoted) if (!pairs.some((p) => p[0] === k)) pairs.push([k, v]);
    if (this.#job) setPair(pairs, 'job', this.#job);
    if (this.#instance) setPair(pairs, 'instance', this.#instance);
    for (const [k, v] of this.#scope) setPair(pairs, k, v);
    for (const [k, v] of pairs) if (v.length > this.#o.maxLabelValueLength) throw new PointRejected('label_value_too_long', `label value of ${k} is ${v.length} characters long, more than the limit of ${this.#o.maxLabelValueLength}`);
    return pairs;
  }

  /** Escapes attribute keys to label names; keys mapping to one name are joined with ';' in key order. */
  #escapeAttributes(attrs: Map<string, string>): LabelPairs {
    const keys = [...attrs.keys()].sort();
    const out: LabelPairs = [];
    for (const k of keys) {
      let name: string;
      try {
        name = this.#t.labelName(k);
      } catch (err) {
        if (!(err instanceof InvalidLabelNameError)) throw err;
        if (!this.message) this.message = `attribute ${JSON.stringify(k)} dropped: ${err.message}`;
        continue;
      }
      const v = attrs.get(k)!;
      if (v === '') continue;
      const existing = out.find((p) => p[0] === name);
      if (existing) existing[1] += ';' + v;
      else out.push([name, v]);
    }
    return out;
  }

  #reject(reason: string, message: string): void {
    this.rejectedPoints++;
    this.rejectedByReason.set(reason, (this.rejectedByReason.get(reason) ?? 0) + 1);
    if (!this.message) this.message = message;
  }

  async commit(): Promise<void> {
    this.#t.delta.commit(this.#deltaChanges);
    const now = Date.now();
    // Liveness is only needed to end silent resources; without that feature it would only grow.
    if (this.#o.staleAfterMissedExports > 0) for (const [key, series] of this.#pushes) if (series.size > 0) this.#t.recordPush(key, series, now);
  }

  abort(): void {
    this.#deltaChanges.clear();
  }
}

function setPair(pairs: LabelPairs, name: string, value: string): void {
  const i = pairs.findIndex((p) => p[0] === name);
  if (i >= 0) pairs[i] = [name, value];
  else pairs.push([name, value]);
}

function withPair(pairs: LabelPairs, name: string, value: string): LabelPairs {
  const out = pairs.slice();
  setPair(out, name, value);
  return out;
}

function canonical(pairs: LabelPairs): Labels {
  const out: Label[] = [];
  for (const [name, value] of pairs) if (value !== '') out.push({ name, value });
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}
