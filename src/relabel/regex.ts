/**
 * @module Relabelling regexes: RE2 syntax compiled to a fully anchored JS RegExp, and Go's
 * Regexp.Expand for `$1`, `${1}`, `${name}` and `$$` templates.
 *
 * Provenance: the anchoring (`^(?s:…)$`) and template rules follow prometheus/prometheus
 * model/relabel/relabel.go and Go's regexp.Expand (both Apache-2.0 / BSD-3-Clause).
 */

/** A relabelling regex: matches the whole input, and `.` also matches newlines, like Prometheus 3. */
export class RelabelRegex {
  /** The pattern as written in the config, without the anchors. */
  readonly source: string;
  readonly #re: RegExp;

  /** Compiles an RE2-style pattern. Throws an Error naming the problem when it does not compile. */
  constructor(source: string) {
    this.source = source;
    this.#re = compileAnchored(source);
  }

  /** Whether the whole string matches. */
  test(s: string): boolean {
    return this.#re.test(s);
  }

  /** The match with its groups, or null. The regex is stateless (no g/y flag), so this is re-entrant. */
  exec(s: string): RegExpExecArray | null {
    return this.#re.exec(s);
  }

  toString(): string {
    return this.source;
  }
}

/** The regex a config gets when it names none: `(.*)`. Compared by identity, as Prometheus does. */
export const DEFAULT_REGEX = new RelabelRegex('(.*)');

/**
 * Expands a replacement template against a match, exactly like Go's Regexp.Expand:
 * `$$` is a literal `$`; `$name` takes the longest run of letters, digits and `_`; `${name}`
 * is braced; a number picks a group by index, anything else a named group; a group that is
 * missing or did not take part gives ''; a `$` that starts no valid reference is kept as is.
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let i = template.indexOf('$');
  if (i < 0) return template;
  let out = template.slice(0, i);
  while (i >= 0) {
    const at = i + 1; // just after '$'
    if (template[at] === '$') {
      out += '$';
      i = at + 1;
    } else {
      const ref = readReference(template, at);
      if (ref === null) {
        out += '$';
        i = at;
      } else {
        out += groupText(m, ref.name);
        i = ref.end;
      }
    }
    const next = template.indexOf('$', i);
    out += template.slice(i, next < 0 ? template.length : next);
    i = next;
  }
  return out;
}

// unicode.IsLetter, unicode.IsDigit and '_' as Go's regexp.extract accepts them.
const NAME_CHAR = /[\p{L}\p{Nd}_]/uy;

function readReference(t: string, at: number): { name: string; end: number } | null {
  const brace = t[at] === '{';
  let i = brace ? at + 1 : at;
  const start = i;
  while (i < t.length) {
    NAME_CHAR.lastIndex = i;
    if (!NAME_CHAR.test(t)) break;
    i = NAME_CHAR.lastIndex;
  }
  if (i === start) return null; // empty name
  const name = t.slice(start, i);
  if (brace) {
    if (t[i] !== '}') return null; // missing closing brace
    i++;
  }
  return { name, end: i };
}

function groupText(m: RegExpExecArray, name: string): string {
  // Go reads a group number only from ASCII digits without a leading zero, below 1e8.
  if (/^(?:0|[1-9][0-9]{0,7})$/.test(name)) return m[Number(name)] ?? '';
  return m.groups?.[name] ?? '';
}

/**
 * Compiles an RE2 pattern as `^(?:pattern)$` with dotAll. Tries Unicode mode first so that `.`
 * and classes take whole code points (as RE2 takes runes), and falls back to legacy mode for
 * patterns only it accepts, such as the identity escape `\:` that RE2 allows.
 */
function compileAnchored(source: string): RegExp {
  const { pattern, flags, multiLine } = translateRe2(source);
  // With (?m) the outer anchors must still mean start and end of text, so they become lookarounds.
  const wrapped = multiLine ? `(?<![\\s\\S])(?:${pattern})(?![\\s\\S])` : `^(?:${pattern})$`;
  try {
    return new RegExp(wrapped, `s${flags}u`);
  } catch (unicodeError) {
    // \p{…} and \u{…} mean something else outside Unicode mode, so no fallback for them.
    if (/\\[pPu]\{/.test(pattern)) throw unicodeError;
    return new RegExp(wrapped, `s${flags}`);
  }
}

// RE2's ASCII classes ([[:alpha:]] …), as JS class contents.
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * Rewrites the RE2 constructs that JS spells differently: `(?P<name>…)`, a leading `(?i)`/`(?s)`/`(?m)`
 * flag group, `\A`, `\z`, `\Q…\E`, `\pL`, `\x{1F600}`, `[[:alpha:]]` and a `]` first in a class.
 * Everything else is passed through; JS then rejects what it does not know.
 */
function translateRe2(src: string): { pattern: string; flags: string; multiLine: boolean } {
  let flags = '';
  let multiLine = false;
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'i') flags = 'i';
      else if (f === 'm') multiLine = true;
      else if (f !== 's') throw new Error(`unsupported flag (?${f}) in regex`);
    }
    i = lead[0].length;
  }
  if (multiLine) flags += 'm';
  let out = '';
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const [text, next] = translateEscape(src, i, false);
      out += text;
      i = next;
    } else if (c === '[') {
      const [text, next] = translateClass(src, i);
      out += text;
      i = next;
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 4;
    } else {
      out += c;
      i++;
    }
  }
  return { pattern: out, flags, multiLine };
}

function translateEscape(src: string, i: number, inClass: boolean): [string, number] {
  const d = src[i + 1];
  if (d === undefined) throw new Error('trailing backslash at end of regex');
  if (!inClass && d === 'A') return ['(?<![\\s\\S])', i + 2];
  if (!inClass && d === 'z') return ['(?![\\s\\S])', i + 2];
  if (d === 'Q') {
    const end = src.indexOf('\\E', i + 2);
    const literal = src.slice(i + 2, end < 0 ? src.length : end);
    return [literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), end < 0 ? src.length : end + 2];
  }
  if ((d === 'p' || d === 'P') && /[A-Za-z]/.test(src[i + 2] ?? '')) return [`\\${d}{${src[i + 2]}}`, i + 3];
  if (d === 'x' && src[i + 2] === '{') {
    const end = src.indexOf('}', i + 3);
    if (end < 0) throw new Error('missing } in \\x{…} escape');
    return [`\\u{${src.slice(i + 3, end)}}`, end + 1];
  }
  return [src.slice(i, i + 2), i + 2];
}

function translateClass(src: string, start: number): [string, number] {
  let out = '[';
  let i = start + 1;
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  if (src[i] === ']') {
    // RE2 reads a ']' right after '[' or '[^' as a literal; JS would end the class there.
    out += '\\]';
    i++;
  }
  while (i < src.length && src[i] !== ']') {
    if (src[i] === '\\') {
      const [text, next] = translateEscape(src, i, true);
      out += text;
      i = next;
      continue;
    }
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i, i + 12));
    if (posix) {
      const body = POSIX_CLASSES[posix[2]];
      if (body === undefined) throw new Error(`invalid character class range [:${posix[2]}:]`);
      if (posix[1]) throw new Error(`negated POSIX class [:^${posix[2]}:] is not supported`);
      out += body;
      i += posix[0].length;
      continue;
    }
    out += src[i];
    i++;
  }
  if (i >= src.length) throw new Error(`missing closing ] in ${JSON.stringify(src.slice(start))}`);
  return [out + ']', i + 1];
}
