/**
 * @module Parses PromQL text into the typed AST (ast.ts) using Prometheus' own lezer grammar, so
 * what parses here is exactly what parses in the Prometheus UI. Errors carry "line:col" like
 * Prometheus; valid constructs this version cannot evaluate throw UnsupportedExpressionError.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { Matcher, type MatchType } from '../model/matcher.ts';
import { METRIC_NAME } from '../model/labels.ts';
import type { AtModifier, BinaryOp, Expr, VectorSelector } from './ast.ts';
import { exprValueType } from './ast.ts';
import { ParseError, UnsupportedExpressionError } from './errors.ts';
import { parseGoFloat, parsePromDuration } from './duration.ts';
import { unquote } from './unquote.ts';

// Human names for grammar nodes this version does not evaluate (named in the error message).
const UNSUPPORTED: Record<string, string> = {
  AggregateExpr: 'aggregation',
  FunctionCall: 'function call',
  MatrixSelector: 'range vector selector',
  SubqueryExpr: 'subquery',
  NumberDurationLiteralInDurationContext: 'duration expression',
};

const BINARY_OPS = new Set<string>(['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless']);
const COMPARISONS = new Set<string>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<string>(['and', 'or', 'unless']);

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** Parses one PromQL expression. Throws ParseError or UnsupportedExpressionError (both code bad_data). */
export function parseExpr(query: string): Expr {
  if (query.trim() === '') throw new ParseError(query, { start: 0, end: 0 }, 'no expression found in input');
  const tree = parser.parse(query);
  let firstError: SyntaxNode | null = null;
  tree.iterate({
    enter(n) {
      if (firstError) return false;
      if (n.type.isError) {
        firstError = n.node;
        return false;
      }
      return undefined;
    },
  });
  if (firstError) throw syntaxError(query, firstError);
  const top = tree.topNode.firstChild;
  if (!top) throw new ParseError(query, { start: 0, end: 0 }, 'no expression found in input');
  return new Converter(query).expr(top);
}

/**
 * Parses a bare series selector (the API's `match[]`): a vector selector without modifiers.
 * Unlike parseExpr it allows selectors whose matchers all match "" (the API reports those itself).
 */
export function parseMetricSelector(input: string): Matcher[] {
  if (input.trim() === '') throw new ParseError(input, { start: 0, end: 0 }, 'unexpected end of input');
  const tree = parser.parse(input);
  let firstError: SyntaxNode | null = null;
  tree.iterate({
    enter(n) {
      if (firstError) return false;
      if (n.type.isError) {
        firstError = n.node;
        return false;
      }
      return undefined;
    },
  });
  if (firstError) throw syntaxError(input, firstError);
  const top = tree.topNode.firstChild;
  if (!top || top.name !== 'VectorSelector') {
    const at = top ? top.from : 0;
    throw new ParseError(input, { start: at, end: top ? top.to : 0 }, 'expected a series selector');
  }
  return [...new Converter(input, false).selector(top).matchers];
}

function syntaxError(query: string, err: SyntaxNode): ParseError {
  const text = query.slice(err.from, err.to);
  const inBraces = err.parent?.name === 'LabelMatchers' || err.parent?.parent?.name === 'LabelMatchers';
  const rest = query.slice(err.from).trim();
  let detail: string;
  if (rest === '') {
    detail = inBraces ? 'unexpected end of input inside braces' : 'unexpected end of input';
  } else if (err.firstChild?.name === 'Identifier') {
    detail = `unexpected identifier ${JSON.stringify(query.slice(err.firstChild.from, err.firstChild.to))}`;
  } else {
    const shown = text !== '' ? text : rest[0];
    detail = `unexpected ${JSON.stringify(shown)}${inBraces ? ' inside braces' : ''}`;
  }
  const start = rest === '' ? query.length : err.from;
  return new ParseError(query, { start, end: Math.max(err.to, start) }, detail);
}

/** Walks the lezer tree of one query; `query` is needed to read token text. */
class Converter {
  readonly #q: string;
  readonly #requireNonEmpty: boolean;
  constructor(query: string, requireNonEmpty = true) {
    this.#q = query;
    this.#requireNonEmpty = requireNonEmpty;
  }

  /** A plain vector selector without modifiers. */
  selector(n: SyntaxNode): VectorSelector {
    return this.#selector(n, 0, null);
  }

