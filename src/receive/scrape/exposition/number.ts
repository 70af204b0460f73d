/**
 * @module Number syntax of the exposition formats, checked by hand over a string range (no
 * slicing, no regex) and converted by the engine's correctly rounded Number().
 *
 * - Text 0.0.4 values: Go's strconv.ParseFloat syntax (decimal, hexadecimal with a `p`
 *   exponent, case-insensitive `inf`/`infinity` with optional sign, `nan`). Underscores, which Go
 *   accepts only after a base prefix, are not accepted.
 * - OpenMetrics values: the same without hexadecimal (OpenMetrics 1.0 ABNF `number`).
 * - Text timestamps: Go strconv.ParseInt base 10 (optional sign, digits).
 * - OpenMetrics timestamps: `realnumber` (decimal only, no inf/nan) in seconds.
 */

const C_PLUS = 43;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Length of the common case-insensitive prefix of s[i..end) and `lower` (lowercase ASCII). */
function prefixIgnoreCase(s: string, i: number, end: number, lower: string): number {
  let n = 0;
  while (n < lower.length && i + n < end && (s.charCodeAt(i + n) | 0x20) === lower.charCodeAt(n)) n++;
  return n;
}

/**
 * End of a decimal float `digits [. digits] [e [sign] digits]` starting at i (at least one mantissa
 * digit), or -1 when there is none. Does not require reaching `end`.
 */
function scanDecimal(s: string, i: number, end: number): number {
  let digits = 0;
  while (i < end && isDigit(s.charCodeAt(i))) i++, digits++;
  if (i < end && s.charCodeAt(i) === C_DOT) {
    i++;
    while (i < end && isDigit(s.charCodeAt(i))) i++, digits++;
  }
  if (digits === 0) return -1;
  if (i < end && (s.charCodeAt(i) | 0x20) === 101 /* e */) {
    i++;
    if (i < end && (s.charCodeAt(i) === C_PLUS || s.charCodeAt(i) === C_MINUS)) i++;
    const expStart = i;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    if (i === expStart) return -1;
  }
  return i;
}

/** Infinity/NaN spellings shared by Go and OpenMetrics, or undefined when s[start..end) is not one. */
function special(s: string, start: number, end: number): number | undefined {
  let i = start;
  let sign = 1;
  const c = s.charCodeAt(i);
  if (c === C_PLUS || c === C_MINUS) {
    if (c === C_MINUS) sign = -1;
    i++;
  } else if ((c | 0x20) === 110 /* n */) {
    return end - i === 3 && prefixIgnoreCase(s, i, end, 'nan') === 3 ? NaN : undefined;
  }
  const len = end - i;
  if ((len === 3 || len === 8) && prefixIgnoreCase(s, i, end, 'infinity') === len) return sign * Infinity;
  return undefined;
}

/** A hexadecimal float `0x mantissa p exponent` (sign already consumed), or undefined. */
function hexFloat(s: string, i: number, end: number, sign: number): number | undefined {
  i += 2; // 0x
  let mantissa = 0;
  let digits = 0;
  let exp = 0;
  let seenDot = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === C_DOT && !seenDot) {
      seenDot = true;
    } else if (isHexDigit(c)) {
      mantissa = mantissa * 16 + parseInt(s[i], 16);
      digits++;
      if (seenDot) exp -= 4;
    } else break;
  }
  if (digits === 0 || i >= end || (s.charCodeAt(i) | 0x20) !== 112 /* p */) return undefined;
  i++;
  let expSign = 1;
  if (i < end && (s.charCodeAt(i) === C_PLUS || s.charCodeAt(i) === C_MINUS)) {
    if (s.charCodeAt(i) === C_MINUS) expSign = -1;
    i++;
  }
  if (i === end) return undefined;
  let e = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    e = e * 10 + (c - C_0);
  }
  return sign * mantissa * 2 ** (exp + expSign * e);
}

/**
 * Parses s[start..end) as a float. `hex` allows Go's hexadecimal floats (text format).
 * Returns undefined when the range is not a valid number (NaN is a valid result).
 */
export function parseFloatRange(s: string, start: number, end: number, hex: boolean): number | undefined {
  if (start >= end) return undefined;
  let i = start;
  const c0 = s.charCodeAt(i);
  let sign = 1;
  if (c0 === C_PLUS || c0 === C_MINUS) {
    if (c0 === C_MINUS) sign = -1;
    i++;
  }
  const c = s.charCodeAt(i);
  if (isDigit(c) || c === C_DOT) {
    if (hex && c === C_0 && i + 1 < end && (s.charCodeAt(i + 1) | 0x20) === 120 /* x */) return hexFloat(s, i, end, sign);
    if (scanDecimal(s, i, end) !== end) return undefined;
    return Number(s.substring(start, end));
  }
  return special(s, start, end);
}

/** Parses s[start..end) as a base-10 integer with optional sign (Go ParseInt), or undefined. */
export function parseIntRange(s: string, start: number, end: number): number | undefined {
  let i = start;
  let sign = 1;
  if (i < end && (s.charCodeAt(i) === C_PLUS || s.charCodeAt(i) === C_MINUS)) {
    if (s.charCodeAt(i) === C_MINUS) sign = -1;
    i++;
  }
  if (i === end) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    v = v * 10 + (c - C_0);
  }
  return sign * v;
}

/**
 * Parses an OpenMetrics timestamp s[start..end) (decimal seconds) into integer milliseconds,
 * truncating sub-millisecond digits toward zero as Prometheus does (`int64(ts * 1000)`). The
 * decimal point is shifted in the digit string, so `1700215884.373` gives exactly
 * 1700215884373 with no binary rounding. Returns undefined when the range is not a realnumber.
 */
export function parseSecondsToMs(s: string, start: number, end: number): number | undefined {
  let i = start;
  let negative = false;
  if (i < end && (s.charCodeAt(i) === C_PLUS || s.charCodeAt(i) === C_MINUS)) {
    negative = s.charCodeAt(i) === C_MINUS;
    i++;
  }
  if (scanDecimal(s, i, end) !== end) return undefined;
  // Digits of the mantissa and where the decimal point sits among them.
  let digits = '';
  let point = -1;
  let exp = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === C_DOT) point = digits.length;
    else if (isDigit(c)) digits += s[i];
    else {
      exp = parseIntRange(s, i + 1, end) ?? 0;
      break;
    }
  }
  if (point < 0) point = digits.length;
  const shift = point + exp + 3; // digits before the new point (milliseconds)
  let ms: number;
  if (shift <= 0) ms = 0;
  else if (shift >= digits.length) ms = Number(digits) * 10 ** (shift - digits.length);
  else ms = Number(digits.substring(0, shift));
  return negative && ms !== 0 ? -ms : ms;
}
