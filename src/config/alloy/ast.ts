/**
 * @module The syntax tree of an Alloy configuration file (the "River" syntax): statements are
 * blocks and attributes, values are expressions. Shapes follow grafana/alloy syntax/ast/ast.go.
 */

/** A place in the source. Line and column start at 1; the column counts UTF-16 code units. */
export interface Position {
  readonly line: number;
  readonly column: number;
  /** 0-based offset into the source text. */
  readonly offset: number;
}

/** Binary operators, by precedence from `||` (lowest) to `*`, `/`, `%`; `^` binds tightest and is right-associative. */
export type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '^';

/** Fields every expression has: where it starts, and the offset just past its end (for quoting it back). */
interface ExprBase {
  readonly pos: Position;
  readonly end: number;
}

/** A string, number, bool or null literal, already decoded. */
export interface LiteralExpr extends ExprBase {
  readonly kind: 'literal';
  readonly value: string | number | boolean | null;
}

/** A bare identifier, the start of a reference (`prometheus`) or a stdlib name (`env`). */
export interface IdentExpr extends ExprBase {
  readonly kind: 'ident';
  readonly name: string;
}

/** `value.name`: a field of an object or of a component's exports. */
export interface AccessExpr extends ExprBase {
  readonly kind: 'access';
  readonly value: Expr;
  readonly name: string;
}

/** `value[index]`. */
export interface IndexExpr extends ExprBase {
  readonly kind: 'index';
  readonly value: Expr;
  readonly index: Expr;
}

/** `fn(args…)`. */
export interface CallExpr extends ExprBase {
  readonly kind: 'call';
  readonly fn: Expr;
  readonly args: readonly Expr[];
}

/** `[a, b, …]`. */
export interface ArrayExpr extends ExprBase {
  readonly kind: 'array';
  readonly elements: readonly Expr[];
}

/** One `key = value` of an object literal; `quoted` when the key was written as a string. */
export interface ObjectField {
  readonly name: string;
  readonly quoted: boolean;
  readonly pos: Position;
  readonly value: Expr;
}

/** `{ key = value, "quoted key" = value }`. */
export interface ObjectExpr extends ExprBase {
  readonly kind: 'object';
  readonly fields: readonly ObjectField[];
}

/** `!x` or `-x`. */
export interface UnaryExpr extends ExprBase {
  readonly kind: 'unary';
  readonly op: '!' | '-';
  readonly value: Expr;
}

/** `left op right`. */
export interface BinaryExpr extends ExprBase {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
}

/** `( inner )`. */
export interface ParenExpr extends ExprBase {
  readonly kind: 'paren';
  readonly inner: Expr;
}

/** Any expression. */
export type Expr = LiteralExpr | IdentExpr | AccessExpr | IndexExpr | CallExpr | ArrayExpr | ObjectExpr | UnaryExpr | BinaryExpr | ParenExpr;

/** `name = value` inside a body. */
export interface Attribute {
  readonly kind: 'attribute';
  readonly name: string;
  readonly pos: Position;
  readonly value: Expr;
}

/** `a.b.c "label" { body }`; `label` is null when the block has none. */
export interface Block {
  readonly kind: 'block';
  /** The dotted name, e.g. `prometheus.scrape`. */
  readonly name: string;
  readonly label: string | null;
  readonly pos: Position;
  readonly body: readonly Statement[];
}

/** A statement of a body. */
export type Statement = Attribute | Block;

/** A parsed file: its top-level statements, in source order. */
export interface AlloyFile {
  readonly filename: string;
  readonly source: string;
  readonly body: readonly Statement[];
}
