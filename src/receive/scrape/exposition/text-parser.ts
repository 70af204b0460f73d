/**
 * @module Parser of the Prometheus text exposition format 0.0.4, with the quoted UTF-8 names of
 * Prometheus 3 (`{"my.metric", "a.b"="x"}`). Its verdicts follow prometheus/common expfmt's
 * TextParser (the reference the fuzz corpus was made with) where that is stricter than
 * Prometheus' scrape-time parser: unknown escapes in label values, a TYPE line after the
 * family's samples, and a non-float `quantile`/`le` are errors.
 */
import type { MetricType } from '../../../storage/interface.ts';
import { labelValue } from '../../../model/labels.ts';
import { parseFloatRange, parseIntRange } from './number.ts';
import { C_HASH, C_LBRACE, C_NL, C_QUOTE, C_SP, C_TAB, NO_LABELS, Scanner, isMetricNameStart } from './scanner.ts';
import type { ExpositionSink, ParseOptions, ParseSummary } from './types.ts';

/** TYPE keywords of the text format (upstream matches them case-insensitively). */
const TEXT_TYPES = new Map<string, MetricType>([
  ['counter', 'counter'],
  ['gauge', 'gauge'],
  ['histogram', 'histogram'],
  ['summary', 'summary'],
  ['untyped', 'unknown'],
]);

/** What the parser knows about one family. */
interface Family {
  readonly name: string;
  help: string | undefined;
  type: MetricType | undefined;
  hasSamples: boolean;
  /** Metadata passed to the sink and unchanged since. */
  emitted: boolean;
}

/** Parses a whole text-format body into `sink`; throws ExpositionParseError. */
export function parseText(src: string, sink: ExpositionSink, opts: ParseOptions = {}): ParseSummary {
  return new TextParser(src, sink, opts).run();
}

class TextParser extends Scanner {
  readonly #sink: ExpositionSink;
  readonly #defaultTs: number | undefined;
  readonly #families = new Map<string, Family>();
  /** Families in order of appearance, for the final metadata flush. */
  readonly #order: Family[] = [];
  #lastName = '';
  #lastFamily: Family | undefined;
  #samples = 0;

  constructor(src: string, sink: ExpositionSink, opts: ParseOptions) {
    super(src, false);
    this.#sink = sink;
    this.#defaultTs = opts.defaultTimestampMs;
  }

  run(): ParseSummary {
    while (this.pos < this.end) {
      this.skipBlanks();
      const c = this.peek();
      if (c === -1) break; // trailing blanks on the last line are harmless
      if (c === C_NL) {
        this.newline();
        continue;
      }
      if (c === C_HASH) this.#comment();
      else this.#sampleLine();
      if (this.pos >= this.end) this.fail('unexpected end of input: the last line must end with a newline');
      this.newline();
    }
    if (this.#sink.metadata) for (const f of this.#order) if (!f.emitted) this.#emitMetadata(f);
    return {
      format: 'text',
      samples: this.#samples,
      families: this.#order.length,
      exemplars: 0,
      created: 0,
      lines: this.line - (this.pos === this.lineStart ? 1 : 0),
    };
  }

  #family(name: string): Family {
    let f = this.#families.get(name);
    if (f === undefined) {
      f = { name, help: undefined, type: undefined, hasSamples: false, emitted: false };
      this.#families.set(name, f);
      this.#order.push(f);
    }
    return f;
  }

