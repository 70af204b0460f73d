/**
 * @module Tokenizer for the Alloy configuration syntax. Newlines end statements the way Go's
 * semicolons do: a newline after an identifier, literal, `)`, `]` or `}` becomes a terminator
 * token, any other newline is white space. Ported from grafana/alloy syntax/scanner/scanner.go.
 */
import type { Position } from './ast.ts';

/** Operator and punctuation tokens, spelled as in the source. */
export type Punctuation =
  | '{' | '}' | '(' | ')' | '[' | ']' | ',' | '.' | '='
  | '||' | '&&' | '!' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '^';

/** What a token is. `terminator` is an end of statement (a newline, or the end of the file). */
export type TokenKind = 'ident' | 'string' | 'number' | 'bool' | 'null' | 'terminator' | 'eof' | Punctuation;

/** One token. `value` is the decoded literal for strings, numbers and bools. */
export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for a string: with its quotes). */
  readonly text: string;
  readonly value: string | number | boolean | null;
  readonly pos: Position;
  /** Offset just past the token. */
  readonly end: number;
}

/** A syntax error; the message starts with `file:line:column:`. */
export class AlloySyntaxError extends Error {
  readonly code = 'alloy_syntax_error';
  constructor(
    readonly filename: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${filename}:${line}:${column}: ${reason}`);
  }
}

const PUNCTUATION_2: ReadonlySet<string> = new Set(['||', '&&', '==', '!=', '<=', '>=']);
const PUNCTUATION_1: ReadonlySet<string> = new Set(['{', '}', '(', ')', '[', ']', ',', '.', '=', '!', '<', '>', '+', '-', '*', '/', '%', '^']);
/** Tokens after which a newline ends the statement. */
const ENDS_STATEMENT: ReadonlySet<TokenKind> = new Set<TokenKind>(['ident', 'string', 'number', 'bool', 'null', ')', ']', '}']);
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };

const isLetter = (ch: string) => /^[\p{L}_]$/u.test(ch);
const isIdentPart = (ch: string) => /^[\p{L}\p{Nd}_]$/u.test(ch);
const isDecimal = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';

/** Splits Alloy source into tokens, one `next()` at a time. Throws AlloySyntaxError. */
export class Scanner {
  readonly #src: string;
  readonly #filename: string;
  #off = 0;
  #line = 1;
  #lineStart = 0;
  #insertTerm = false;

  constructor(source: string, filename: string) {
    this.#src = source;
    this.#filename = filename;
    if (source.charCodeAt(0) === 0xfeff) this.#off = 1; // a byte order mark is allowed first
    this.#lineStart = this.#off;
  }

  /** The position of a source offset at or before the scanner's current one. */
  position(offset: number): Position {
    if (offset >= this.#lineStart) return { line: this.#line, column: offset - this.#lineStart + 1, offset };
    let line = 1;
    let start = 0;
    for (let i = 0; i < offset; i++) if (this.#src.charCodeAt(i) === 10) { line++; start = i + 1; }
    return { line, column: offset - start + 1, offset };
  }

  /** Throws a syntax error at a source offset. */
  fail(offset: number, reason: string): never {
    const p = this.position(offset);
    throw new AlloySyntaxError(this.#filename, p.line, p.column, reason);
  }

  /** Returns the next token; after the end of input, `eof` forever. */
  next(): Token {
    const src = this.#src;
    for (;;) {
      while (this.#off < src.length) {
        const ch = src[this.#off];
        if (ch === ' ' || ch === '\t' || ch === '\r') this.#off++;
        else if (ch === '\n' && !this.#insertTerm) this.#newline();
        else break;
      }
      const start = this.#off;
      if (start >= src.length) {
        if (this.#insertTerm) { this.#insertTerm = false; return this.#token('terminator', start, start, '\n', null); }
        return this.#token('eof', start, start, '', null);
      }
      const ch = src[start];
      if (ch === '\n') {
        const tok = this.#token('terminator', start, start + 1, '\n', null);
        this.#insertTerm = false;
        this.#newline();
        return tok;
      }
      if (ch === '/' && src[start + 1] === '/') {
        if (this.#insertTerm) { this.#insertTerm = false; return this.#token('terminator', start, start, '\n', null); }
        while (this.#off < src.length && src[this.#off] !== '\n') this.#off++;
        continue;
      }
      if (ch === '/' && src[start + 1] === '*') {
        const close = src.indexOf('*/', start + 2);
        if (close < 0) this.fail(start, 'block comment not terminated');
        const line = this.#line;
        this.#advanceTo(close + 2);
        if (this.#line !== line && this.#insertTerm) { this.#insertTerm = false; return this.#token('terminator', start, start, '\n', null); }
        continue;
      }
      const tok = this.#scanToken(start);
      this.#insertTerm = ENDS_STATEMENT.has(tok.kind);
      return tok;
    }
  }

  #newline(): void {
    this.#off++;
    this.#line++;
    this.#lineStart = this.#off;
  }

  /** Moves to `end`, counting the newlines passed. */
  #advanceTo(end: number): void {
    for (let i = this.#src.indexOf('\n', this.#off); i >= 0 && i < end; i = this.#src.indexOf('\n', i + 1)) {
      this.#line++;
      this.#lineStart = i + 1;
    }
    this.#off = end;
  }

  #token(kind: TokenKind, start: number, end: number, text: string, value: Token['value']): Token {
    return { kind, text, value, pos: this.position(start), end };
  }

  #scanToken(start: number): Token {
    const src = this.#src;
    const cp = String.fromCodePoint(src.codePointAt(start)!);
    if (isLetter(cp)) {
      let i = start + cp.length;
      while (i < src.length) {
        const c = String.fromCodePoint(src.codePointAt(i)!);
        if (!isIdentPart(c)) break;
        i += c.length;
      }
      this.#off = i;
      const text = src.slice(start, i);
      if (text === 'true' || text === 'false') return this.#token('bool', start, i, text, text === 'true');
      if (text === 'null') return this.#token('null', start, i, text, null);
      return this.#token('ident', start, i, text, text);
    }
    if (isDecimal(cp) || (cp === '.' && isDecimal(src[start + 1]))) return this.#scanNumber(start);
    if (cp === '"') return this.#scanQuoted(start);
    if (cp === '`') {
      const close = src.indexOf('`', start + 1);
      if (close < 0) this.fail(start, 'string literal not terminated');
      const tok = this.#token('string', start, close + 1, src.slice(start, close + 1), src.slice(start + 1, close).replace(/\r/g, '')); // Go drops CRs from raw strings
      this.#advanceTo(close + 1);
      return tok;
    }
    if (cp === "'") this.fail(start, 'illegal single-quoted string; use double quotes');
    const two = src.slice(start, start + 2);
    if (PUNCTUATION_2.has(two)) { this.#off = start + 2; return this.#token(two as Punctuation, start, start + 2, two, null); }
    if (cp === '|' || cp === '&') this.fail(start + 1, `missing second ${cp} in ${cp}${cp}`);
    if (PUNCTUATION_1.has(cp)) { this.#off = start + 1; return this.#token(cp as Punctuation, start, start + 1, cp, null); }
    const shown = cp.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    this.fail(start, `illegal character U+${shown} ${JSON.stringify(cp)}`);
  }

  #scanNumber(start: number): Token {
    const src = this.#src;
    let i = start;
    while (isDecimal(src[i])) i++;
    if (src[i] === '.') {
      i++;
      while (isDecimal(src[i])) i++;
    }
    if (src[i] === 'e' || src[i] === 'E') {
      i++;
      if (src[i] === '+' || src[i] === '-') i++;
      const digitsAt = i;
      while (isDecimal(src[i])) i++;
      if (i === digitsAt) this.fail(start, 'exponent has no digits');
    }
    this.#off = i;
    const text = src.slice(start, i);
    return this.#token('number', start, i, text, Number(text));
  }

