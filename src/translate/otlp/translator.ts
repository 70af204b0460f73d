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
/** Bound of every translator cache (points, string ids, contexts, label objects): a label explosion cannot grow them forever. */
const CACHE_MAX = 1_000_000;
/** Until a resource has pushed twice its interval is unknown; assume the SDK default of 60 s. */
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/** A resource's last push and the points it wrote, for staleness after missed exports. */
interface ResourceLiveness {
  readonly points: Set<CachedPoint>;
  /** Series written outside points (target_info), by key. */
  readonly extra: Map<string, Labels>;
  lastPushMs: number;
  intervalMs: number;
}

/** Point shapes: what decides the series one data point writes besides its identity. */
const Shape = { Number: 1, Histogram: 2, Summary: 3, Exponential: 4 } as const;

/**
 * The series one point shape writes, in value order: series i is named names[i] and adds extras[i]
 * (le or quantile; null if none). One object is shared by every point of a family with the same
 * buckets, so a histogram point does not keep its own 17 names and le labels.
 */
interface SeriesLayout {
  readonly shape: number;
  readonly names: readonly Label[];
  readonly extras: ReadonlyArray<Label | null>;
  /** Histogram: explicit bounds as received (all of them); Summary: quantiles. */
  readonly bounds: Float64Array;
  readonly hasSum: boolean;
  /** Exponential histograms: the emitted (name, le) sequence, joined. */
  readonly sequence: string;
}

const EMPTY_F64 = new Float64Array(0);
const NO_LAYOUT: SeriesLayout = { shape: 0, names: [], extras: [], bounds: EMPTY_F64, hasSum: false, sequence: '' };

/**
 * The series one data point identity (resource + scope + metric family + attributes) wrote last
 * time, in emission order, with the store's refs. Kept per point, not per series: a histogram
 * point's 17 series share one entry, and each series costs one ref. At a million series these
 * entries are most of the heap, so each holds only what is its own (identity, labels, refs).
 */
class CachedPoint {
  /** Identity: [context id, family id, then key and value id of each attribute]; checked on every hit. */
  readonly id: number[];
  readonly hash: number;
  /** Next entry with the same hash bucket. */
  next: CachedPoint | null = null;
  layout: SeriesLayout = NO_LAYOUT;
  /** Labels common to all its series (canonical); seriesLabels() adds each series' name and extra label. */
  base: Labels = [];
  /**
   * Series i's labels once made, kept only while the store needs them to append (it cannot be
   * written by ref alone: no Appender.appendRef); null until then.
   */
  labels: Array<Labels | undefined> | null = null;
  refs: number[] = [];
  /** labelsKey of each series, made only for delta streams (their totals are kept by key). */
  deltaKeys: string[] | null = null;

  constructor(id: number[], hash: number) {
    this.id = id;
    this.hash = hash;
  }
}

/** The canonical labels of series i of p: its base with its __name__ and extra label in place; kept in p when `keep`. */
function seriesLabels(p: CachedPoint, i: number, keep = false): Labels {
  const made = p.labels?.[i];
  if (made !== undefined) return made;
  const name = p.layout.names[i];
  const extra = p.layout.extras[i];
  // The two labels to insert, in name order; an extra label with an empty value removes its name.
  let x: Label | null = name;
  let y: Label | null = extra !== null && extra.value !== '' ? extra : null;
  if (y !== null && y.name < x.name) [x, y] = [y, x];
  const out: Label[] = [];
  for (const l of p.base) {
    if (l.name === name.name || (extra !== null && l.name === extra.name)) continue;
    while (x !== null && x.name < l.name) {
      out.push(x);
      x = y;
      y = null;
    }
    out.push(l);
  }
  for (; x !== null; x = y, y = null) out.push(x);
  if (keep) (p.labels ??= new Array<Labels | undefined>(p.refs.length).fill(undefined))[i] = out;
  return out;
}

