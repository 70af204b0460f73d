/**
 * @module The semantic rules of OpenMetrics 1.0 that a scraper does not need but a validator does:
 * grouping and ordering, histogram structure, counter-like values, stateset/info values, exemplar
 * placement and size, clashing family names. The checks and their order follow the reference
 * parser of the official test suite (prometheus/client_python `openmetrics/parser.py`), so
 * `strict: true` passes all 211 cases of OpenObservability/OpenMetrics `tests/testdata/parsers`.
 */
import { METRIC_NAME, labelValue, type Labels } from '../../../model/labels.ts';
import { parseFloatRange } from './number.ts';
import { TYPE_SUFFIXES, type OmFamily } from './openmetrics-family.ts';

/** Most code points an exemplar's label names and values may have together (OpenMetrics 1.0). */
const MAX_EXEMPLAR_LABEL_CODE_POINTS = 128;

const COUNTER_LIKE = new Set(['_total', '_sum', '_count', '_bucket', '_gcount', '_gsum']);

/** One sample of a histogram family, kept until the family ends. */
interface HistogramPoint {
  readonly suffix: string;
  readonly group: string;
  readonly ts: number | undefined;
  readonly le: number;
  readonly value: number;
}

/** Validates one OpenMetrics exposition, fed sample by sample and family by family. */
export class OpenMetricsChecker {
  readonly #fail: (reason: string) => never;
  readonly #seenNames = new Set<string>();
  #group: string | undefined;
  #groupTs: number | undefined;
  #seenGroups = new Set<string>();
  #histogram: HistogramPoint[] = [];

  /** `fail` throws (the parser's error with the current line). */
  constructor(fail: (reason: string) => never) {
    this.#fail = fail;
  }

