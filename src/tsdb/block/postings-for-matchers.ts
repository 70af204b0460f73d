/**
 * @module Label matchers → postings (Prometheus tsdb/querier.go PostingsForMatchers): intersect the
 * lists of matchers that need the label, subtract those of matchers that also accept its absence.
 * Regex matchers that are literal alternations (`a|b|c`) or prefixes (`foo.*`) are answered by
 * looking values up in the sorted value list instead of running the regex on every value.
 */
import type { Matcher } from '../../model/matcher.ts';
import { lowerBound, type BlockIndex } from './index-reader.ts';
import { intersect, subtract, union } from '../postings-set.ts';

/** What a regex reduces to, when it is simple enough to skip the regex engine. */
export type RegexShape =
  /** Matches exactly these strings (which may include ''). */
  | { readonly kind: 'literals'; readonly literals: readonly string[] }
  /** Matches every string starting with `prefix` (all strings for ''). */
  | { readonly kind: 'prefix'; readonly prefix: string };

const DOTSTAR = -1;
const ALT = -2;
const META = '.+*?()[]{}^$|\\';

/**
 * The shape of a matcher regex (fully anchored, `.` matching newlines, as Matcher compiles it), or
 * null when it is not one of: literal alternatives `a|b|c`, a literal prefix followed by `.*`, or
 * either wrapped in one `( )` or `(?: )` group. Escaped punctuation (`\.`) counts as literal.
 */
export function analyzeRegex(src: string): RegexShape | null {
  let s = src;
  if (s.startsWith('(?:') && s.endsWith(')') && !/[()]/.test(unescapedParens(s.slice(3, -1)))) s = s.slice(3, -1);
  else if (s.startsWith('(') && !s.startsWith('(?') && s.endsWith(')') && !/[()]/.test(unescapedParens(s.slice(1, -1)))) s = s.slice(1, -1);
  const tokens: Array<string | number> = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const d = s[i + 1];
      // \d, \w, \b, \1, \x41, \u0041 … are not literals; any escaped punctuation is.
      if (d === undefined || /[A-Za-z0-9]/.test(d)) return null;
      tokens.push(d);
      i++;
    } else if (c === '|') {
      tokens.push(ALT);
    } else if (c === '.' && s[i + 1] === '*' && s[i + 2] !== '?' && s[i + 2] !== '+') {
      tokens.push(DOTSTAR);
      i++;
    } else if (META.includes(c)) {
      return null;
    } else {
      tokens.push(c);
    }
  }
  const dotstars = tokens.filter((t) => t === DOTSTAR).length;
  if (dotstars === 0) {
    const literals: string[] = [''];
    for (const t of tokens) {
      if (t === ALT) literals.push('');
      else literals[literals.length - 1] += t as string;
    }
    return { kind: 'literals', literals };
  }
  if (dotstars === 1 && tokens[tokens.length - 1] === DOTSTAR && !tokens.includes(ALT)) {
    return { kind: 'prefix', prefix: tokens.slice(0, -1).join('') };
  }
  return null;
}

/** `s` with escaped characters removed, so only unescaped parentheses remain to be found. */
function unescapedParens(s: string): string {
  return s.replace(/\\./gs, '');
}

/**
 * Indices i of `values` (sorted, non-empty, unique) where `m.matches(values[i]) === want`,
 * ascending. With `fastPaths` false every value goes through the matcher (the reference path).
 */
