/**
 * @module Parser of OpenMetrics 1.0 text (`application/openmetrics-text`), with Prometheus 3's
 * quoted UTF-8 names. Syntax is checked exactly (single spaces, no trailing comma, `# EOF` last);
 * with `strict`, the semantic rules are checked too (openmetrics-check.ts).
 */
import type { Labels } from '../../../model/labels.ts';
import type { MetricType } from '../../../storage/interface.ts';
import { parseFloatRange, parseSecondsToMs } from './number.ts';
import { OpenMetricsChecker } from './openmetrics-check.ts';
import { TYPE_SUFFIXES, type OmFamily } from './openmetrics-family.ts';
import { C_HASH, C_LBRACE, C_NL, C_QUOTE, C_SP, NO_LABELS, Scanner, isMetricNameStart } from './scanner.ts';
import { unescapeHelp } from './text-parser.ts';
import type { ExpositionSink, ParseOptions, ParseSummary } from './types.ts';

const OM_TYPES = new Map<string, MetricType>([
  ['counter', 'counter'],
  ['gauge', 'gauge'],
  ['histogram', 'histogram'],
  ['gaugehistogram', 'gaugehistogram'],
  ['stateset', 'stateset'],
  ['info', 'info'],
  ['summary', 'summary'],
  ['unknown', 'unknown'],
]);

/** Types whose `<family>_created` series carries a start time rather than a sample. */
const HAS_CREATED = new Set<MetricType>(['counter', 'histogram', 'summary']);

const EOF_LINE = '# EOF';

/** Parses a whole OpenMetrics body into `sink`; throws ExpositionParseError. */
export function parseOpenMetrics(src: string, sink: ExpositionSink, opts: ParseOptions = {}): ParseSummary {
  return new OpenMetricsParser(src, sink, opts).run();
}

class OpenMetricsParser extends Scanner {
  readonly #sink: ExpositionSink;
  readonly #opts: ParseOptions;
  readonly #checker: OpenMetricsChecker | undefined;
  #cur: OmFamily | undefined;
  #families = 0;
  #samples = 0;
  #exemplars = 0;
  #created = 0;

  constructor(src: string, sink: ExpositionSink, opts: ParseOptions) {
    super(src, true);
    this.#sink = sink;
    this.#opts = opts;
    this.#checker = opts.strict ? new OpenMetricsChecker((reason) => this.fail(reason)) : undefined;
  }

  run(): ParseSummary {
    let sawEof = false;
    while (this.pos < this.end) {
      const c = this.src.charCodeAt(this.pos);
      if (c === C_NL) this.fail('unexpected empty line');
      if (c === C_HASH && this.src.startsWith(EOF_LINE, this.pos)) {
        const after = this.pos + EOF_LINE.length;
        if (after === this.end || this.src.charCodeAt(after) === C_NL) {
          sawEof = true;
          this.#endFamily(); // family-level errors point at the # EOF line
          this.pos = after;
          if (after < this.end) this.newline();
          if (this.pos < this.end) this.fail(`unexpected content after "${EOF_LINE}"`);
          break;
        }
      }
      if (c === C_HASH) this.#metadataLine();
      else this.#sampleLine();
      if (this.pos >= this.end) this.fail(`unexpected end of input: the line must end with a newline and the input with "${EOF_LINE}"`);
      this.newline();
    }
    if (!sawEof) {
      if (this.pos === this.lineStart && this.line > 1) this.line--; // point at the last line
      this.fail(`missing "${EOF_LINE}" at the end of the input`);
    }
    return {
      format: 'openmetrics',
      samples: this.#samples,
      families: this.#families,
      exemplars: this.#exemplars,
      created: this.#created,
      lines: this.line - (this.pos === this.lineStart && this.line > 1 ? 1 : 0),
    };
  }