/** Murmur3-style mixing of small ints into a uint32. */
function hashInts(ids: Int32Array, n: number): number {
  let h = 0x9747b28c ^ n;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(ids[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h ^ (h >>> 16)) >>> 0;
}

/** One process-wide translator: holds delta totals, the point cache and resource liveness. */
export class OtlpTranslator implements OtlpTranslatorApi {
  readonly options: OtlpTranslatorOptions;
  readonly labelNameOptions: LabelNameOptions;
  readonly delta: DeltaState;
  readonly resources = new Map<string, ResourceLiveness>();
  /** Point identity hash → cached points (chained by `next`). */
  readonly #points = new Map<number, CachedPoint>();
  #pointCount = 0;
  /** Strings of point identities → small ids; V8 caches a string's hash, so a lookup reads no characters. */
  readonly #stringIds = new Map<string, number>();
  readonly #contextIds = new Map<string, number>();
  #nextContextId = 1;
  readonly #labelNames = new Map<string, string | Error>();
  /** Interned Label objects: every series with the same pair shares one. */
  readonly #labelObjects = new Map<string, Map<string, Label>>();
  #labelObjectCount = 0;
  /** Shared series layouts, by the key #build makes of what they emit. */
  readonly #layouts = new Map<string, SeriesLayout>();

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
    // Ids stay valid within a request: caches are only reset between requests.
    if (this.#pointCount >= CACHE_MAX || this.#stringIds.size >= CACHE_MAX) this.#resetPoints();
    if (this.#labelObjectCount >= CACHE_MAX || this.#layouts.size >= CACHE_MAX) {
      this.#labelObjects.clear();
      this.#labelObjectCount = 0;
      this.#layouts.clear();
    }
    return new RequestTranslation(this, appender);
  }

  #resetPoints(): void {
    this.#points.clear();
    this.#pointCount = 0;
    this.#stringIds.clear();
  }

  /** @internal A small id for a string of a point identity. */
  stringId(s: string): number {
    let id = this.#stringIds.get(s);
    if (id === undefined) {
      id = this.#stringIds.size + 1;
      this.#stringIds.set(s, id);
    }
    return id;
  }

  /** @internal The cached point with identity id[0, n) and hash h, or null. */
  findPoint(id: Int32Array, n: number, h: number): CachedPoint | null {
    for (let p = this.#points.get(h) ?? null; p !== null; p = p.next) {
      const pid = p.id;
      if (pid.length !== n) continue;
      let i = 0;
      while (i < n && pid[i] === id[i]) i++;
      if (i === n) return p;
    }
    return null;
  }

  /** @internal Adds an empty cached point for identity id[0, n) with hash h. */
  addPoint(id: Int32Array, n: number, h: number): CachedPoint {
    // A plain array of small ints: a third of the size of an Int32Array of its own.
    const own = new Array<number>(n);
    for (let i = 0; i < n; i++) own[i] = id[i];
    const p = new CachedPoint(own, h);
    p.next = this.#points.get(h) ?? null;
    this.#points.set(h, p);
    this.#pointCount++;
    return p;
  }

  /** @internal Forgets a cached point (its resource went stale: a comeback starts afresh). */
  forgetPoint(p: CachedPoint): void {
    let head = this.#points.get(p.hash) ?? null;
    if (head === p) {
      if (p.next === null) this.#points.delete(p.hash);
      else this.#points.set(p.hash, p.next);
      this.#pointCount--;
      return;
    }
    for (; head !== null; head = head.next) {
      if (head.next === p) {
        head.next = p.next;
        this.#pointCount--;
        return;
      }
    }
  }

  /** @internal The shared Label object of (name, value). */
  label(name: string, value: string): Label {
    let byValue = this.#labelObjects.get(name);
    if (byValue === undefined) this.#labelObjects.set(name, (byValue = new Map()));
    let l = byValue.get(value);
    if (l === undefined) {
      byValue.set(value, (l = { name, value }));
      this.#labelObjectCount++;
    }
    return l;
  }

  /** @internal The shared layout with this key, or `made` (then kept under it). */
  layout(key: string, made: SeriesLayout): SeriesLayout {
    const known = this.#layouts.get(key);
    if (known !== undefined) return known;
    this.#layouts.set(key, made);
    return made;
  }

  /** @internal A small id for a (resource, scope) context; never reused, so stale cache entries cannot match. */
  contextId(context: string): number {
    let id = this.#contextIds.get(context);
    if (id === undefined) {
      if (this.#contextIds.size >= CACHE_MAX) this.#contextIds.clear();
      id = this.#nextContextId++;
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
      if (this.#labelNames.size < CACHE_MAX) this.#labelNames.set(key, name);
    }
    if (name instanceof Error) throw name;
    return name;
  }

  /** @internal Records a committed push of a resource and the points (and other series) it wrote. */
  recordPush(resourceKey: string, points: Set<CachedPoint>, extra: Map<string, Labels>, nowMs: number): void {
    let r = this.resources.get(resourceKey);
    if (!r) {
      this.resources.set(resourceKey, (r = { points: new Set(), extra: new Map(), lastPushMs: nowMs, intervalMs: 0 }));
    } else {
      const gap = nowMs - r.lastPushMs;
      // Several pushes within a second are one export split into requests, not a new interval.
      if (gap >= 1000) r.intervalMs = gap;
      r.lastPushMs = nowMs;
    }
    for (const p of points) r.points.add(p);
    for (const [k, l] of extra) r.extra.set(k, l);
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
    const mark = (ref: number, labels: Labels): void => {
      try {
        app.append(ref, labels, nowMs, STALE_NAN);
        markers++;
      } catch (err) {
        if (!(err instanceof StorageError)) throw err; // a later sample already ended it
      }
    };
    for (const [key, r] of this.resources) {
      const interval = r.intervalMs || DEFAULT_EXPORT_INTERVAL_MS;
      if (nowMs - r.lastPushMs <= n * interval) continue;
      for (const p of r.points) {
        for (let i = 0; i < p.refs.length; i++) mark(p.refs[i], seriesLabels(p, i));
        this.forgetPoint(p);
      }
      for (const labels of r.extra.values()) mark(0, labels);
      this.resources.delete(key);
    }
    await app.commit();
    return markers;
  }
}

type LabelPairs = Array<[string, string]>;

class PointRejected extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** Scratch for one point: its identity and the values of the series it writes. Reused, never kept. */
let scratchId = new Int32Array(64);
let scratchValues = new Float64Array(64);

class RequestTranslation implements OtlpTranslation {
  acceptedPoints = 0;
  rejectedPoints = 0;
  readonly rejectedByReason = new Map<string, number>();
  message = '';

  readonly #t: OtlpTranslator;
  readonly #app: Appender;
  readonly #o: OtlpTranslatorOptions;
  readonly #deltaChanges = new Map<string, DeltaTotal>();
  readonly #pushes = new Map<string, { points: Set<CachedPoint>; extra: Map<string, Labels> }>();

  // Per resource
  #resourceKey = '';
  #job = '';
  #instance = '';
  #promoted: LabelPairs = [];
  #targetInfo: LabelPairs | null = null;
  #minT = Infinity;
  #maxT = -Infinity;
  #resourcePoints = new Set<CachedPoint>();
  // Per scope
  #scope: LabelPairs = [];
  /** A small id for (resource, scope): the first word of every point identity. */
  #contextId = 0;
  // Per metric
  #family = '';
  #familyId = 0;
  #nameError = '';
  #metric: MetricDescriptor | null = null;
  #isDelta = false;
  #cumulativeKind = false;

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
    this.#resourcePoints = new Set();
  }

  endResource(): void {
    const extra = new Map<string, Labels>();
    if (this.#targetInfo && this.#minT <= this.#maxT) {
      const pairs: LabelPairs = [...this.#targetInfo];
      setPair(pairs, 'job', this.#job);
      setPair(pairs, 'instance', this.#instance);
      setPair(pairs, METRIC_NAME, this.#o.namespace ? prometheusMetricName('target_info', '', 'gauge', this.#o.translationStrategy, this.#o.namespace) : 'target_info');
      const labels = this.#canonical(pairs);
      this.#app.updateMetadata(labels.find((l) => l.name === METRIC_NAME)!.value, { type: 'gauge', unit: '', help: 'Target metadata' });
      for (const t of this.#minT === this.#maxT ? [this.#maxT] : [this.#minT, this.#maxT]) {
        try { this.#app.append(0, labels, t, 1); } catch (err) { if (!(err instanceof StorageError)) throw err; }
      }
      extra.set(labelsKey(labels), labels);
    }
    const existing = this.#pushes.get(this.#resourceKey);
    if (existing) {
      for (const p of this.#resourcePoints) existing.points.add(p);
      for (const [k, l] of extra) existing.extra.set(k, l);
    } else {
      this.#pushes.set(this.#resourceKey, { points: this.#resourcePoints, extra });
    }
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
    this.#cumulativeKind = metric.kind === MetricKind.Histogram || metric.kind === MetricKind.ExponentialHistogram || metric.kind === MetricKind.Summary || (metric.kind === MetricKind.Sum && metric.monotonic);
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
    this.#familyId = this.#t.stringId(this.#family);
    const type: MetricType = kind === 'counter' ? 'counter' : kind === 'gauge' || kind === 'updown' ? 'gauge' : kind === 'summary' ? 'summary' : 'histogram';
    this.#app.updateMetadata(this.#family, { type, unit: metadataUnit(metric.unit), help: metric.description });
  }

  numberPoint(attributes: Attributes, startTimeMs: number, timeMs: number, value: number, flags: number): void {
    if (!this.#valid(timeMs)) return;
    let p = this.#find(attributes);
    const fresh = p === null;
    if (p === null || p.layout.shape !== Shape.Number) {
      p ??= this.#t.addPoint(scratchId, 2 + 2 * attributes.count, hashInts(scratchId, 2 + 2 * attributes.count));
      if (!this.#build(p, attributes, Shape.Number, EMPTY_F64, false, '', (series) => series(this.#family, '', ''))) return;
    }
    scratchValues[0] = value;
    this.#write(p, fresh, startTimeMs, timeMs, flags);
  }

  histogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, h: HistogramPoint): void {
    if (!this.#valid(timeMs)) return;
    let p = this.#find(attributes);
    const fresh = p === null;
    if (p === null || p.layout.shape !== Shape.Histogram || p.layout.hasSum !== h.hasSum || !sameFloats(p.layout.bounds, h.bounds, h.boundCount) || p.refs.length !== Math.min(h.boundCount, h.countCount) + 2 + (h.hasSum ? 1 : 0)) {
      for (let i = 1; i < h.boundCount; i++) if (!(h.bounds[i] > h.bounds[i - 1])) return this.#reject('unsorted_bounds', `histogram ${this.#metric!.name}: explicit bounds are not strictly increasing`);
      p ??= this.#t.addPoint(scratchId, 2 + 2 * attributes.count, hashInts(scratchId, 2 + 2 * attributes.count));
      const built = this.#build(p, attributes, Shape.Histogram, h.bounds.subarray(0, h.boundCount), h.hasSum, '', (series) => {
        const n = Math.min(h.boundCount, h.countCount);
        for (let i = 0; i < n; i++) series(this.#family + '_bucket', 'le', formatFloat(h.bounds[i]));
        series(this.#family + '_bucket', 'le', '+Inf');
        series(this.#family + '_count', '', '');
        if (h.hasSum) series(this.#family + '_sum', '', '');
      });
      if (!built) return;
    }
    const n = Math.min(h.boundCount, h.countCount);
    const values = this.#values(n + 3);
    let cumulative = 0;
    for (let i = 0; i < n; i++) values[i] = cumulative += h.counts[i];
    values[n] = h.count;
    values[n + 1] = h.count;
    if (h.hasSum) values[n + 2] = h.sum;
    this.#write(p, fresh, startTimeMs, timeMs, h.flags);
  }

  exponentialHistogramPoint(attributes: Attributes, startTimeMs: number, timeMs: number, h: ExponentialHistogramPoint): void {
    if (!this.#valid(timeMs)) return;
    if (h.scale < -4) return this.#reject('invalid_scale', `exponential histogram ${this.#metric!.name}: scale ${h.scale} is below -4`);
    // Rare enough for the general path: the emitted series depend on which buckets are populated.
    const scale = Math.min(h.scale, this.#o.exponentialHistogramMaxScale);
    const shift = h.scale - scale;
    const base2 = Math.pow(2, Math.pow(2, -scale));
    // Downscaling merges 2^shift neighbours: OTel index k becomes k >> shift (floor).
    const merge = (side: { offset: number; counts: Float64Array; countCount: number }) => {
      const m = new Map<number, number>();
      for (let i = 0; i < side.countCount; i++) if (side.counts[i] > 0) { const k = Math.floor((side.offset + i) / 2 ** shift); m.set(k, (m.get(k) ?? 0) + side.counts[i]); }
      return [...m].sort((a, b) => a[0] - b[0]);
    };
    const les: string[] = [];
    const vals: number[] = [];
    let cumulative = 0;
    // Negative buckets k cover [-base^(k+1), -base^k): ascending bounds means descending k.
    for (const [k, c] of merge(h.negative).reverse()) {
      les.push(formatFloat(-Math.pow(base2, k)));
      vals.push(cumulative += c);
    }
    cumulative += h.zeroCount;
    if (h.zeroCount > 0 || h.negative.countCount > 0) {
      les.push(formatFloat(h.zeroThreshold));
      vals.push(cumulative);
    }
    for (const [k, c] of merge(h.positive)) {
      les.push(formatFloat(Math.pow(base2, k + 1)));
      vals.push(cumulative += c);
    }
    les.push('+Inf');
    vals.push(h.count, h.count, h.hasSum ? h.sum : 0);
    const sequence = les.join(' ');
    let p = this.#find(attributes);
    const fresh = p === null;
    if (p === null || p.layout.shape !== Shape.Exponential || p.layout.sequence !== sequence) {
      p ??= this.#t.addPoint(scratchId, 2 + 2 * attributes.count, hashInts(scratchId, 2 + 2 * attributes.count));
      const built = this.#build(p, attributes, Shape.Exponential, EMPTY_F64, true, sequence, (series) => {
        for (const le of les) series(this.#family + '_bucket', 'le', le);
        series(this.#family + '_count', '', '');
        series(this.#family + '_sum', '', '');
      });
      if (!built) return;
    }
    const values = this.#values(vals.length);
    for (let i = 0; i < vals.length; i++) values[i] = vals[i];
    this.#write(p, fresh, startTimeMs, timeMs, h.flags);
  }

  summaryPoint(attributes: Attributes, startTimeMs: number, timeMs: number, q: SummaryPoint): void {
    if (!this.#valid(timeMs)) return;
    let p = this.#find(attributes);
    const fresh = p === null;
    if (p === null || p.layout.shape !== Shape.Summary || !sameFloats(p.layout.bounds, q.quantiles, q.quantileCount)) {
      p ??= this.#t.addPoint(scratchId, 2 + 2 * attributes.count, hashInts(scratchId, 2 + 2 * attributes.count));
      const built = this.#build(p, attributes, Shape.Summary, q.quantiles.subarray(0, q.quantileCount), true, '', (series) => {
        for (let i = 0; i < q.quantileCount; i++) series(this.#family, 'quantile', formatFloat(q.quantiles[i]));
        series(this.#family + '_sum', '', '');
        series(this.#family + '_count', '', '');
      });
      if (!built) return;
    }
    const values = this.#values(q.quantileCount + 2);
    for (let i = 0; i < q.quantileCount; i++) values[i] = q.values[i];
    values[q.quantileCount] = q.sum;
    values[q.quantileCount + 1] = q.count;
    this.#write(p, fresh, startTimeMs, timeMs, q.flags);
  }

  invalidPoint(reason: string): void {
    this.#reject(reason, `metric ${JSON.stringify(this.#metric?.name ?? '')}: data point has no value`);
  }

  /** The checks every point passes before its series are looked at; rejects and returns false otherwise. */
  #valid(t: number): boolean {
    const m = this.#metric!;
    if (this.#nameError) return this.#reject('invalid_metric_name', this.#nameError), false;
    if (m.kind !== MetricKind.Gauge && m.kind !== MetricKind.Summary && m.temporality === Temporality.Unspecified)
      return this.#reject('invalid_temporality', `metric ${JSON.stringify(m.name)}: aggregation temporality is unspecified`), false;
    if (this.#isDelta && this.#o.delta === 'reject') return this.#reject('delta_rejected', `metric ${JSON.stringify(m.name)}: delta temporality is not accepted (otlp.delta = reject)`), false;
    if (t <= 0) return this.#reject('missing_timestamp', `metric ${JSON.stringify(m.name)}: data point has no timestamp`), false;
    return true;
  }

  /** The cached point of this identity (context, family, attributes), or null; leaves the identity in scratchId. */
  #find(attributes: Attributes): CachedPoint | null {
    const n = 2 + 2 * attributes.count;
    if (scratchId.length < n) scratchId = new Int32Array(n * 2);
    const id = scratchId;
    id[0] = this.#contextId;
    id[1] = this.#familyId;
    for (let i = 0, j = 2; i < attributes.count; i++, j += 2) {
      id[j] = this.#t.stringId(attributes.keys[i]);
      id[j + 1] = this.#t.stringId(attributes.values[i]);
    }
    return this.#t.findPoint(id, n, hashInts(id, n));
  }

  /** Scratch for n series values. */
  #values(n: number): Float64Array {
    if (scratchValues.length < n) scratchValues = new Float64Array(n * 2);
    return scratchValues;
  }

  /**
   * (Re)builds p's series: `emit` calls series(name, extra label name, extra label value) once per
   * series in value order; `bounds`, `hasSum` and `sequence` are what the shape's points are
   * compared by. Returns false (and rejects the point) when its labels are not acceptable.
   */
  #build(p: CachedPoint, attributes: Attributes, shape: number, bounds: Float64Array, hasSum: boolean, sequence: string,
    emit: (series: (name: string, extraName: string, extraValue: string) => void) => void): boolean {
    let base: LabelPairs;
    try {
      base = this.#baseLabels(attributes);
    } catch (err) {
      if (err instanceof PointRejected) return this.#reject(err.reason, err.message), false;
      throw err;
    }
    const names: Label[] = [];
    const extras: Array<Label | null> = [];
    let key = `${shape}\u0000${hasSum}\u0000${sequence}\u0000${bounds.join(' ')}`;
    emit((name, extraName, extraValue) => {
      names.push(this.#t.label(METRIC_NAME, name));
      extras.push(extraName ? this.#t.label(extraName, extraValue) : null);
      key += `\u0000${name}\u0001${extraName}\u0001${extraValue}`;
    });
    p.layout = this.#t.layout(key, { shape, names, extras, bounds: bounds.length === 0 ? EMPTY_F64 : bounds.slice(), hasSum, sequence });
    p.base = this.#canonical(base);
    p.labels = null;
    p.refs = new Array<number>(names.length).fill(0);
    p.deltaKeys = null;
    return true;
  }

  /**
   * Appends to series i of p: by its ref when the store takes that (Appender.appendRef), else with
   * its labels, which p keeps only when the store cannot be written by ref (no appendRef).
   */
  #append(p: CachedPoint, i: number, t: number, v: number): void {
    const app = this.#app;
    const ref = p.refs[i];
    if (ref > 0 && app.appendRef !== undefined && app.appendRef(ref, t, v)) return;
    p.refs[i] = app.append(ref, seriesLabels(p, i, app.appendRef === undefined), t, v);
  }

  /**
   * Appends the point's values (scratchValues, in p's series order) at t: staleness, delta
   * conversion and zero injection applied. `fresh`: the identity was not cached (a new stream).
   */
  #write(p: CachedPoint, fresh: boolean, st: number, t: number, flags: number): void {
    const m = this.#metric!;
    const n = p.refs.length;
    const values = scratchValues;
    const stale = (flags & FLAG_NO_RECORDED_VALUE) !== 0;
    const delta = this.#isDelta && !stale;
    const keys = delta ? (p.deltaKeys ??= p.refs.map((_, i) => labelsKey(seriesLabels(p, i)))) : null;
    if (keys !== null) {
      const first = this.#deltaTotal(keys[0]);
      if (first && t <= first.lastT) return this.#reject('delta_out_of_order', `metric ${JSON.stringify(m.name)}: delta point at ${t} is not after the stream's last point at ${first.lastT}`);
      if (!first && this.#t.delta.totals.size + this.#deltaChanges.size >= this.#o.deltaMaxStreams) return this.#reject('delta_stream_limit', `metric ${JSON.stringify(m.name)}: too many delta streams (limit ${this.#o.deltaMaxStreams})`);
    }
    // Zero at the start time of a new stream: rate() then sees its first increment.
    if (fresh && this.#o.startTimeZeroInjection && (this.#cumulativeKind ? !stale : delta) && st > 0 && st < t && (keys === null || !this.#deltaTotal(keys[0]))) {
      for (let i = 0; i < n; i++) {
        try { this.#append(p, i, st, 0); } catch (err) { if (!(err instanceof StorageError)) throw err; }
      }
    }
    let firstError: StorageError | null = null;
    for (let i = 0; i < n; i++) {
      let v = stale ? STALE_NAN : values[i];
      if (keys !== null) {
        const prev = this.#deltaTotal(keys[i]);
        v = (prev?.total ?? 0) + v;
        this.#deltaChanges.set(keys[i], { total: v, lastT: t, startT: prev?.startT ?? st });
      }
      try {
        this.#append(p, i, t, v);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        firstError ??= err;
      }
    }
    this.#resourcePoints.add(p);
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

  /** Canonical Labels (sorted by name, empty values dropped) of interned Label objects. */
  #canonical(pairs: LabelPairs): Labels {
    const out: Label[] = [];
    for (const [name, value] of pairs) if (value !== '') out.push(this.#t.label(name, value));
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
    if (this.#o.staleAfterMissedExports > 0) for (const [key, push] of this.#pushes) if (push.points.size > 0 || push.extra.size > 0) this.#t.recordPush(key, push.points, push.extra, now);
  }

  abort(): void {
    this.#deltaChanges.clear();
  }
}

/** Whether a[0..) equals b[0, n) (same length n). */
function sameFloats(a: Float64Array, b: Float64Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function setPair(pairs: LabelPairs, name: string, value: string): void {
  const i = pairs.findIndex((p) => p[0] === name);
  if (i >= 0) pairs[i] = [name, value];
  else pairs.push([name, value]);
}