  /** Checks one sample line of family `f`; `labels` is canonical with __name__. */
  sample(f: OmFamily, name: string, labels: Labels, value: number, ts: number | undefined, exemplarLabels: Labels | undefined): void {
    const fail = this.#fail;
    const type = f.type;
    const suffix = name.substring(f.name.length);

    if (type === 'stateset' && labelValue(labels, f.name) === '') fail(`stateset sample without a label named ${JSON.stringify(f.name)}`);
    let le = NaN;
    if (suffix === '_bucket') {
      const s = labelValue(labels, 'le');
      le = s === '' || s === 'NaN' ? NaN : (parseFloatRange(s, 0, s.length, false) ?? NaN);
      if (Number.isNaN(le) || (!Number.isFinite(le) && s !== '+Inf' && s !== '-Inf')) fail(`invalid "le" label ${JSON.stringify(s)}`);
      if (!Number.isInteger(value)) fail(`bucket value must be an integer, got ${value}`);
    }
    if ((suffix === '_count' || suffix === '_gcount') && !Number.isInteger(value)) fail(`count value must be an integer, got ${value}`);
    if (type === 'summary' && suffix === '') {
      const s = labelValue(labels, 'quantile');
      const q = s === '' ? -1 : parseFloatRange(s, 0, s.length, false);
      if (q === undefined || !(q >= 0 && q <= 1)) fail(`invalid "quantile" label ${JSON.stringify(s)}: must be a float in [0, 1]`);
    }

    // Grouping: the series of one group (labels without le/quantile/state) must be adjacent,
    // carry timestamps all or none, and not go back in time.
    const excluded =
      type === 'summary' && suffix === ''
        ? 'quantile'
        : type === 'stateset'
          ? f.name
          : type === 'histogram' && suffix === '_bucket'
            ? 'le'
            : '';
    const group = type === 'info' ? '' : groupKey(labels, excluded);
    if (this.#group !== undefined) {
      if (group !== this.#group) {
        if (this.#seenGroups.has(group)) fail('invalid metric grouping: samples of one label set must be adjacent');
      } else {
        if ((ts === undefined) !== (this.#groupTs === undefined)) fail('mix of samples with and without timestamp within a group');
        if (this.#groupTs !== undefined && ts !== undefined && ts < this.#groupTs && type !== 'info') {
          fail('timestamps went backwards within a group');
        }
      }
    }
    this.#group = group;
    this.#groupTs = ts;
    this.#seenGroups.add(group);

    if (type === 'stateset' && value !== 0 && value !== 1) fail(`stateset samples can only have values 0 and 1, got ${value}`);
    if (type === 'info' && value !== 1) fail(`info samples can only have value 1, got ${value}`);
    if (type === 'summary' && suffix === '' && value < 0) fail(`quantile values cannot be negative, got ${value}`);
    if (COUNTER_LIKE.has(suffix)) {
      if (Number.isNaN(value)) fail(`counter-like sample ${JSON.stringify(name)} cannot be NaN`);
      if (suffix !== '_gsum' && value < 0) fail(`counter-like sample ${JSON.stringify(name)} cannot be negative`);
    }
    if (exemplarLabels !== undefined) {
      const onBucket = (type === 'histogram' || type === 'gaugehistogram') && name.endsWith('_bucket');
      if (!onBucket && !(type === 'counter' && name.endsWith('_total'))) {
        fail('only histogram/gaugehistogram buckets and counter _total samples can have exemplars');
      }
      let n = 0;
      for (const l of exemplarLabels) n += codePoints(l.name) + codePoints(l.value);
      if (n > MAX_EXEMPLAR_LABEL_CODE_POINTS) fail(`exemplar labels have ${n} code points, more than ${MAX_EXEMPLAR_LABEL_CODE_POINTS}`);
    }
    if (type === 'histogram' || type === 'gaugehistogram') {
      const histGroup = suffix === '_bucket' ? groupKey(labels, 'le') : groupKey(labels, '');
      this.#histogram.push({ suffix, group: histGroup, ts, le, value });
    }
  }

  /** Checks family `f` as a whole once its block has ended. */
  endFamily(f: OmFamily): void {
    const fail = this.#fail;
    const names = new Set(TYPE_SUFFIXES[f.type]).add('');
    for (const suffix of names) {
      const n = f.name + suffix;
      if (this.#seenNames.has(n)) fail(`clashing name ${JSON.stringify(n)}: another family already used it`);
      this.#seenNames.add(n);
    }
    if (f.unit && (f.type === 'info' || f.type === 'stateset')) fail(`units are not allowed for ${f.type} family ${JSON.stringify(f.name)}`);
    if (f.type === 'histogram' || f.type === 'gaugehistogram') this.#checkHistogram(f.name);
    this.#group = undefined;
    this.#groupTs = undefined;
    this.#seenGroups = new Set();
    this.#histogram = [];
  }

  /** Per group and timestamp: ordered cumulative buckets ending in +Inf, consistent count/sum. */
  #checkHistogram(name: string): void {
    const fail = this.#fail;
    const points = this.#histogram;
    let i = 0;
    while (i < points.length) {
      const { group, ts } = points[i];
      let count: number | undefined;
      let bucket: number | undefined;
      let value = 0;
      let negativeBuckets = false;
      let hasSum = false;
      let hasGsum = false;
      let negativeGsum = false;
      for (; i < points.length && points[i].group === group && points[i].ts === ts; i++) {
        const p = points[i];
        if (p.suffix === '_bucket') {
          if (p.le < 0) negativeBuckets = true;
          if (bucket !== undefined && p.le <= bucket) fail(`histogram ${JSON.stringify(name)}: buckets out of order`);
          if (p.value < value) fail(`histogram ${JSON.stringify(name)}: bucket values out of order`);
          bucket = p.le;
          value = p.value;
        } else if (p.suffix === '_count' || p.suffix === '_gcount') {
          count = p.value;
        } else if (p.suffix === '_sum') {
          hasSum = true;
        } else if (p.suffix === '_gsum') {
          hasGsum = true;
          if (p.value < 0) negativeGsum = true;
        }
      }
      const h = JSON.stringify(name);
      if (bucket !== Infinity) fail(`histogram ${h}: +Inf bucket missing`);
      if (count !== undefined && value !== count) fail(`histogram ${h}: count does not match the +Inf bucket`);
      if (hasSum && count === undefined) fail(`histogram ${h}: _count must be present if _sum is present`);
      if (hasGsum && count === undefined) fail(`histogram ${h}: _gcount must be present if _gsum is present`);
      if (!(hasSum || hasGsum) && count !== undefined) fail(`histogram ${h}: _sum/_gsum must be present if _count is present`);
      if (negativeBuckets && hasSum) fail(`histogram ${h}: cannot have _sum with negative buckets`);
      if (!negativeBuckets && negativeGsum) fail(`histogram ${h}: cannot have negative _gsum with non-negative buckets`);
    }
  }
}

/** A key for the label set without __name__ and `excluded`. */
function groupKey(labels: Labels, excluded: string): string {
  let key = '';
  for (const l of labels) if (l.name !== METRIC_NAME && l.name !== excluded) key += l.name + '\xff' + l.value + '\xff';
  return key;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count each surrogate pair once
  }
  return n;
}
