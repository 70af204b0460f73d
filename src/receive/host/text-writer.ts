/**
 * @module An ExpositionSink that gathers samples by family and writes them as Prometheus text
 * exposition 0.0.4 the way client_golang's expfmt does: families sorted by name, series sorted by
 * label values, floats in Go's shortest 'g' form (1.5e+09, not 1500000000). Matching that output
 * byte for byte makes our page diffable against node_exporter's.
 */
import { METRIC_NAME, compareLabels, type Labels } from '../../model/labels.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import type { ExpositionSink } from '../scrape/exposition/types.ts';

interface Family {
  metadata: MetricMetadata | undefined;
  readonly series: { labels: Labels; value: number }[];
}

/** Collects samples, then renders them with `text()`. Keeps the Labels it is given. */
export class TextExpositionSink implements ExpositionSink {
  readonly #families = new Map<string, Family>();

  sample(name: string, labels: Labels, value: number): void {
    this.#family(name).series.push({ labels, value });
  }

  metadata(family: string, metadata: MetricMetadata): void {
    this.#family(family).metadata = metadata;
  }

  #family(name: string): Family {
    let f = this.#families.get(name);
    if (f === undefined) this.#families.set(name, (f = { metadata: undefined, series: [] }));
    return f;
  }

  /** The exposition text; ends with a newline unless empty. */
  text(): string {
    let s = '';
    const names = [...this.#families.keys()].sort();
    for (const name of names) {
      const f = this.#families.get(name)!;
      if (f.metadata !== undefined) {
        if (f.metadata.help !== '') s += `# HELP ${name} ${escapeHelp(f.metadata.help)}\n`;
        s += `# TYPE ${name} ${f.metadata.type}\n`;
      }
      const series = [...f.series].sort((a, b) => compareLabels(a.labels, b.labels));
      for (const x of series) s += `${name}${formatLabels(x.labels)} ${formatGoFloat(x.value)}\n`;
    }
    return s;
  }
}

function formatLabels(labels: Labels): string {
  let s = '';
  for (const l of labels) {
    if (l.name === METRIC_NAME) continue;
    s += `${s === '' ? '{' : ','}${l.name}="${escapeLabelValue(l.value)}"`;
  }
  return s === '' ? s : s + '}';
}

/** HELP text escaping of the text format: backslash and newline. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label value escaping of the text format: backslash, double quote and newline. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * `v` as expfmt writes a sample value: `strconv.AppendFloat(v, 'g', -1, 64)` (the shortest digits
 * that round-trip), with NaN, +Inf and -Inf spelled out and -0 written as 0.
 */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  return goShortestG(v);
}

// Go's ftoa for 'g' with precision -1 ("if shortest { eprec = 6 }"): exponent form when the
// decimal exponent is below -4 or at least 6, so 245660 but 2.097152e+06; the exponent has a sign
// and at least two digits. JavaScript's toExponential() gives the same shortest digits.
const EXPONENT_FROM = 6;

function goShortestG(v: number): string {
  const e = v.toExponential(); // e.g. "-1.2424930304e+10"
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const neg = v < 0;
  const digits = e.slice(neg ? 1 : 0, at).replace('.', '');
  if (exp < -4 || exp >= EXPONENT_FROM) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(exp);
    return `${neg ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${ee < 10 ? '0' : ''}${ee}`;
  }
  let s: string;
  if (exp < 0) s = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length);
  else s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return (neg ? '-' : '') + s;
}
