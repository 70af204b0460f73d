/**
 * @module Recognises the regex shapes selectors use most, so the index can skip testing every
 * value (Prometheus model/labels/regexp.go does the same): a literal alternation `a|b|c` becomes
 * direct lookups, a literal prefix `foo.*` / `foo.+` a range scan over sorted values.
 */

/** What a (fully anchored) matcher regex is, as far as the index cares. */
export type RegexShape =
  | { readonly kind: 'literals'; readonly values: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly nonEmptyRest: boolean }
  | { readonly kind: 'other' };

const META = new Set(['.', '[', ']', '{', '}', '(', ')', '*', '+', '?', '^', '$', '|', '\\']);

/** The literal text of `s` with `\x` escapes of punctuation resolved, or null if s has regex syntax. */
function literal(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const next = s[i + 1];
      // \d, \w, \s, \b, \n … are classes or escapes with meaning; only escaped punctuation is literal.
      if (next === undefined || /[0-9A-Za-z]/.test(next)) return null;
      out += next;
      i++;
    } else if (META.has(c)) {
      return null;
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits on top-level '|' (not escaped); null when the source has groups or classes. */
function alternatives(src: string): string[] | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '(' || c === '[') return null;
    else if (c === '|') {
      parts.push(src.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(src.slice(start));
  return parts;
}

/** Removes one outer `( … )` or `(?: … )` that wraps the whole source and holds no other group. */
function unwrap(src: string): string {
  const m = /^\((?:\?:)?(.*)\)$/s.exec(src);
  if (m && !/(^|[^\\])[()]/.test(m[1])) return m[1];
  return src;
}

/** Classifies a matcher's regex source (as given to =~ / !~, before anchoring). */
export function regexShape(source: string): RegexShape {
  const src = unwrap(source);
  const alts = alternatives(src);
  if (alts !== null) {
    const values: string[] = [];
    for (const a of alts) {
      const lit = literal(a);
      if (lit === null) {
        values.length = 0;
        break;
      }
      values.push(lit);
    }
    if (values.length === alts.length) return { kind: 'literals', values };
  }
  if (src.endsWith('.*') || src.endsWith('.+')) {
    const head = src.slice(0, -2);
    // 'a\.*' ends in an escaped dot followed by '*': not a prefix.
    if (!head.endsWith('\\') || head.endsWith('\\\\')) {
      const lit = literal(head);
      if (lit !== null) return { kind: 'prefix', prefix: lit, nonEmptyRest: src.endsWith('.+') };
    }
  }
  return { kind: 'other' };
}
