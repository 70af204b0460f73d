/**
 * @module Parses PromQL text into the typed AST (ast.ts) using Prometheus' own lezer grammar, so
 * what parses here is exactly what parses in the Prometheus UI; the semantic checks follow
 * Prometheus' checkAST. Errors carry "line:col" like Prometheus.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { Matcher, type MatchType } from '../model/matcher.ts';
import { METRIC_NAME } from '../model/labels.ts';
import type { AggregateOp, AtModifier, BinaryOp, DurationExpr, Expr, RangeMode, VectorMatching, VectorSelector } from './ast.ts';
import { exprValueType } from './ast.ts';
import { ParseError } from './errors.ts';
import { parseGoFloat, parsePromDuration } from './duration.ts';
import { unquote } from './unquote.ts';
import { FUNCTIONS } from './functions-catalog.ts';

const BINARY_OPS = new Set<string>(['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless']);
const COMPARISONS = new Set<string>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<string>(['and', 'or', 'unless']);
const AGGREGATE_OPS = new Set<string>(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'topk', 'bottomk', 'quantile', 'limitk', 'limit_ratio']);
const PARAM_OPS = new Set<string>(['topk', 'bottomk', 'quantile', 'limitk', 'limit_ratio', 'count_values']);
const DURATION_OPS: Record<string, '+' | '-' | '*' | '/' | '%' | '^'> = { Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^' };

/** Prometheus' binary operator precedence; `^` is right-associative. */
const PRECEDENCE: Record<string, number> = {
  or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '<=': 3, '<': 3, '>=': 3, '>': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6,
};

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const TYPE_NAMES: Record<string, string> = { vector: 'instant vector', matrix: 'range vector', scalar: 'scalar', string: 'string' };

function firstErrorNode(query: string): { top: SyntaxNode | null; error: SyntaxNode | null } {
  const tree = parser.parse(query);
  let error: SyntaxNode | null = null;
  tree.iterate({
    enter(n) {
      if (error) return false;
      if (n.type.isError) {
        error = n.node;
        return false;
      }
      return undefined;
    },
  });
  return { top: tree.topNode.firstChild, error };
}

/**
 * Rewrites, at equal length, two spellings Prometheus' own parser accepts but the lezer grammar
 * does not: a number with a trailing dot (`1.` → `1 `) and upper-case `step()`/`range()`.
 * String literals are left alone; positions in error messages stay right.
 */
