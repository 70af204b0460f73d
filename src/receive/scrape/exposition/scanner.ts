/**
 * @module The cursor both text parsers share: one string, one index, a line counter, and the
 * lexical pieces common to both formats (names, quoted strings, label sets). It walks char codes
 * and takes substrings only for the names and values it returns.
 */
import { METRIC_NAME, type Label, type Labels } from '../../../model/labels.ts';
import { ExpositionParseError } from './errors.ts';

export const C_TAB = 9;
export const C_NL = 10;
export const C_SP = 32;
export const C_QUOTE = 34;
export const C_HASH = 35;
export const C_COMMA = 44;
export const C_EQ = 61;
export const C_BACKSLASH = 92;
export const C_LBRACE = 123;
export const C_RBRACE = 125;

/** `[a-zA-Z_:]`: the first character of a metric name. */
export function isMetricNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

/** `[a-zA-Z0-9_:]`. */
export function isMetricNameChar(c: number): boolean {
  return isMetricNameStart(c) || (c >= 48 && c <= 57);
}

/** `[a-zA-Z_]`: the first character of a label name. */
export function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `[a-zA-Z0-9_]`. */
export function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}

/** Whether `name` is a metric name of the legacy (unquoted) syntax. */
export function isLegacyMetricName(name: string): boolean {
  if (name.length === 0 || !isMetricNameStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < name.length; i++) if (!isMetricNameChar(name.charCodeAt(i))) return false;
  return true;
}

/** The label pairs of a sample without a label set. */
export const NO_LABELS: readonly Label[] = Object.freeze([]);

const SNIPPET_MAX = 40; // characters of context quoted in error messages

/**
 * The shared cursor. `openMetrics` switches the lexical rules that differ: OpenMetrics allows no
 * blanks inside label sets and no trailing comma, and keeps unknown escapes (`\z`) literally where
 * the text format rejects them.
 */
export abstract class Scanner {
  protected readonly src: string;
  protected readonly end: number;
  protected readonly openMetrics: boolean;
  /** Current position in `src`. */
  protected pos = 0;
  /** 1-based number of the line being read. */
  protected line = 1;
  /** Where the line being read starts. */
  protected lineStart = 0;
  /** The last string read by scanQuoted. */
  protected str = '';
  /** The metric name found as a quoted item inside the last label set, or ''. */
  protected quotedName = '';
  /** Labels of the last label set, in input order. */
  protected pairs: readonly Label[] = NO_LABELS;

  constructor(src: string, openMetrics: boolean) {
    this.src = src;
    this.end = src.length;
    this.openMetrics = openMetrics;
  }

  /** The char code at pos, or -1 at the end of input. */
  protected peek(): number {
    return this.pos < this.end ? this.src.charCodeAt(this.pos) : -1;
  }

  protected fail(reason: string): never {
    throw new ExpositionParseError(reason, this.line);
  }

  /** Fails with `${expected}, got "…" while parsing: "…"`, quoting the token at pos. */
  protected expected(what: string): never {
    this.fail(`${what}, got ${this.describeToken()} while parsing: ${JSON.stringify(this.lineSoFar())}`);
  }

  /** The token at pos, quoted, for error messages. */
  protected describeToken(): string {
    const c = this.peek();
    if (c === -1) return 'end of input';
    if (c === C_NL) return 'end of line';
    let i = this.pos + 1;
    if (isMetricNameChar(c)) while (i < this.end && i - this.pos < SNIPPET_MAX && isMetricNameChar(this.src.charCodeAt(i))) i++;
    return JSON.stringify(this.src.substring(this.pos, i));
  }

  /** The current line up to and including pos, shortened. */
  protected lineSoFar(): string {
    const to = Math.min(this.pos + 1, this.end);
    let s = this.src.substring(this.lineStart, to);
    if (s.endsWith('\n')) s = s.slice(0, -1);
    return s.length > SNIPPET_MAX ? '…' + s.slice(s.length - SNIPPET_MAX) : s;
  }

  /** Skips spaces and tabs. */
  protected skipBlanks(): void {
    while (this.pos < this.end) {
      const c = this.src.charCodeAt(this.pos);
      if (c !== C_SP && c !== C_TAB) return;
      this.pos++;
    }
  }

