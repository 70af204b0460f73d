/**
 * @module Matchers → postings (Prometheus tsdb/querier.go PostingsForMatchers): intersect the refs
 * of matchers that cannot match the empty string, then subtract the refs that fail a matcher that
 * can (a series lacking the label matches it). Each distinct value is tested at most once.
 */
import type { Matcher } from '../../model/matcher.ts';
import type { LabelPairs } from './label-pairs.ts';
import { intersect, subtract, union, type PostingsStore } from './postings.ts';
import { regexShape, type RegexShape } from './regex-shape.ts';

/** Options of postingsForMatchers. */
export interface MatchOptions {
  /** Use the literal-alternation and prefix fast paths (default true); tests turn them off to compare. */
  readonly fastPaths?: boolean;
}

const shapes = new Map<string, RegexShape>();
function shapeOf(source: string): RegexShape {
  let s = shapes.get(source);
  if (s === undefined) {
    s = regexShape(source);
    if (shapes.size >= 1024) shapes.clear();
    shapes.set(source, s);
  }
  return s;
}

/**
 * Pair ids of `name` whose value the matcher's regex matches (for =~ and !~ alike: the regex,
 * not the matcher). Fast paths by regex shape; otherwise every value is tested once.
 */
function pairsWhereRegex(pairs: LabelPairs, m: Matcher, fast: boolean): number[] {
  const out: number[] = [];
  const re = (v: string): boolean => (m.type === '=~' ? m.matches(v) : !m.matches(v));
  const shape = fast ? shapeOf(m.value) : ({ kind: 'other' } as const);
  if (shape.kind === 'literals') {
    const values = pairs.valuesOf(m.name);
    if (values === undefined) return out;
    for (const v of shape.values) {
      const id = values.get(v);
      if (id !== undefined && !out.includes(id)) out.push(id);
    }
    return out;
  }
  const sorted = pairs.pairsOf(m.name);
  if (shape.kind === 'prefix') {
    const p = shape.prefix;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pairs.label(sorted[mid]).value < p) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length; i++) {
      const v = pairs.label(sorted[i]).value;
      if (!v.startsWith(p)) break;
      if (!shape.nonEmptyRest || v.length > p.length) out.push(sorted[i]);
    }
    return out;
  }
  for (let i = 0; i < sorted.length; i++) if (re(pairs.label(sorted[i]).value)) out.push(sorted[i]);
  return out;
}

/** Pair ids of `name` whose value satisfies `want(value)` (every present value is tested once). */
function pairsWhere(pairs: LabelPairs, name: string, want: (v: string) => boolean): number[] {
  const out: number[] = [];
  const sorted = pairs.pairsOf(name);
  for (let i = 0; i < sorted.length; i++) if (want(pairs.label(sorted[i]).value)) out.push(sorted[i]);
  return out;
}

/**
 * Pair ids such that a series fails m exactly when it carries one of them (m matches ''), or
 * matches m exactly when it carries one of them (m does not match '').
 */
function pairsFor(pairs: LabelPairs, m: Matcher, matchesEmpty: boolean, fast: boolean): number[] {
  switch (m.type) {
    case '=': {
      if (matchesEmpty) return pairsWhere(pairs, m.name, () => true); // ="" : any value fails
      const id = pairs.lookup(m.name, m.value);
      return id < 0 ? [] : [id];
    }
    case '!=': {
      if (!matchesEmpty) return pairsWhere(pairs, m.name, () => true); // !="" : any value matches
      const id = pairs.lookup(m.name, m.value);
      return id < 0 ? [] : [id];
    }
    case '=~':
      // Doesn't match '': series match when their value matches the regex. Matches '': they fail
      // when their value doesn't.
      return matchesEmpty ? pairsWhere(pairs, m.name, (v) => !m.matches(v)) : pairsWhereRegex(pairs, m, fast);
    case '!~':
      return matchesEmpty ? pairsWhereRegex(pairs, m, fast) : pairsWhere(pairs, m.name, (v) => m.matches(v));
  }
}

/**
 * Sorted refs of the series that satisfy every matcher. With no matcher that rejects '' the
 * base set is every series (callers that need one, like select, check that first).
 */
export function postingsForMatchers(pairs: LabelPairs, postings: PostingsStore, matchers: readonly Matcher[], options: MatchOptions = {}): Uint32Array {
  const fast = options.fastPaths ?? true;
  const positive: Uint32Array[] = [];
  const negative: Uint32Array[] = [];
  for (const m of matchers) {
    const empty = m.matchesEmpty();
    const ids = pairsFor(pairs, m, empty, fast);
    if (empty) {
      if (ids.length > 0) negative.push(union(ids.map((id) => postings.get(id))));
    } else {
      if (ids.length === 0) return new Uint32Array(0);
      positive.push(union(ids.map((id) => postings.get(id))));
    }
  }
  let result: Uint32Array;
  if (positive.length === 0) {
    result = postings.all();
  } else {
    positive.sort((a, b) => a.length - b.length);
    result = positive[0];
    for (let i = 1; i < positive.length && result.length > 0; i++) result = intersect(result, positive[i]);
  }
  for (const neg of negative) result = subtract(result, neg);
  return result;
}