function normalizeForGrammar(q: string): string {
  let out = '';
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < q.length && q[j] !== c) j += q[j] === '\\' && c !== '`' ? 2 : 1;
      out += q.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const prev = i > 0 ? q[i - 1] : '';
    if (c >= '0' && c <= '9' && !/[A-Za-z0-9_:.]/.test(prev)) {
      let j = i;
      while (j < q.length && q[j] >= '0' && q[j] <= '9') j++;
      if (q[j] === '.' && !/[0-9eE]/.test(q[j + 1] ?? '')) {
        out += q.slice(i, j) + ' ';
        i = j + 1;
        continue;
      }
      out += q.slice(i, j);
      i = j;
      continue;
    }
    const kw = /^(step|range)(\s*\(\s*\))/i.exec(q.slice(i));
    if (kw && !/[A-Za-z0-9_:]/.test(prev)) {
      out += kw[1].toLowerCase() + kw[2];
      i += kw[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** A `min_of(a, b)` / `max_of(a, b)` call replaced by a same-length placeholder. */
interface ScalarCall {
  readonly func: string;
  readonly args: ReadonlyArray<{ text: string; offset: number }>;
  readonly end: number;
}

/**
 * The lezer grammar knows min_of()/max_of() only inside durations; as scalar functions
 * (`min_of(3, 5)`) they fail to parse. Each such call outside brackets is replaced by a number
 * placeholder of the same length, and its arguments are parsed separately.
 */
function substituteScalarCalls(q: string): { text: string; calls: Map<number, ScalarCall> } | null {
  const calls = new Map<number, ScalarCall>();
  let text = q;
  const re = /\b(min_of|max_of)\s*\(/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const start = m.index;
    const before = q.slice(0, start);
    if ((before.match(/\[/g)?.length ?? 0) > (before.match(/]/g)?.length ?? 0)) continue; // inside a range or subquery
    if (/offset[\s(+-]*$/.test(before)) continue;
    let depth = 0;
    let end = -1;
    const args: Array<{ text: string; offset: number }> = [];
    let argStart = start + m[0].length;
    for (let i = argStart - 1; i < q.length; i++) {
      const c = q[i];
      if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) {
          args.push({ text: q.slice(argStart, i), offset: argStart });
          end = i + 1;
          break;
        }
      } else if (c === ',' && depth === 1) {
        args.push({ text: q.slice(argStart, i), offset: argStart });
        argStart = i + 1;
      }
    }
    if (end < 0) return null;
    calls.set(start, { func: m[1], args, end });
    text = text.slice(0, start) + '0'.padEnd(end - start, ' ') + text.slice(end);
    re.lastIndex = end;
  }
  return calls.size > 0 ? { text, calls } : null;
}

/** Parses one PromQL expression. Throws ParseError (code bad_data). */
export function parseExpr(input: string): Expr {
  if (input.trim() === '') throw new ParseError(input, { start: 0, end: 0 }, 'no expression found in input');
  let query = normalizeForGrammar(input);
  let { top, error } = firstErrorNode(query);
  let calls: Map<number, ScalarCall> | undefined;
  if (error && /\b(min_of|max_of)\s*\(/.test(query)) {
    const sub = substituteScalarCalls(query);
    if (sub) {
      const retry = firstErrorNode(sub.text);
      if (!retry.error) ({ top, error } = retry), (calls = sub.calls), (query = sub.text);
    }
  }
  if (error) throw syntaxError(query, error);
  if (!top) throw new ParseError(query, { start: 0, end: 0 }, 'no expression found in input');
  return new Converter(query, true, calls).expr(top);
}

/**
 * Parses a bare series selector (the API's `match[]`): a vector selector without modifiers.
 * Unlike parseExpr it allows selectors whose matchers all match "" (the API reports those itself).
 */
export function parseMetricSelector(input: string): Matcher[] {
  if (input.trim() === '') throw new ParseError(input, { start: 0, end: 0 }, 'unexpected end of input');
  const { top, error } = firstErrorNode(input);
  if (error) throw syntaxError(input, error);
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
  } else if (text.startsWith('(') || (text === '' && rest.startsWith('('))) {
    const before = /([A-Za-z_:][A-Za-z0-9_:]*)\s*$/.exec(query.slice(0, err.from));
    detail = before ? `unknown function with name ${JSON.stringify(before[1])}` : `unexpected "("`;
  } else if (err.firstChild?.name === 'Identifier') {
    detail = `unexpected identifier ${JSON.stringify(query.slice(err.firstChild.from, err.firstChild.to))}`;
  } else {
    const shown = text !== '' ? text : rest[0];
    detail = `unexpected ${JSON.stringify(shown)}${inBraces ? ' inside braces' : ''}`;
  }
  const start = rest === '' ? query.length : err.from;
  return new ParseError(query, { start, end: Math.max(err.to, start) }, detail);
}

interface Modifiers {
  offset: DurationExpr | null;
  at: AtModifier | null;
  mode: RangeMode;
}

/** Walks the lezer tree of one query; `query` is needed to read token text. */
class Converter {
  readonly #q: string;
  #requireNonEmpty: boolean;
  readonly #calls: ReadonlyMap<number, ScalarCall>;
  constructor(query: string, requireNonEmpty = true, calls: ReadonlyMap<number, ScalarCall> = new Map()) {
    this.#q = query;
    this.#requireNonEmpty = requireNonEmpty;
    this.#calls = calls;
  }

  /** A plain vector selector without modifiers. */
  selector(n: SyntaxNode): VectorSelector {
    return this.#selector(n, { offset: null, at: null, mode: 'plain' });
  }

  #text(n: SyntaxNode): string {
    return this.#q.slice(n.from, n.to);
  }

  #err(n: SyntaxNode | { from: number; to: number }, detail: string): ParseError {
    return new ParseError(this.#q, { start: n.from, end: n.to }, detail);
  }

  #children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  expr(n: SyntaxNode): Expr {
    const pos = { start: n.from, end: n.to };
    switch (n.name) {
      case 'ParenExpr': {
        const inner = n.firstChild;
        if (!inner) throw this.#err(n, 'no expression found in input');
        return { type: 'ParenExpr', expr: this.expr(inner), pos };
      }
      case 'VectorSelector':
      case 'MatrixSelector':
      case 'SubqueryExpr':
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.#modified(n);
      case 'NumberDurationLiteral': {
        const call = this.#calls.get(n.from);
        if (call) {
          const args = call.args.map((a) => parseExpr(a.text));
          if (args.length !== 2) throw this.#err(n, `expected 2 argument(s) in call to ${JSON.stringify(call.func)}, got ${args.length}`);
          for (const a of args) {
            if (exprValueType(a) !== 'scalar') throw this.#err(n, `expected type scalar in call to function ${JSON.stringify(call.func)}, got ${TYPE_NAMES[exprValueType(a)]}`);
          }
          return { type: 'Call', func: call.func, args, pos: { start: n.from, end: call.end } };
        }
        return { type: 'NumberLiteral', value: this.#number(n), pos };
      }
      case 'StringLiteral':
        return { type: 'StringLiteral', value: this.#string(n), pos };
      case 'BinaryExpr':
        return this.#binary(n);
      case 'UnaryExpr':
        return this.#unary(n);
      case 'AggregateExpr':
        return this.#aggregate(n);
      case 'FunctionCall':
        return this.#call(n);
      default:
        throw this.#err(n, `unexpected ${n.name}`);
    }
  }

  /**
   * A chain of binary operators. lezer's grammar lets `offset`/`@` swallow a whole binary
   * expression to their left (`a - b offset 1m / 2`), where Prometheus binds them to the
   * selector just before them; so the chain is flattened, the modifiers moved to that operand,
   * and the tree rebuilt by Prometheus' operator precedence.
   */
  #binary(n: SyntaxNode): Expr {
    const items: Array<Expr | SyntaxNode> = [];
    this.#flatten(n, items);
    let pos = 0;
    const climb = (minPrec: number): Expr => {
      let lhs = items[pos++] as Expr;
      const signed = this.#signed.get(lhs);
      if (signed && items[pos] && this.#opText(items[pos] as SyntaxNode) === '^') {
        // Unary minus binds looser than ^: -1 ^ x is -(1 ^ x).
        let inner = signed.inner;
        while (items[pos] && this.#opText(items[pos] as SyntaxNode) === '^') {
          const opNode = items[pos++] as SyntaxNode;
          const rhs = climb(PRECEDENCE['^']);
          inner = this.#makeBinary(inner, opNode, rhs, { start: inner.pos.start, end: rhs.pos.end });
        }
        lhs = signed.op === '-' ? { type: 'UnaryExpr', op: '-', expr: inner, pos: { start: lhs.pos.start, end: inner.pos.end } } : inner;
      }
      for (;;) {
        const opNode = items[pos] as SyntaxNode | undefined;
        if (!opNode) return lhs;
        const op = this.#opText(opNode);
        const prec = PRECEDENCE[op];
        if (prec < minPrec) return lhs;
        pos++;
        const rhs = climb(op === '^' ? prec : prec + 1);
        lhs = this.#makeBinary(lhs, opNode, rhs, { start: lhs.pos.start, end: rhs.pos.end });
      }
    };
    return climb(0);
  }

  /** The operator token of a BinaryExpr node, lower-cased. */
  #opText(binaryNode: SyntaxNode): string {
    return this.#text(binaryNode.firstChild!.nextSibling!).toLowerCase();
  }

  #flatten(n: SyntaxNode, out: Array<Expr | SyntaxNode>): void {
    if (n.name === 'BinaryExpr') {
      this.#flatten(n.firstChild!, out);
      out.push(n);
      this.#flatten(n.lastChild!, out);
      return;
    }
    if (n.name === 'OffsetExpr' || n.name === 'StepInvariantExpr' || n.name === 'AnchoredExpr' || n.name === 'SmoothedExpr') {
      let inner: SyntaxNode = n;
      while (inner.name === 'OffsetExpr' || inner.name === 'StepInvariantExpr' || inner.name === 'AnchoredExpr' || inner.name === 'SmoothedExpr') inner = inner.firstChild!;
      if (inner.name === 'BinaryExpr') {
        const mods = this.#collectModifiers(n);
        this.#flatten(inner, out);
        out[out.length - 1] = this.#applyToRightmost(out[out.length - 1] as Expr, mods, n);
        return;
      }
    }
    const e = this.expr(n);
    if (e.type === 'UnaryExpr') this.#signed.set(e, { op: e.op, inner: e.expr });
    else if (e.type === 'NumberLiteral' && /^[+-]/.test(this.#text(n))) {
      this.#signed.set(e, { op: this.#text(n)[0] as '-' | '+', inner: { type: 'NumberLiteral', value: Math.abs(e.value), pos: { start: n.from + 1, end: n.to } } });
    }
    out.push(e);
  }

  /** Operands written with a leading sign, so `-a ^ b` can be read as -(a ^ b). */
  readonly #signed = new WeakMap<Expr, { op: '-' | '+'; inner: Expr }>();

  #collectModifiers(n: SyntaxNode): Modifiers {
    const mods: Modifiers = { offset: null, at: null, mode: 'plain' };
    for (let cur: SyntaxNode = n; ; cur = cur.firstChild!) {
      if (cur.name === 'OffsetExpr') {
        if (mods.offset !== null) throw this.#err(cur, 'offset may not be set multiple times');
        mods.offset = this.#offsetDuration(cur.lastChild!);
      } else if (cur.name === 'StepInvariantExpr') {
        if (mods.at !== null) throw this.#err(cur, '@ <timestamp> may not be set multiple times');
        mods.at = this.#at(cur);
      } else if (cur.name === 'AnchoredExpr' || cur.name === 'SmoothedExpr') {
        mods.mode = cur.name === 'AnchoredExpr' ? 'anchored' : 'smoothed';
      } else return mods;
    }
  }

  #makeBinary(lhs: Expr, n: SyntaxNode, rhs: Expr, pos: { start: number; end: number }): Expr {
    const opNode = n.firstChild!.nextSibling!;
    const rhsNode = n.lastChild!;
    const op = this.#text(opNode).toLowerCase();
    if (!BINARY_OPS.has(op)) throw this.#err(opNode, `unexpected ${JSON.stringify(op)}`);
    let returnBool = false;
    let matchingNode: SyntaxNode | null = null;
    let fillNode: SyntaxNode | null = null;
    for (let c = opNode.nextSibling; c && c !== rhsNode; c = c.nextSibling) {
      if (c.name === 'BoolModifier') returnBool = true;
      else if (c.name === 'MatchingModifierClause') matchingNode = c;
      else if (c.name === 'FillModifier') fillNode = c;
    }
    const at = { from: pos.start, to: pos.end };
    const lt = exprValueType(lhs);
    const rt = exprValueType(rhs);
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      throw this.#err(at, 'binary expression must contain only scalar and instant vector types');
    }
    if (returnBool && !COMPARISONS.has(op)) throw this.#err(at, 'bool modifier can only be used on comparison operators');
    if (COMPARISONS.has(op) && lt === 'scalar' && rt === 'scalar' && !returnBool) throw this.#err(at, 'comparisons between scalars must use BOOL modifier');
    const isSet = SET_OPS.has(op);
    if (isSet && (lt === 'scalar' || rt === 'scalar')) throw this.#err(at, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    let matching: VectorMatching | null = null;
    if (lt === 'vector' && rt === 'vector') {
      matching = this.#matching(matchingNode, fillNode, op, n);
    } else if (matchingNode || fillNode) {
      throw this.#err(at, 'vector matching only allowed between instant vectors');
    }
    return { type: 'BinaryExpr', op: op as BinaryOp, lhs, rhs, returnBool, matching, pos };
  }

  #matching(clause: SyntaxNode | null, fill: SyntaxNode | null, op: string, n: SyntaxNode): VectorMatching {
    let card: VectorMatching['card'] = 'one-to-one';
    let on = false;
    let labels: string[] = [];
    let include: string[] = [];
    if (clause) {
      for (let c = clause.firstChild; c; c = c.nextSibling) {
        if (c.name === 'On') on = true;
        else if (c.name === 'Ignoring') on = false;
        else if (c.name === 'GroupLeft') card = 'many-to-one';
        else if (c.name === 'GroupRight') card = 'one-to-many';
        else if (c.name === 'GroupingLabels') {
          const names = this.#groupingLabels(c);
          if (c.prevSibling && (c.prevSibling.name === 'GroupLeft' || c.prevSibling.name === 'GroupRight')) include = names;
          else labels = names;
        }
      }
    }
    let fillLeft: number | null = null;
    let fillRight: number | null = null;
    if (fill) {
      for (let c = fill.firstChild; c; c = c.nextSibling) {
        const num = c.lastChild;
        if (!num) continue;
        const v = this.#number(num);
        if (c.name === 'FillClause') fillLeft = fillRight = v;
        else if (c.name === 'FillLeftClause') fillLeft = v;
        else if (c.name === 'FillRightClause') fillRight = v;
      }
    }
    if (SET_OPS.has(op)) {
      if (card === 'many-to-one' || card === 'one-to-many') throw this.#err(n, `no grouping allowed for ${JSON.stringify(op)} operation`);
      if (fill) throw this.#err(n, `fill modifier not allowed for ${JSON.stringify(op)} operation`);
      card = 'many-to-many';
    }
    if (on) {
      for (const l of include) {
        if (labels.includes(l)) throw this.#err(n, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
      }
    }
    return { card, on, labels, include, fillLeft, fillRight };
  }

  #groupingLabels(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'LabelName') out.push(this.#text(c));
      else if (c.name === 'QuotedLabelName') out.push(this.#string(c.firstChild ?? c));
      else if (c.name === 'StringLiteral') out.push(this.#string(c));
    }
    return out;
  }

  #unary(n: SyntaxNode): Expr {
    const opNode = n.firstChild!;
    const inner = this.expr(opNode.nextSibling!);
    const t = exprValueType(inner);
    if (t !== 'scalar' && t !== 'vector') throw this.#err(n, 'unary expression only allowed on expressions of type scalar or instant vector');
    const pos = { start: n.from, end: n.to };
    const op = this.#text(opNode) === '-' ? '-' : '+';
    // Fold signs into number literals so that `-1` prints and evaluates as Prometheus' parser does.
    if (inner.type === 'NumberLiteral') return { type: 'NumberLiteral', value: op === '-' ? -inner.value : inner.value, pos };
    return { type: 'UnaryExpr', op, expr: inner, pos };
  }

  #aggregate(n: SyntaxNode): Expr {
    let op = '';
    let without = false;
    let grouping: string[] = [];
    let body: SyntaxNode | null = null;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'AggregateOp') op = this.#text(c).toLowerCase();
      else if (c.name === 'AggregateModifier') {
        for (let m = c.firstChild; m; m = m.nextSibling) {
          if (m.name === 'Without') without = true;
          else if (m.name === 'By') without = false;
          else if (m.name === 'GroupingLabels') grouping = this.#groupingLabels(m);
        }
      } else if (c.name === 'FunctionCallBody') body = c;
    }
    if (!AGGREGATE_OPS.has(op)) throw this.#err(n, `unknown aggregation operator ${JSON.stringify(op)}`);
    const args = body ? this.#children(body).map((c) => this.expr(c)) : [];
    const pos = { start: n.from, end: n.to };
    const wantParam = PARAM_OPS.has(op);
    if (args.length !== (wantParam ? 2 : 1)) {
      throw this.#err(n, wantParam ? `wrong number of arguments for aggregate expression provided, expected 2, got ${args.length}` : `wrong number of arguments for aggregate expression provided, expected 1, got ${args.length}`);
    }
    const expr = args[args.length - 1];
    const param = wantParam ? args[0] : null;
    if (exprValueType(expr) !== 'vector') throw this.#err(n, `expected type instant vector in aggregation expression, got ${TYPE_NAMES[exprValueType(expr)]}`);
    if (param) {
      const want = op === 'count_values' ? 'string' : 'scalar';
      if (exprValueType(param) !== want) throw this.#err(n, `expected type ${want} in aggregation parameter, got ${TYPE_NAMES[exprValueType(param)]}`);
    }
    return { type: 'AggregateExpr', op: op as AggregateOp, expr, param, grouping, without, pos };
  }

  #call(n: SyntaxNode): Expr {
    const idNode = n.firstChild!;
    const name = this.#text(idNode);
    const sig = FUNCTIONS.get(name);
    const pos = { start: n.from, end: n.to };
    if (!sig) throw this.#err(idNode, `unknown function with name ${JSON.stringify(name)}`);
    const body = idNode.nextSibling;
    const args = body
      ? this.#children(body).map((c, i) => {
          // info()'s second argument selects info series; it may consist of empty-matching matchers only.
          if (name !== 'info' || i !== 1 || c.name !== 'VectorSelector') return this.expr(c);
          const saved = this.#requireNonEmpty;
          this.#requireNonEmpty = false;
          try {
            return this.expr(c);
          } finally {
            this.#requireNonEmpty = saved;
          }
        })
      : [];
    const min = sig.argTypes.length;
    if (sig.variadic === 0) {
      if (args.length !== min) throw this.#err(n, `expected ${min} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
    } else {
      const atLeast = min - 1;
      if (args.length < atLeast) throw this.#err(n, `expected at least ${atLeast} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      if (sig.variadic > 0 && args.length > atLeast + sig.variadic) {
        throw this.#err(n, `expected at most ${atLeast + sig.variadic} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      }
    }
    for (let i = 0; i < args.length; i++) {
      const want = i < sig.argTypes.length ? sig.argTypes[i] : sig.argTypes[sig.argTypes.length - 1];
      const got = exprValueType(args[i]);
      if (got !== want) throw this.#err(n, `expected type ${TYPE_NAMES[want]} in call to function ${JSON.stringify(name)}, got ${TYPE_NAMES[got]}`);
    }
    return { type: 'Call', func: name, args, pos };
  }

  /**
   * Selectors and subqueries with their modifiers: offset, @, anchored, smoothed may wrap them
   * in any order; each may appear once.
   */
  #modified(n: SyntaxNode): Expr {
    const mods: Modifiers = { offset: null, at: null, mode: 'plain' };
    let cur: SyntaxNode = n;
    for (;;) {
      if (cur.name === 'OffsetExpr') {
        if (mods.offset !== null) throw this.#err(cur, 'offset may not be set multiple times');
        mods.offset = this.#offsetDuration(cur.lastChild!);
      } else if (cur.name === 'StepInvariantExpr') {
        if (mods.at !== null) throw this.#err(cur, '@ <timestamp> may not be set multiple times');
        mods.at = this.#at(cur);
      } else if (cur.name === 'AnchoredExpr' || cur.name === 'SmoothedExpr') {
        if (mods.mode !== 'plain') throw this.#err(cur, 'anchored and smoothed may not be combined');
        mods.mode = cur.name === 'AnchoredExpr' ? 'anchored' : 'smoothed';
      } else {
        break;
      }
      cur = cur.firstChild!;
    }
    const pos = { start: n.from, end: n.to };
    switch (cur.name) {
      case 'VectorSelector':
        return this.#selector(cur, mods, pos);
      case 'MatrixSelector': {
        const vsNode = cur.firstChild!;
        const inner = this.#modified(vsNode);
        if (inner.type !== 'VectorSelector') throw this.#err(cur, 'ranges only allowed for vector selectors');
        if (inner.offset !== null || inner.at !== null) throw this.#err(cur, 'no offset or @ modifiers allowed before range');
        const range = this.#durationExpr(cur.lastChild!);
        const selector: VectorSelector = { ...inner, offset: mods.offset, at: mods.at, mode: 'plain' };
        return { type: 'MatrixSelector', selector, range, mode: mods.mode, pos };
      }
      case 'SubqueryExpr': {
        if (mods.mode !== 'plain') throw this.#err(cur, `${mods.mode} modifier can only be used on range vector selectors`);
        const kids = this.#children(cur);
        const inner = this.expr(kids[0]);
        if (exprValueType(inner) !== 'vector') throw this.#err(cur, `subquery is only allowed on instant vector, got ${TYPE_NAMES[exprValueType(inner)]} instead`);
        const durations = kids.filter((k) => k.name === 'DurationExpr');
        const range = this.#durationExpr(durations[0]);
        const step = durations.length > 1 ? this.#durationExpr(durations[1]) : null;
        return { type: 'SubqueryExpr', expr: inner, range, step, offset: mods.offset, at: mods.at, pos };
      }
      case 'BinaryExpr':
      case 'UnaryExpr': {
        // lezer binds `offset`/`@` looser than operators; Prometheus binds them to the selector
        // just before them, so they belong to the rightmost operand.
        return this.#applyToRightmost(this.expr(cur), mods, n);
      }
      default: {
        const what = mods.offset !== null ? 'offset modifier' : mods.at !== null ? '@ modifier' : `${mods.mode} modifier`;
        throw this.#err(n, `${what} must be preceded by an instant vector selector or range vector selector or a subquery`);
      }
    }
  }

  #applyToRightmost(e: Expr, mods: Modifiers, n: SyntaxNode): Expr {
    const fail = (): never => {
      const what = mods.offset !== null ? 'offset modifier' : mods.at !== null ? '@ modifier' : `${mods.mode} modifier`;
      throw this.#err(n, `${what} must be preceded by an instant vector selector or range vector selector or a subquery`);
    };
    switch (e.type) {
      case 'BinaryExpr':
        return { ...e, rhs: this.#applyToRightmost(e.rhs, mods, n), pos: { start: n.from, end: n.to } };
      case 'UnaryExpr':
        return { ...e, expr: this.#applyToRightmost(e.expr, mods, n), pos: { start: n.from, end: n.to } };
      case 'VectorSelector': {
        if ((mods.offset && e.offset) || (mods.at && e.at)) throw this.#err(n, mods.offset && e.offset ? 'offset may not be set multiple times' : '@ <timestamp> may not be set multiple times');
        return { ...e, offset: mods.offset ?? e.offset, at: mods.at ?? e.at, mode: mods.mode !== 'plain' ? mods.mode : e.mode };
      }
      case 'MatrixSelector': {
        const sel = e.selector;
        if ((mods.offset && sel.offset) || (mods.at && sel.at)) throw this.#err(n, mods.offset && sel.offset ? 'offset may not be set multiple times' : '@ <timestamp> may not be set multiple times');
        return { ...e, selector: { ...sel, offset: mods.offset ?? sel.offset, at: mods.at ?? sel.at }, mode: mods.mode !== 'plain' ? mods.mode : e.mode };
      }
      case 'SubqueryExpr': {
        if ((mods.offset && e.offset) || (mods.at && e.at)) throw this.#err(n, mods.offset && e.offset ? 'offset may not be set multiple times' : '@ <timestamp> may not be set multiple times');
        return { ...e, offset: mods.offset ?? e.offset, at: mods.at ?? e.at };
      }
      default:
        return fail();
    }
  }

  /** OffsetDurationExpr: a (signed) duration expression. */
  #offsetDuration(d: SyntaxNode): DurationExpr {
    const first = d.firstChild;
    if (!first) throw this.#err(d, 'unexpected end of input');
    if (first.name === 'UnaryOp') {
      const inner = this.#offsetDuration(first.nextSibling!);
      return this.#text(first) === '-' ? { kind: 'unary', op: '-', expr: inner } : inner;
    }
    return this.#durationExpr(d);
  }

  /** DurationExpr and its relatives, in seconds. */
  #durationExpr(d: SyntaxNode): DurationExpr {
    const kids = this.#children(d);
    if (d.name === 'NumberDurationLiteralInDurationContext' || d.name === 'NumberDurationLiteral') {
      const ms = parsePromDuration(this.#text(d));
      return ms !== null ? { kind: 'literal', seconds: ms / 1000, ms } : { kind: 'literal', seconds: this.#durationLiteral(d) };
    }
    if (d.name === 'DurationStep') return { kind: 'step' };
    if (d.name === 'DurationRange') return { kind: 'range' };
    if (kids.length === 0) throw this.#err(d, 'unexpected end of input');
    const first = kids[0];
    if (first.name === 'DurationMinOf' || first.name === 'DurationMaxOf') {
      const exprs = kids.filter((k) => k !== first);
      if (exprs.length !== 2) throw this.#err(d, `${this.#text(first)} expects 2 arguments`);
      return { kind: first.name === 'DurationMinOf' ? 'min' : 'max', lhs: this.#durationExpr(exprs[0]), rhs: this.#durationExpr(exprs[1]) };
    }
    if (first.name === 'UnaryOp' && kids.length === 2) {
      const inner = this.#durationExpr(kids[1]);
      return this.#text(first) === '-' ? { kind: 'unary', op: '-', expr: inner } : inner;
    }
    if (kids.length === 1) return this.#durationExpr(first);
    if (kids.length === 3 && DURATION_OPS[kids[1].name]) {
      return { kind: 'binary', op: DURATION_OPS[kids[1].name], lhs: this.#durationExpr(kids[0]), rhs: this.#durationExpr(kids[2]) };
    }
    // A parenthesised expression: "(" expr ")" appear as children without tokens for parens.
    if (kids.length >= 1) return this.#durationExpr(kids.find((k) => k.name.startsWith('Duration') || k.name.startsWith('NumberDuration')) ?? first);
    throw this.#err(d, 'invalid duration expression');
  }

  #durationLiteral(n: SyntaxNode): number {
    const s = this.#text(n);
    const ms = parsePromDuration(s);
    if (ms !== null) return ms / 1000;
    const f = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : parseGoFloat(s);
    if (f !== null && Number.isFinite(f)) return f;
    throw this.#err(n, `bad number or duration syntax: ${JSON.stringify(s)}`);
  }

  #at(n: SyntaxNode): AtModifier {
    const arg = n.lastChild!;
    if (arg.name === 'AtModifierPreprocessors') return arg.firstChild?.name === 'AtEnd' ? { kind: 'end' } : { kind: 'start' };
    let sign = 1;
    let lit: SyntaxNode | null = arg;
    if (arg.name === 'UnaryOp') {
      sign = this.#text(arg) === '-' ? -1 : 1;
      lit = arg.nextSibling;
    }
    if (!lit || lit.name !== 'NumberDurationLiteral') throw this.#err(arg, 'unexpected @ modifier argument');
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

  #selector(n: SyntaxNode, mods: Modifiers, pos = { start: n.from, end: n.to }): VectorSelector {
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
    return { type: 'VectorSelector', name, matchers, offset: mods.offset, at: mods.at, mode: mods.mode, pos };
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