export function valueIndices(values: readonly string[], m: Matcher, want: boolean, fastPaths = true): number[] {
  let hits: number[] | null = null; // sorted indices where the equality / regex holds
  let range: [number, number] | null = null;
  let negate = false;
  if (m.type === '=' || m.type === '!=') {
    const i = lowerBound(values, m.value);
    hits = i < values.length && values[i] === m.value ? [i] : [];
    negate = m.type === '!=';
  } else if (fastPaths) {
    const shape = analyzeRegex(m.value);
    if (shape !== null) {
      negate = m.type === '!~';
      if (shape.kind === 'literals') {
        const found = new Set<number>();
        for (const lit of shape.literals) {
          const i = lowerBound(values, lit);
          if (i < values.length && values[i] === lit) found.add(i);
        }
        hits = [...found].sort((a, b) => a - b);
      } else {
        const lo = lowerBound(values, shape.prefix);
        let hi = lo;
        while (hi < values.length && values[hi].startsWith(shape.prefix)) hi++;
        range = [lo, hi];
      }
    }
  }
  const out: number[] = [];
  if (hits === null && range === null) {
    for (let i = 0; i < values.length; i++) if (m.matches(values[i]) === want) out.push(i);
    return out;
  }
  const inside = want !== negate; // whether we want the indices where the equality / regex holds
  if (range !== null) {
    const [lo, hi] = range;
    if (inside) for (let i = lo; i < hi; i++) out.push(i);
    else {
      for (let i = 0; i < lo; i++) out.push(i);
      for (let i = hi; i < values.length; i++) out.push(i);
    }
    return out;
  }
  if (inside) return hits!;
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    if (j < hits!.length && hits![j] === i) j++;
    else out.push(i);
  }
  return out;
}

/**
 * Refs of the series matching every matcher, ascending (= label order). An absent label matches
 * as ''. With no matcher that requires a label, starts from all series.
 *
 * Only the shortest list a matcher needs is decoded. What it leaves is then filtered through the
 * other lists in their encoded form (BlockIndex.filterByValue), so `{service="a", route="/x"}`
 * costs the service's series, not a decode of every series of the route, let alone of the metric
 * name. A matcher that needs one of several values (`code=~"4..|5.."`), or that drops several,
 * filters per value while that is cheaper than decoding and merging its lists.
 */
export function postingsForMatchers(ix: BlockIndex, matchers: readonly Matcher[], fastPaths = true): Uint32Array {
  const needed: ValueLists[] = [];
  const negative: ValueLists[] = [];
  for (const m of matchers) {
    const values = ix.labelValues(m.name);
    if (m.matchesEmpty()) {
      // Series without the label match; drop those whose value does not.
      const bad = valueIndices(values, m, false, fastPaths);
      if (bad.length > 0) negative.push(valueLists(ix, m.name, bad));
    } else {
      const good = valueIndices(values, m, true, fastPaths);
      if (good.length === 0) return new Uint32Array(0);
      needed.push(valueLists(ix, m.name, good));
    }
  }
  // Smallest first: the one decoded list is the shortest, and every later step is small.
  needed.sort((a, b) => a.entries - b.entries);
  let result: Uint32Array | null = null;
  for (const l of needed) {
    if (result !== null && result.length === 0) break;
    const r: Uint32Array | null = result;
    if (r === null) result = decodeUnion(ix, l);
    else if (l.values.length === 1) result = ix.filterByValue(l.name, l.values[0], r, true);
    // The lists of one name are disjoint: the filtered parts only need merging.
    else if (filterIsCheaper(r, l)) result = union(l.values.map((i) => ix.filterByValue(l.name, i, r, true)));
    else result = intersect(r, decodeUnion(ix, l));
  }
  if (result === null) result = ix.allPostings();
  for (const l of negative) {
    if (result.length === 0) break;
    if (filterIsCheaper(result, l)) for (const i of l.values) result = ix.filterByValue(l.name, i, result, false);
    else result = subtract(result, decodeUnion(ix, l));
  }
  return result;
}

/** The lists of some values of one label name, with their total entries. */
interface ValueLists {
  readonly name: string;
  readonly values: readonly number[];
  readonly entries: number;
}

function valueLists(ix: BlockIndex, name: string, values: readonly number[]): ValueLists {
  let entries = 0;
  for (const i of values) entries += ix.postingsCountOfValue(name, i);
  return { name, values, entries };
}

/** Filtering walks the candidates once per value; decoding costs every entry of the lists. */
function filterIsCheaper(candidates: Uint32Array, l: ValueLists): boolean {
  return candidates.length * l.values.length <= l.entries;
}

function decodeUnion(ix: BlockIndex, l: ValueLists): Uint32Array {
  return union(l.values.map((i) => ix.postingsOfValue(l.name, i)));
}