  #text(n: SyntaxNode): string {
    return this.#q.slice(n.from, n.to);
  }

  #err(n: SyntaxNode, detail: string): ParseError {
    return new ParseError(this.#q, { start: n.from, end: n.to }, detail);
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'ParenExpr': {
        const inner = n.firstChild;
        if (!inner) throw this.#err(n, 'no expression found in input');
        return this.expr(inner);
      }
      case 'VectorSelector':
        return this.#selector(n, 0, null);
      case 'NumberDurationLiteral':
        return { type: 'NumberLiteral', value: this.#number(n), pos: { start: n.from, end: n.to } };
      case 'StringLiteral':
        return { type: 'StringLiteral', value: this.#string(n), pos: { start: n.from, end: n.to } };
      case 'OffsetExpr':
      case 'StepInvariantExpr':
        return this.#modified(n);
      case 'BinaryExpr':
        return this.#binary(n);
      case 'UnaryExpr':
        return this.#unary(n);
      default:
        throw new UnsupportedExpressionError(this.#q, { start: n.from, end: n.to }, UNSUPPORTED[n.name] ?? `expression type ${n.name}`);
    }
  }

  /** `lhs op [bool] [on(...)…] rhs`, checked like Prometheus checkAST; scalar operands only for now. */
  #binary(n: SyntaxNode): Expr {
    const lhsNode = n.firstChild!;
    const opNode = lhsNode.nextSibling!;
    const rhsNode = n.lastChild!;
    const op = this.#text(opNode).toLowerCase();
    if (!BINARY_OPS.has(op)) throw this.#err(opNode, `unexpected ${JSON.stringify(op)}`);
    let returnBool = false;
    let matching = false;
    for (let c = opNode.nextSibling; c && c !== rhsNode; c = c.nextSibling) {
      if (c.name === 'BoolModifier') returnBool = true;
      else if (c.name === 'MatchingModifierClause') matching = true;
    }
    const lhs = this.expr(lhsNode);
    const rhs = this.expr(rhsNode);
    const lt = exprValueType(lhs);
    const rt = exprValueType(rhs);
    const pos = { start: n.from, end: n.to };
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      throw this.#err(n, 'binary expression must contain only scalar and instant vector types');
    }
    if (returnBool && !COMPARISONS.has(op)) throw this.#err(n, 'bool modifier can only be used on comparison operators');
    if (lt === 'scalar' && rt === 'scalar') {
      if (matching) throw this.#err(n, 'vector matching only allowed between instant vectors');
      if (SET_OPS.has(op)) throw this.#err(n, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
      if (COMPARISONS.has(op) && !returnBool) throw this.#err(n, 'comparisons between scalars must use BOOL modifier');
      return { type: 'BinaryExpr', op: op as BinaryOp, lhs, rhs, returnBool, pos };
    }
    throw new UnsupportedExpressionError(this.#q, pos, 'binary expression with an instant vector operand');
  }

  /** `-expr` / `+expr`; scalar operands only for now. */
  #unary(n: SyntaxNode): Expr {
    const opNode = n.firstChild!;
    const inner = this.expr(opNode.nextSibling!);
    const t = exprValueType(inner);
    if (t !== 'scalar' && t !== 'vector') throw this.#err(n, 'unary expression only allowed on expressions of type scalar or instant vector');
    const pos = { start: n.from, end: n.to };
    if (t === 'vector') throw new UnsupportedExpressionError(this.#q, pos, 'unary expression on an instant vector');
    return { type: 'UnaryExpr', op: this.#text(opNode) === '-' ? '-' : '+', expr: inner, pos };
  }

  /** `expr offset d` and `expr @ t`, possibly nested, around a vector selector. */
  #modified(n: SyntaxNode): Expr {
    let offsetMs: number | null = null;
    let at: AtModifier | null = null;
    let cur: SyntaxNode = n;
    while (cur.name === 'OffsetExpr' || cur.name === 'StepInvariantExpr') {
      const inner = cur.firstChild!;
      if (cur.name === 'OffsetExpr') {
        if (offsetMs !== null) throw this.#err(cur, 'offset may not be set multiple times');
        offsetMs = this.#offset(cur.lastChild!);
      } else {
        if (at !== null) throw this.#err(cur, '@ <timestamp> may not be set multiple times');
        at = this.#at(cur);
      }
      cur = inner;
    }
    if (cur.name === 'VectorSelector') return this.#selector(cur, offsetMs ?? 0, at);
    if (cur.name in UNSUPPORTED) {
      throw new UnsupportedExpressionError(this.#q, { start: cur.from, end: cur.to }, UNSUPPORTED[cur.name]);
    }
    const what = offsetMs !== null ? 'offset modifier' : '@ modifier';
    throw this.#err(n, `${what} must be preceded by an instant vector selector or range vector selector or a subquery`);
  }

  #offset(d: SyntaxNode): number {
    // OffsetDurationExpr: a literal, or UnaryOp followed by a nested OffsetDurationExpr.
    const first = d.firstChild;
    if (!first) throw this.#err(d, 'unexpected end of input');
    if (first.name === 'UnaryOp') {
      const v = this.#offset(first.nextSibling!);
      return this.#text(first) === '-' ? -v : v;
    }
    if (first.name === 'NumberDurationLiteralInDurationContext' && first.nextSibling === null) {
      const s = this.#text(first);
      const ms = parsePromDuration(s);
      if (ms !== null) return ms;
      const f = parseGoFloat(s);
      if (f !== null && Number.isFinite(f)) return Math.round(f * 1000);
      throw this.#err(first, `bad number or duration syntax: ${JSON.stringify(s)}`);
    }
    throw new UnsupportedExpressionError(this.#q, { start: d.from, end: d.to }, 'duration expression');
  }

  #at(n: SyntaxNode): AtModifier {
    const arg = n.lastChild!;
    if (arg.name === 'AtModifierPreprocessors') return arg.firstChild?.name === 'AtEnd' ? { kind: 'end' } : { kind: 'start' };
    let sign = 1;
    let lit: SyntaxNode | null = arg;
    if (arg.name === 'UnaryOp') {
      // Not expected from the grammar today; kept for `@ -1` variants.
      sign = this.#text(arg) === '-' ? -1 : 1;
      lit = arg.nextSibling;
    }
    if (!lit || lit.name !== 'NumberDurationLiteral') {
      throw new UnsupportedExpressionError(this.#q, { start: arg.from, end: arg.to }, '@ modifier expression');
    }
    const f = sign * this.#number(lit);
    if (!Number.isFinite(f)) throw this.#err(lit, `timestamp out of bounds for @ modifier: ${f}`);
    return { kind: 'time', t: Math.round(f * 1000) };
  }

  #number(n: SyntaxNode): number {
    const s = this.#text(n);
    const neg = s[0] === '-';
    const body = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
    let v: number | null;
    if (/^0x[0-9a-f]+$/i.test(body)) v = parseInt(body.slice(2), 16);
    else v = parseGoFloat(body);
    if (v === null) {
      const ms = parsePromDuration(body);
      if (ms !== null) v = ms / 1000;
    }
    if (v === null) throw this.#err(n, `bad number or duration syntax: ${JSON.stringify(s)}`);
    return neg ? -v : v;
  }

  #string(n: SyntaxNode): string {
    try {
      return unquote(this.#text(n));
    } catch (cause) {
      throw new ParseError(this.#q, { start: n.from, end: n.to }, (cause as Error).message, { cause });
    }
  }

  #selector(n: SyntaxNode, offsetMs: number, at: AtModifier | null): VectorSelector {
    let name = '';
    const matchers: Matcher[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'Identifier') {
        name = this.#text(c);
      } else if (c.name === 'LabelMatchers') {
        for (let m = c.firstChild; m; m = m.nextSibling) {
          if (m.name === 'QuotedLabelName') {
            const quoted = this.#string(m.firstChild!);
            if (name !== '') throw this.#err(m, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(quoted)}`);
            name = quoted;
          } else if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
            matchers.push(this.#matcher(m));
          }
        }
      }
    }
    if (name !== '') {
      for (const m of matchers) {
        if (m.name === METRIC_NAME) throw this.#err(n, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(m.value)}`);
      }
      matchers.unshift(new Matcher('=', METRIC_NAME, name));
    }
    if (this.#requireNonEmpty && !matchers.some((m) => !m.matchesEmpty())) throw this.#err(n, 'vector selector must contain at least one non-empty matcher');
    return { type: 'VectorSelector', name, matchers, offsetMs, at, pos: { start: n.from, end: n.to } };
  }

  #matcher(m: SyntaxNode): Matcher {
    const nameNode = m.firstChild!;
    const label = nameNode.name === 'QuotedLabelName' ? this.#string(nameNode.firstChild!) : this.#text(nameNode);
    const op = nameNode.nextSibling!;
    const type = MATCH_OPS[op.firstChild?.name ?? ''];
    const valueNode = op.nextSibling!;
    if (!type || !valueNode) throw this.#err(m, 'unexpected label matcher');
    const value = this.#string(valueNode);
    try {
      return new Matcher(type, label, value);
    } catch (cause) {
      throw new ParseError(this.#q, { start: m.from, end: m.to }, (cause as Error).message, { cause });
    }
  }
}
