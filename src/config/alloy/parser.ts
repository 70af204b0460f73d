/**
 * @module Parser for the Alloy configuration syntax: blocks, attributes and expressions into the
 * tree of ast.ts. The grammar (LL(1)) is grafana/alloy syntax/parser/internal.go's; unlike Alloy,
 * parsing stops at the first error, which is thrown as an AlloySyntaxError with line and column.
 */
import type { AlloyFile, Attribute, BinaryOperator, Block, Expr, ObjectField, Position, Statement } from './ast.ts';
import { Scanner, type Token, type TokenKind } from './scanner.ts';

/** Parses a whole file. Throws AlloySyntaxError (`file:line:column: reason`) on the first error. */
export function parseAlloy(source: string, filename: string): AlloyFile {
  const p = new Parser(source, filename);
  const body = p.parseBody('eof');
  return { filename, source, body };
}

/** Parses a single expression (for tests and tools). Throws AlloySyntaxError. */
export function parseAlloyExpression(source: string, filename = 'expression'): Expr {
  const p = new Parser(source, filename);
  const expr = p.parseExpression();
  p.expectEnd();
  return expr;
}

// Precedence of left-associative binary operators (syntax/token/token.go BinaryPrecedence).
const PRECEDENCE: Partial<Record<TokenKind, number>> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5,
};

const DESCRIBE: Partial<Record<TokenKind, string>> = {
  ident: 'identifier', string: 'string', number: 'number', bool: 'bool', null: 'null', terminator: 'end of line', eof: 'end of file',
};

