/**
 * @module Line and field scanning plus strict number parsing for kernel text files. The number
 * rules follow Go's strconv (ParseUint, ParseFloat), which node_exporter's parsers use, so a
 * value we accept is one node_exporter accepts too.
 */

/** Walks the lines of a text without splitting it into an array first. */
export class LineCursor {
  #text: string;
  #pos = 0;
  /** 1-based number of the line last returned; 0 before the first. */
  lineNo = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** The next line without its '\n', or undefined at the end. A final '\n' ends no extra line. */
  next(): string | undefined {
    const text = this.#text;
    if (this.#pos >= text.length) return undefined;
    let end = text.indexOf('\n', this.#pos);
    if (end < 0) end = text.length;
    const line = text.slice(this.#pos, end);
    this.#pos = end + 1;
    this.lineNo++;
    return line;
  }
}

/**
 * Splits `line` at runs of blanks (space, tab, CR, VT, FF: Go's strings.Fields for ASCII) into
 * `out`, which is cleared first and reused by the caller. Returns the field count.
 */
export function splitFields(line: string, out: string[]): number {
  out.length = 0;
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const blank = c === 32 || (c >= 9 && c <= 13);
    if (blank) {
      if (start >= 0) {
        out.push(line.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(line.slice(start));
  return out.length;
}

/** Whether `s` is a decimal unsigned integer as Go's strconv.ParseUint(s, 10, 64) takes it (range aside). */
export function isUint(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * `s` as an unsigned integer, or undefined when it is not one. Values above 2^53 round to the
 * nearest double, as node_exporter's float64(uint64) conversion does.
 */
export function toUint(s: string): number | undefined {
  return isUint(s) ? Number(s) : undefined;
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * `s` as Go's strconv.ParseFloat(s, 64) reads decimal input (with inf/infinity/nan spelled in any
 * case), or undefined when it is not a number. Hex floats and digit underscores, which no kernel
 * file prints, are refused.
 */
export function toFloat(s: string): number | undefined {
  if (DECIMAL_FLOAT.test(s)) return Number(s);
  if (!SPECIAL_FLOAT.test(s)) return undefined;
  const neg = s.charCodeAt(0) === 45;
  const body = s.replace(/^[+-]/, '').toLowerCase();
  if (body === 'nan') return NaN;
  return neg ? -Infinity : Infinity;
}