  /** Consumes the newline at pos and starts the next line. */
  protected newline(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  /** Reads a legacy metric name at pos (the caller checked the first char). */
  protected scanMetricName(): string {
    const start = this.pos++;
    while (this.pos < this.end && isMetricNameChar(this.src.charCodeAt(this.pos))) this.pos++;
    return this.src.substring(start, this.pos);
  }

  /**
   * Reads a double-quoted string at pos (on the opening quote) into `str`, decoding `\\`, `\"`
   * and `\n`. A raw newline or the end of input inside the quotes is an error.
   */
  protected scanQuoted(what: string): void {
    const src = this.src;
    let i = ++this.pos;
    // Fast path: no escapes.
    for (; i < this.end; i++) {
      const c = src.charCodeAt(i);
      if (c === C_QUOTE) {
        this.str = src.substring(this.pos, i);
        this.pos = i + 1;
        return;
      }
      if (c === C_BACKSLASH || c === C_NL) break;
    }
    let out = src.substring(this.pos, i);
    for (; i < this.end; i++) {
      const c = src.charCodeAt(i);
      if (c === C_QUOTE) {
        this.str = out;
        this.pos = i + 1;
        return;
      }
      if (c === C_NL) {
        this.pos = i;
        this.fail(`${what} contains an unescaped newline`);
      }
      if (c !== C_BACKSLASH) {
        out += src[i];
        continue;
      }
      const e = i + 1 < this.end ? src.charCodeAt(i + 1) : -1;
      if (e === C_BACKSLASH || e === C_QUOTE) out += src[i + 1];
      else if (e === 110 /* n */) out += '\n';
      else if (this.openMetrics && e !== C_NL && e !== -1) out += src[i] + src[i + 1];
      else {
        this.pos = i;
        this.fail(`invalid escape sequence ${JSON.stringify(src.substring(i, i + 2))} in ${what}`);
      }
      i++;
    }
    this.pos = i;
    this.fail(`unterminated quoted ${what}`);
  }

  /**
   * Reads a label set at pos (on `{`) into `pairs` (in input order, empty values kept) and
   * `quotedName`. With `allowName`, a quoted string not followed by `=` is the metric name (the
   * UTF-8 syntax `{"my.metric", a="b"}`). Label names are checked; duplicates are not (see
   * canonicalLabels).
   */
  protected scanLabelSet(allowName: boolean): void {
    const om = this.openMetrics;
    const pairs: Label[] = [];
    this.pairs = pairs;
    this.quotedName = '';
    this.pos++; // {
    for (;;) {
      if (!om) this.skipBlanks();
      let c = this.peek();
      if (c === C_RBRACE && (!om || pairs.length === 0)) {
        this.pos++;
        return;
      }
      let name: string;
      let quoted = false;
      if (c === C_QUOTE) {
        this.scanQuoted('label name');
        name = this.str;
        quoted = true;
      } else if (isLabelNameStart(c)) {
        const start = this.pos++;
        while (this.pos < this.end && isLabelNameChar(this.src.charCodeAt(this.pos))) this.pos++;
        name = this.src.substring(start, this.pos);
      } else {
        this.expected('expected label name');
      }
      if (!om) this.skipBlanks();
      c = this.peek();
      if (c === C_EQ) {
        if (name === '') this.fail('empty label name');
        if (name === METRIC_NAME) this.fail(`label name "${METRIC_NAME}" is reserved`);
        this.pos++;
        if (!om) this.skipBlanks();
        if (this.peek() !== C_QUOTE) this.expected('expected quoted label value');
        this.scanQuoted('label value');
        pairs.push({ name, value: this.str });
      } else if (quoted && allowName && (c === C_COMMA || c === C_RBRACE)) {
        if (name === '') this.fail('empty metric name');
        if (this.quotedName !== '') this.fail(`metric name given twice: ${JSON.stringify(this.quotedName)} and ${JSON.stringify(name)}`);
        this.quotedName = name;
      } else {
        this.expected(`expected "=" after label name ${JSON.stringify(name)}`);
      }
      if (!om) this.skipBlanks();
      c = this.peek();
      if (c === C_COMMA) {
        this.pos++;
        if (om && this.peek() === C_RBRACE) this.expected('expected label name after ","');
        continue;
      }
      if (c === C_RBRACE) {
        this.pos++;
        return;
      }
      this.expected('expected "," or "}" after label value');
    }
  }

  /**
   * The canonical Labels of `pairs` plus __name__ (unless `name` is ''): sorted, duplicates
   * rejected, empty values dropped (an empty label does not exist in Prometheus). Fresh array.
   */
  protected canonicalLabels(name: string): Labels {
    const pairs = this.pairs;
    const out: Label[] = [];
    if (name !== '') out.push({ name: METRIC_NAME, value: name });
    for (let i = 0; i < pairs.length; i++) {
      const l = pairs[i];
      // Insertion sort: exporters mostly emit sorted labels, so this is usually one compare.
      let j = out.length;
      while (j > 0 && out[j - 1].name > l.name) j--;
      if (j > 0 && out[j - 1].name === l.name) this.fail(`duplicate label name ${JSON.stringify(l.name)}`);
      if (j === out.length) out.push(l);
      else out.splice(j, 0, l);
    }
    let hasEmpty = false;
    for (let i = 0; i < out.length; i++) if (out[i].value === '') hasEmpty = true;
    return hasEmpty ? out.filter((l) => l.value !== '') : out;
  }
}
