/**
 * @module Evaluates scalar-only expressions (literals combined with + - * / % ^ atan2 and
 * comparisons with bool). They do not depend on time yet, so one number serves every step.
 */
import type { BinaryOp, Expr } from './ast.ts';

/** The value of a scalar expression; throws for vector or string expressions (a parser bug). */
export function evalScalar(e: Expr): number {
  switch (e.type) {
    case 'NumberLiteral':
      return e.value;
    case 'UnaryExpr': {
      const v = evalScalar(e.expr);
      return e.op === '-' ? -v : v;
    }
    case 'BinaryExpr':
      return scalarBinop(e.op, evalScalar(e.lhs), evalScalar(e.rhs));
    default:
      throw new Error(`not a scalar expression: ${e.type}`);
  }
}

/** Applies a binary operator to two floats as Prometheus' scalarBinop does (comparisons give 0/1). */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r; // math.Mod: sign of the dividend, like JS
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: throw new Error(`operator ${op} not allowed between scalars`);
  }
}

/** Go math.Pow: unlike JS, (±1)^(±Inf) is 1. */
function goPow(x: number, y: number): number {
  if ((x === 1 || x === -1) && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}