  #emitMetadata(f: Family): void {
    f.emitted = true;
    if (f.help === undefined && f.type === undefined) return;
    this.#sink.metadata?.(f.name, { type: f.type ?? 'unknown', help: f.help ?? '', unit: '' });
  }

  /** Reads to the end of the line (pos ends on the newline or the end of input). */
  #skipLine(): void {
    const nl = this.src.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.end : nl;
  }

  /** `# HELP name text`, `# TYPE name type`, or any other comment. */
  #comment(): void {
    this.pos++; // #
    this.skipBlanks();
    const kwStart = this.pos;
    while (this.pos < this.end) {
      const c = this.src.charCodeAt(this.pos);
      if (c === C_SP || c === C_TAB || c === C_NL) break;
      this.pos++;
    }
    const kwLen = this.pos - kwStart;
    const isHelp = kwLen === 4 && this.src.startsWith('HELP', kwStart);
    const isType = kwLen === 4 && this.src.startsWith('TYPE', kwStart);
    if ((!isHelp && !isType) || this.#atEol()) return this.#skipLine();
    this.skipBlanks();
    if (this.#atEol()) return; // "# HELP" alone: ignored, as upstream does
    let name: string;
    const c = this.peek();
    if (c === C_QUOTE) {
      this.scanQuoted('metric name');
      name = this.str;
      if (name === '') this.fail('empty metric name in comment');
    } else if (isMetricNameStart(c)) {
      name = this.scanMetricName();
    } else {
      this.expected('invalid metric name in comment: expected metric name');
    }
    if (this.#atEol()) return; // no text: ignored
    const sep = this.peek();
    if (sep !== C_SP && sep !== C_TAB) this.expected(`invalid metric name in comment: expected blank after ${JSON.stringify(name)}`);
    this.skipBlanks();
    if (this.#atEol()) return;
    const f = this.#family(name);
    if (isHelp) {
      if (f.help !== undefined) this.fail(`second HELP line for metric name ${JSON.stringify(name)}`);
      f.help = this.#helpText();
    } else {
      if (f.type !== undefined || f.hasSamples) {
        this.fail(`second TYPE line for metric name ${JSON.stringify(name)}, or TYPE reported after samples`);
      }
      const start = this.pos;
      this.#skipLine();
      let end = this.pos;
      while (end > start && (this.src.charCodeAt(end - 1) === C_SP || this.src.charCodeAt(end - 1) === C_TAB)) end--;
      const word = this.src.substring(start, end);
      const type = TEXT_TYPES.get(word.toLowerCase());
      if (type === undefined) this.fail(`unknown metric type ${JSON.stringify(word)}`);
      f.type = type;
    }
    f.emitted = false;
  }

  #atEol(): boolean {
    return this.pos >= this.end || this.src.charCodeAt(this.pos) === C_NL;
  }

  /** HELP text to the end of the line; `\\` and `\n` are decoded, other backslashes kept. */
  #helpText(): string {
    const start = this.pos;
    this.#skipLine();
    const raw = this.src.substring(start, this.pos);
    return raw.indexOf('\\') < 0 ? raw : unescapeHelp(raw, false);
  }

  #sampleLine(): void {
    let name = '';
    let c = this.peek();
    let hasLabels = false;
    if (isMetricNameStart(c)) {
      name = this.scanMetricName();
      c = this.peek();
      if (c === C_SP || c === C_TAB) {
        this.skipBlanks();
        c = this.peek();
      } else if (c !== C_LBRACE) {
        this.expected(`expected blank or "{" after metric name ${JSON.stringify(name)}`);
      }
      if (c === C_LBRACE) {
        this.scanLabelSet(false);
        hasLabels = true;
        this.skipBlanks();
      }
    } else if (c === C_LBRACE) {
      this.scanLabelSet(true);
      name = this.quotedName;
      if (name === '') this.fail('metric name missing: expected a metric name before "{" or a quoted one inside it');
      hasLabels = true;
      this.skipBlanks();
    } else {
      this.expected('expected metric name');
    }
    if (!hasLabels) this.pairs = NO_LABELS;

    // Value.
    const vStart = this.pos;
    this.#skipToken();
    if (vStart === this.pos) this.expected('expected value after metric');
    const value = parseFloatRange(this.src, vStart, this.pos, true);
    if (value === undefined) this.fail(`invalid value ${JSON.stringify(this.src.substring(vStart, this.pos))}: expected a float`);

    // Optional timestamp.
    let ts = this.#defaultTs;
    this.skipBlanks();
    if (!this.#atEol()) {
      const tStart = this.pos;
      this.#skipToken();
      const t = parseIntRange(this.src, tStart, this.pos);
      if (t === undefined) this.fail(`invalid timestamp ${JSON.stringify(this.src.substring(tStart, this.pos))}: expected integer milliseconds`);
      ts = t;
      this.skipBlanks();
      if (!this.#atEol()) this.expected('expected end of line after timestamp');
    }

    const f = this.#familyOf(name);
    this.#checkTypedLabels(f, name);
    const labels = this.canonicalLabels(name);
    if (!f.hasSamples) {
      f.hasSamples = true;
      if (!f.emitted && this.#sink.metadata) this.#emitMetadata(f);
    }
    this.#samples++;
    this.#sink.sample(name, labels, value, ts);
  }

  /** Advances over non-blank characters of the line. */
  #skipToken(): void {
    while (this.pos < this.end) {
      const c = this.src.charCodeAt(this.pos);
      if (c === C_SP || c === C_TAB || c === C_NL) return;
      this.pos++;
    }
  }

  /** The family a sample belongs to: its own name, else a typed summary/histogram base name. */
  #familyOf(name: string): Family {
    if (name === this.#lastName && this.#lastFamily) return this.#lastFamily;
    let f = this.#families.get(name);
    if (f === undefined) {
      const base = suffixBase(name);
      if (base !== '') {
        const b = this.#families.get(base);
        if (b && (b.type === 'histogram' || (b.type === 'summary' && !name.endsWith('_bucket')))) f = b;
      }
    }
    f ??= this.#family(name);
    this.#lastName = name;
    this.#lastFamily = f;
    return f;
  }

  /** A summary's `quantile` and a histogram's `le` must be floats (as in expfmt). */
  #checkTypedLabels(f: Family, name: string): void {
    let label = '';
    if (f.type === 'summary' && name === f.name) label = 'quantile';
    else if (f.type === 'histogram' && name.length === f.name.length + 7 && name.endsWith('_bucket')) label = 'le';
    else return;
    const v = labelValue(this.pairs, label);
    if (v !== '' && parseFloatRange(v, 0, v.length, true) === undefined) {
      this.fail(`expected float as value for ${JSON.stringify(label)} label, got ${JSON.stringify(v)}`);
    }
  }
}

/** The family name of a `_bucket`, `_count` or `_sum` series, or ''. */
function suffixBase(name: string): string {
  if (name.endsWith('_bucket')) return name.slice(0, -7);
  if (name.endsWith('_count')) return name.slice(0, -6);
  if (name.endsWith('_sum')) return name.slice(0, -4);
  return '';
}

/**
 * Decodes HELP escapes: `\\` and `\n`, plus `\"` in OpenMetrics. Other backslashes stay literal,
 * as Prometheus keeps them (real exporters write Windows paths unescaped).
 */
export function unescapeHelp(raw: string, openMetrics: boolean): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\' || i + 1 === raw.length) {
      out += c;
      continue;
    }
    const e = raw[i + 1];
    if (e === '\\') out += '\\';
    else if (e === 'n') out += '\n';
    else if (e === '"' && openMetrics) out += '"';
    else {
      out += c;
      continue;
    }
    i++;
  }
  return out;
}