function describe(tok: Token): string {
  if (tok.kind === 'ident') return `identifier ${tok.text}`;
  if (tok.kind === 'terminator' || tok.kind === 'eof') return DESCRIBE[tok.kind]!;
  if (tok.kind in DESCRIBE) return `${DESCRIBE[tok.kind]} ${tok.text}`;
  return `"${tok.kind}"`;
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

class Parser {
  readonly #scanner: Scanner;
  #tok: Token;

  constructor(source: string, filename: string) {
    this.#scanner = new Scanner(source, filename);
    this.#tok = this.#scanner.next();
  }

  /** The current token's kind (a method, so checks are not narrowed across #next()). */
  #kind(): TokenKind {
    return this.#tok.kind;
  }

  #next(): Token {
    const tok = this.#tok;
    this.#tok = this.#scanner.next();
    return tok;
  }

  #fail(at: Position | Token, reason: string): never {
    const pos = 'kind' in at ? at.pos : at;
    this.#scanner.fail(pos.offset, reason);
  }

  #expect(kind: TokenKind, what = DESCRIBE[kind] ?? `"${kind}"`): Token {
    if (this.#kind() !== kind) this.#fail(this.#tok, `expected ${what}, got ${describe(this.#tok)}`);
    return this.#next();
  }

  expectEnd(): void {
    if (this.#kind() === 'terminator') this.#next();
    if (this.#kind() !== 'eof') this.#fail(this.#tok, `expected end of expression, got ${describe(this.#tok)}`);
  }

  /** Body = [ Statement { terminator Statement } ], up to (and consuming) `until`. */
  parseBody(until: '}' | 'eof'): Statement[] {
    const body: Statement[] = [];
    for (;;) {
      while (this.#kind() === 'terminator') this.#next(); // blank statements (after a comment, at EOF)
      if (this.#kind() === until) { this.#next(); return body; }
      if (this.#kind() === 'eof') this.#fail(this.#tok, `expected "}", got end of file`);
      body.push(this.#parseStatement());
      if (this.#kind() === until) continue;
      if (this.#kind() !== 'terminator') this.#fail(this.#tok, `expected end of line after statement, got ${describe(this.#tok)}`);
    }
  }

  /** Statement = Attribute | Block; Attribute = identifier "=" Expression; Block = BlockName "{" Body "}". */
  #parseStatement(): Statement {
    const first = this.#tok;
    if (first.kind !== 'ident') this.#fail(first, `expected identifier, got ${describe(first)}`);
    const fragments = [this.#next().text];
    while (this.#kind() === '.') {
      this.#next();
      fragments.push(this.#expect('ident').text);
    }
    let label: string | null = null;
    let labelTok: Token | null = null;
    if (this.#kind() === 'string') {
      labelTok = this.#next();
      if (!labelTok.text.startsWith('"')) this.#fail(labelTok, `expected block label to be a double quoted string, but got ${labelTok.text}`);
      label = (labelTok.value as string) || null; // Alloy treats an empty label as none
      if (label !== null && !IDENTIFIER.test(label)) this.#fail(labelTok, `expected block label to be a valid identifier, but got ${JSON.stringify(label)}`);
    }
    if (this.#kind() === '=') {
      if (fragments.length !== 1) this.#fail(first, 'attribute names may only consist of a single identifier with no "."');
      if (labelTok) this.#fail(labelTok, 'attribute names may not have labels');
      this.#next();
      const attr: Attribute = { kind: 'attribute', name: fragments[0], pos: first.pos, value: this.parseExpression() };
      return attr;
    }
    if (this.#kind() === '{') {
      this.#next();
      const body = this.parseBody('}');
      const block: Block = { kind: 'block', name: fragments.join('.'), label, pos: first.pos, body };
      return block;
    }
    const valid = fragments.length === 1 && labelTok === null;
    this.#fail(this.#tok, `expected ${valid ? 'attribute assignment or block body' : 'block body'}, got ${describe(this.#tok)}`);
  }

  /** Expression = OrExpr, with precedence climbing for the left-associative operators. */
  parseExpression(): Expr {
    return this.#parseBinary(1);
  }

  #parseBinary(minPrec: number): Expr {
    let left = this.#parsePow();
    for (;;) {
      const prec = PRECEDENCE[this.#kind()];
      if (prec === undefined || prec < minPrec) return left;
      const op = this.#next().kind as BinaryOperator;
      const right = this.#parseBinary(prec + 1);
      left = { kind: 'binary', op, left, right, pos: left.pos, end: right.end };
    }
  }

  /** PowExpr = UnaryExpr [ "^" PowExpr ] (right-associative). */
  #parsePow(): Expr {
    const left = this.#parseUnary();
    if (this.#kind() !== '^') return left;
    this.#next();
    const right = this.#parsePow();
    return { kind: 'binary', op: '^', left, right, pos: left.pos, end: right.end };
  }

  /** UnaryExpr = { "!" | "-" } PrimaryExpr { "." identifier | "[" Expression "]" | "(" [ ExpressionList ] ")" }. */
  #parseUnary(): Expr {
    if (this.#kind() === '!' || this.#kind() === '-') {
      const op = this.#next();
      const value = this.#parseUnary();
      return { kind: 'unary', op: op.kind as '!' | '-', value, pos: op.pos, end: value.end };
    }
    let expr = this.#parsePrimary();
    for (;;) {
      if (this.#kind() === '.') {
        this.#next();
        const name = this.#expect('ident');
        expr = { kind: 'access', value: expr, name: name.text, pos: expr.pos, end: name.end };
      } else if (this.#kind() === '[') {
        this.#next();
        const index = this.parseExpression();
        const close = this.#expect(']', '"]"');
        expr = { kind: 'index', value: expr, index, pos: expr.pos, end: close.end };
      } else if (this.#kind() === '(') {
        this.#next();
        const args = this.#parseList(')');
        const close = this.#expect(')', '")"');
        expr = { kind: 'call', fn: expr, args, pos: expr.pos, end: close.end };
      } else if (this.#kind() === '{') {
        this.#fail(this.#tok, 'cannot use a block as an expression');
      } else {
        return expr;
      }
    }
  }

  /** PrimaryExpr = identifier | literal | "(" Expression ")" | "[" [ ExpressionList ] "]" | "{" [ FieldList ] "}". */
  #parsePrimary(): Expr {
    const tok = this.#tok;
    switch (tok.kind) {
      case 'ident':
        this.#next();
        return { kind: 'ident', name: tok.text, pos: tok.pos, end: tok.end };
      case 'string': case 'number': case 'bool': case 'null':
        this.#next();
        return { kind: 'literal', value: tok.value, pos: tok.pos, end: tok.end };
      case '(': {
        this.#next();
        const inner = this.parseExpression();
        const close = this.#expect(')', '")"');
        return { kind: 'paren', inner, pos: tok.pos, end: close.end };
      }
      case '[': {
        this.#next();
        const elements = this.#parseList(']');
        const close = this.#expect(']', '"]"');
        return { kind: 'array', elements, pos: tok.pos, end: close.end };
      }
      case '{': {
        this.#next();
        const fields = this.#parseFields();
        const close = this.#expect('}', '"}"');
        return { kind: 'object', fields, pos: tok.pos, end: close.end };
      }
      default:
        this.#fail(tok, `expected expression, got ${describe(tok)}`);
    }
  }

  /** ExpressionList = Expression { "," Expression } [ "," ]; a multi-line list needs its trailing comma. */
  #parseList(until: ')' | ']'): Expr[] {
    const out: Expr[] = [];
    while (this.#kind() !== until) {
      out.push(this.parseExpression());
      if (this.#kind() === until) break;
      if (this.#kind() !== ',') this.#fail(this.#tok, `missing "," in expression list, got ${describe(this.#tok)}`);
      this.#next();
    }
    return out;
  }

  /** FieldList = Field { "," Field } [ "," ]; Field = ( string | identifier ) "=" Expression. */
  #parseFields(): ObjectField[] {
    const out: ObjectField[] = [];
    while (this.#kind() !== '}') {
      const key = this.#tok;
      if (key.kind !== 'ident' && key.kind !== 'string') this.#fail(key, `expected field name (string or identifier), got ${describe(key)}`);
      this.#next();
      this.#expect('=', '"="');
      out.push({ name: key.kind === 'string' ? (key.value as string) : key.text, quoted: key.kind === 'string', pos: key.pos, value: this.parseExpression() });
      if (this.#kind() === '}') break;
      if (this.#kind() !== ',') this.#fail(this.#tok, `missing "," in field list, got ${describe(this.#tok)}`);
      this.#next();
    }
    return out;
  }
}
