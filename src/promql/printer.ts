/**
 * @module Prints an AST back as PromQL text the way Prometheus' String() methods do (used by
 * /api/v1/format_query, and by tests that generate queries).
 */
import { METRIC_NAME } from '../model/labels.ts';
import type { AtModifier, DurationExpr, Expr, VectorMatching, VectorSelector } from './ast.ts';
import { formatFloatG } from './engine/float-math.ts';

const UNITS: Array<[string, number]> = [['y', 365 * 24 * 3600_000], ['w', 7 * 24 * 3600_000], ['d', 24 * 3600_000], ['h', 3600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** Prometheus model.Duration.String(): "1h30m", "5m", "0s"; negative values get a "-". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let out = '';
  let rest = ms;
  for (const [unit, size] of UNITS) {
    // Prometheus only prints w and y when they divide the duration exactly.
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

function printDuration(d: DurationExpr, top = true): string {
  switch (d.kind) {
    case 'literal': return d.ms !== undefined ? formatDuration(d.ms) : formatDuration(Math.round(d.seconds * 1000));
    case 'step': return 'step()';
    case 'range': return 'range()';
    case 'unary': return `${d.op}${printDuration(d.expr, false)}`;
    case 'min': return `min_of(${printDuration(d.lhs)}, ${printDuration(d.rhs)})`;
    case 'max': return `max_of(${printDuration(d.lhs)}, ${printDuration(d.rhs)})`;
    case 'binary': {
      const s = `${printDuration(d.lhs, false)} ${d.op} ${printDuration(d.rhs, false)}`;
      return top ? s : `(${s})`;
    }
  }
}

function printAt(at: AtModifier | null): string {
  if (!at) return '';
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${(at.t / 1000).toFixed(3)}`;
}

function printOffset(offset: DurationExpr | null): string {
  if (!offset) return '';
  return ` offset ${printDuration(offset)}`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

const PLAIN_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const PLAIN_LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function printSelectorBody(s: VectorSelector): string {
  const matchers = s.matchers.filter((m) => !(m.name === METRIC_NAME && m.type === '=' && m.value === s.name && s.name !== ''));
  const quotedName = s.name !== '' && !PLAIN_NAME.test(s.name);
  const parts = matchers.map((m) => `${PLAIN_LABEL.test(m.name) ? m.name : quote(m.name)}${m.type}${quote(m.value)}`);
  if (quotedName) return `{${[quote(s.name), ...parts].join(', ')}}`;
  if (parts.length === 0) return s.name;
  return `${s.name}{${parts.join(', ')}}`;
}

function printMatching(m: VectorMatching | null, op: string): string {
  if (!m) return '';
  let out = '';
  const isSet = op === 'and' || op === 'or' || op === 'unless';
  if (m.on || m.labels.length > 0) out += ` ${m.on ? 'on' : 'ignoring'} (${m.labels.join(', ')})`;
  if (!isSet && m.card === 'many-to-one') out += ` group_left (${m.include.join(', ')})`;
  if (!isSet && m.card === 'one-to-many') out += ` group_right (${m.include.join(', ')})`;
  if (m.fillLeft !== null && m.fillRight !== null && Object.is(m.fillLeft, m.fillRight)) out += ` fill (${formatFloatG(m.fillLeft)})`;
  else {
    if (m.fillLeft !== null) out += ` fill_left (${formatFloatG(m.fillLeft)})`;
    if (m.fillRight !== null) out += ` fill_right (${formatFloatG(m.fillRight)})`;
  }
  return out;
}

/** The canonical PromQL text of an expression. */
export function printExpr(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral': return formatFloatG(e.value);
    case 'StringLiteral': return quote(e.value);
    case 'ParenExpr': return `(${printExpr(e.expr)})`;
    case 'StepInvariantExpr': return printExpr(e.expr);
    case 'VectorSelector': return `${printSelectorBody(e)}${printOffset(e.offset)}${printAt(e.at)}${e.mode === 'plain' ? '' : ` ${e.mode}`}`;
    case 'MatrixSelector': return `${printSelectorBody(e.selector)}[${printDuration(e.range)}]${printOffset(e.selector.offset)}${printAt(e.selector.at)}${e.mode === 'plain' ? '' : ` ${e.mode}`}`;
    case 'SubqueryExpr': return `${printExpr(e.expr)}[${printDuration(e.range)}:${e.step ? printDuration(e.step) : ''}]${printOffset(e.offset)}${printAt(e.at)}`;
    case 'UnaryExpr': return `${e.op}${printExpr(e.expr)}`;
    case 'BinaryExpr': return `${printExpr(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${printMatching(e.matching, e.op)} ${printExpr(e.rhs)}`;
    case 'Call': return `${e.func}(${e.args.map(printExpr).join(', ')})`;
    case 'AggregateExpr': {
      const grouping = e.without ? ` without (${e.grouping.join(', ')}) ` : e.grouping.length > 0 ? ` by (${e.grouping.join(', ')}) ` : '';
      const args = e.param ? `${printExpr(e.param)}, ${printExpr(e.expr)}` : printExpr(e.expr);
      return `${e.op}${grouping}(${args})`;
    }
  }
}