  /** A double-quoted string with Go escapes; `\x` and octal escapes are bytes, decoded as UTF-8 at the end. */
  #scanQuoted(start: number): Token {
    const src = this.#src;
    const bytes: number[] = [];
    const encoder = new TextEncoder();
    let i = start + 1;
    for (;;) {
      if (i >= src.length || src[i] === '\n') this.fail(start, 'string literal not terminated');
      const ch = src[i];
      if (ch === '"') { i++; break; }
      if (ch !== '\\') {
        const cp = String.fromCodePoint(src.codePointAt(i)!);
        bytes.push(...encoder.encode(cp));
        i += cp.length;
        continue;
      }
      const esc = src[i + 1];
      if (esc === undefined || esc === '\n') this.fail(i, 'escape sequence not terminated');
      if (esc in SIMPLE_ESCAPES) { bytes.push(SIMPLE_ESCAPES[esc]); i += 2; continue; }
      let digits: number;
      let base: number;
      let skip: number;
      if (esc >= '0' && esc <= '7') { digits = 3; base = 8; skip = 1; }
      else if (esc === 'x') { digits = 2; base = 16; skip = 2; }
      else if (esc === 'u') { digits = 4; base = 16; skip = 2; }
      else if (esc === 'U') { digits = 8; base = 16; skip = 2; }
      else this.fail(i, 'unknown escape sequence');
      const text = src.slice(i + skip, i + skip + digits);
      const valid = base === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/;
      if (text.length !== digits || !valid.test(text)) this.fail(i, 'illegal character in escape sequence');
      const n = parseInt(text, base);
      if (esc === 'u' || esc === 'U') {
        if (n > 0x10ffff || (n >= 0xd800 && n < 0xe000)) this.fail(i, 'escape sequence is invalid Unicode code point');
        bytes.push(...encoder.encode(String.fromCodePoint(n)));
      } else {
        if (n > 255) this.fail(i, 'escape sequence is invalid Unicode code point');
        bytes.push(n);
      }
      i += skip + digits;
    }
    this.#off = i;
    const value = new TextDecoder().decode(new Uint8Array(bytes));
    return this.#token('string', start, i, src.slice(start, i), value);
  }
}
