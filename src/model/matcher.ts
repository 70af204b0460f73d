/** @module Label matchers: =, !=, =~, !~ with Prometheus' fully anchored regex semantics. */
import type { Labels } from './labels.ts';
import { labelValue } from './labels.ts';

/** A matcher operator as written in PromQL. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** Matches one label's value; an absent label matches as the empty string, like Prometheus. */
export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly #re: RegExp | undefined;

  /** Throws InvalidMatcherError when a regex does not compile. */
  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      try {
        // Prometheus anchors both ends and lets '.' match newlines (RE2 (?s)).
        this.#re = new RegExp(`^(?:${value})$`, 's');
      } catch (cause) {
        throw new InvalidMatcherError(`invalid regular expression ${JSON.stringify(value)} for label ${name}`, { cause });
      }
    }
  }

  /** Whether a label value (or '' for an absent label) satisfies this matcher. */
  matches(value: string): boolean {
    switch (this.type) {
      case '=': return value === this.value;
      case '!=': return value !== this.value;
      case '=~': return this.#re!.test(value);
      case '!~': return !this.#re!.test(value);
    }
  }

  /** Whether a whole label set satisfies this matcher. */
  matchesLabels(labels: Labels): boolean {
    return this.matches(labelValue(labels, this.name));
  }

  /** True when this matcher also selects series that lack the label entirely. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

/** A matcher whose regex does not compile. */
export class InvalidMatcherError extends Error {
  readonly code = 'bad_matcher';
}

/** Whether every matcher accepts the label set. */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matchesLabels(labels)) return false;
  return true;
}