  #startFamily(name: string, explicit: boolean): OmFamily {
    this.#endFamily();
    this.#families++;
    const f: OmFamily = { name, explicit, type: 'unknown', typeSet: false, help: undefined, unit: undefined, hasSamples: false, emitted: !explicit };
    this.#cur = f;
    return f;
  }

  #endFamily(): void {
    const f = this.#cur;
    if (f === undefined) return;
    if (!f.emitted) this.#emitMetadata(f);
    this.#checker?.endFamily(f);
    this.#cur = undefined;
  }

  #emitMetadata(f: OmFamily): void {
    f.emitted = true;
    this.#sink.metadata?.(f.name, { type: f.type, help: f.help ?? '', unit: f.unit ?? '' });
  }

  /** `# HELP name text`, `# TYPE name type` or `# UNIT name unit`, single-space separated. */
  #metadataLine(): void {
    const src = this.src;
    let kind = '';
    if (src.charCodeAt(this.pos + 1) === C_SP) {
      const p = this.pos + 2;
      if (src.startsWith('HELP ', p)) kind = 'HELP';
      else if (src.startsWith('TYPE ', p)) kind = 'TYPE';
      else if (src.startsWith('UNIT ', p)) kind = 'UNIT';
    }
    if (kind === '') this.expected(`expected "# HELP", "# TYPE", "# UNIT" or "${EOF_LINE}"`);
    this.pos += 7;
    let name: string;
    const c = this.peek();
    if (c === C_QUOTE) {
      this.scanQuoted('metric name');
      name = this.str;
      if (name === '') this.fail('empty metric name');
    } else if (isMetricNameStart(c)) {
      name = this.scanMetricName();
    } else {
      this.expected(`expected metric name after "# ${kind}"`);
    }
    if (this.peek() !== C_SP) this.expected(`expected " " after metric name ${JSON.stringify(name)}`);
    const start = ++this.pos;
    const nl = src.indexOf('\n', start);
    this.pos = nl < 0 ? this.end : nl;
    const text = src.substring(start, this.pos);

    let f = this.#cur;
    if (f === undefined || f.name !== name) f = this.#startFamily(name, true);
    else if (f.hasSamples) this.fail(`${kind} line for ${JSON.stringify(name)} after its samples`);
    const again = `second ${kind} line for metric family ${JSON.stringify(name)}`;
    if (kind === 'HELP') {
      if (f.help !== undefined) this.fail(again);
      f.help = text.indexOf('\\') < 0 ? text : unescapeHelp(text, true);
    } else if (kind === 'TYPE') {
      if (f.typeSet) this.fail(again);
      const type = OM_TYPES.get(text);
      if (type === undefined) this.fail(`invalid metric type ${JSON.stringify(text)}`);
      f.type = type;
      f.typeSet = true;
    } else {
      if (f.unit !== undefined) this.fail(again);
      if (text !== '' && !name.endsWith('_' + text)) this.fail(`unit ${JSON.stringify(text)} is not a suffix of metric name ${JSON.stringify(name)}`);
      f.unit = text;
    }
  }

  #sampleLine(): void {
    let name = '';
    const c = this.peek();
    if (isMetricNameStart(c)) {
      name = this.scanMetricName();
      if (this.peek() === C_LBRACE) this.scanLabelSet(false);
      else this.pairs = NO_LABELS;
    } else if (c === C_LBRACE) {
      this.scanLabelSet(true);
      name = this.quotedName;
      if (name === '') this.fail('metric name missing: expected a metric name before "{" or a quoted one inside it');
    } else {
      this.expected('expected metric name');
    }
    const labels = this.canonicalLabels(name);
    if (this.peek() !== C_SP) this.expected('expected " " before the value');
    this.pos++;
    const value = this.#number('value');

    let ts: number | undefined;
    let exemplar = false;
    if (this.peek() === C_SP) {
      this.pos++;
      if (this.peek() === C_HASH) exemplar = true;
      else {
        ts = this.#timestamp('timestamp');
        if (this.peek() === C_SP) {
          this.pos++;
          if (this.peek() !== C_HASH) this.expected('expected "#" (an exemplar) after the timestamp');
          exemplar = true;
        }
      }
    }
    let exLabels: Labels | undefined;
    let exValue = 0;
    let exTs: number | undefined;
    if (exemplar) {
      this.pos++; // #
      if (this.peek() !== C_SP) this.expected('expected " " after "#"');
      this.pos++;
      if (this.peek() !== C_LBRACE) this.expected('expected "{" to open the exemplar labels');
      this.scanLabelSet(false);
      exLabels = this.canonicalLabels('');
      if (this.peek() !== C_SP) this.expected('expected " " after the exemplar labels');
      this.pos++;
      exValue = this.#number('exemplar value');
      if (this.peek() === C_SP) {
        this.pos++;
        exTs = this.#timestamp('exemplar timestamp');
      }
    }
    if (this.peek() !== C_NL && this.pos < this.end) this.expected('expected end of line');

    let f = this.#cur;
    if (f === undefined || !belongs(f, name, this.#checker !== undefined)) f = this.#startFamily(name, false);
    this.#checker?.sample(f, name, labels, value, ts, exLabels);
    if (!f.hasSamples) {
      f.hasSamples = true;
      if (!f.emitted) this.#emitMetadata(f);
    }
    const sink = this.#sink;
    if (!this.#opts.createdAsSamples && HAS_CREATED.has(f.type) && name.length === f.name.length + 8 && name.endsWith('_created')) {
      this.#created++;
      sink.created?.(f.name, labels, Math.round(value * 1000));
    } else {
      this.#samples++;
      sink.sample(name, labels, value, ts ?? this.#opts.defaultTimestampMs);
    }
    if (exLabels !== undefined) {
      this.#exemplars++;
      sink.exemplar?.(labels, { labels: exLabels, value: exValue, timestampMs: exTs });
    }
  }

  /** Reads the token at pos up to a space or newline. */
  #token(what: string): number {
    const start = this.pos;
    while (this.pos < this.end) {
      const c = this.src.charCodeAt(this.pos);
      if (c === C_SP || c === C_NL) break;
      this.pos++;
    }
    if (start === this.pos) this.expected(`expected ${what}`);
    return start;
  }

  #number(what: string): number {
    const start = this.#token(what);
    const v = parseFloatRange(this.src, start, this.pos, false);
    if (v === undefined) this.fail(`invalid ${what} ${JSON.stringify(this.src.substring(start, this.pos))}: expected a float`);
    return v;
  }

  #timestamp(what: string): number {
    const start = this.#token(what);
    const v = parseSecondsToMs(this.src, start, this.pos);
    if (v === undefined) this.fail(`invalid ${what} ${JSON.stringify(this.src.substring(start, this.pos))}: expected decimal seconds`);
    return v;
  }
}

/**
 * Whether series `name` continues family block `f`. Strictly, only the names its type allows;
 * for scraping, also the bare family name whatever the type (a counter sample without `_total`).
 */
function belongs(f: OmFamily, name: string, strict: boolean): boolean {
  if (!name.startsWith(f.name)) return false;
  if (name.length === f.name.length) return !strict || TYPE_SUFFIXES[f.type].includes('');
  const suffixes = TYPE_SUFFIXES[f.type];
  for (let i = 0; i < suffixes.length; i++) {
    const s = suffixes[i];
    if (s !== '' && name.length === f.name.length + s.length && name.endsWith(s)) return true;
  }
  return false;
}
