import { describe, expect, it } from 'vitest';
import type { Attribute, Block, Expr } from './ast.ts';
import { parseAlloy, parseAlloyExpression } from './parser.ts';
import { AlloySyntaxError } from './scanner.ts';

/** The expression tree without positions, for compact expectations. */
function shape(e: Expr): unknown {
  switch (e.kind) {
    case 'literal': return e.value;
    case 'ident': return { ident: e.name };
    case 'access': return { access: [shape(e.value), e.name] };
    case 'index': return { index: [shape(e.value), shape(e.index)] };
    case 'call': return { call: [shape(e.fn), ...e.args.map(shape)] };
    case 'array': return e.elements.map(shape);
    case 'object': return { object: e.fields.map((f) => [f.name, f.quoted, shape(f.value)]) };
    case 'unary': return { [e.op]: shape(e.value) };
    case 'binary': return { [e.op]: [shape(e.left), shape(e.right)] };
    case 'paren': return { paren: shape(e.inner) };
  }
}

const expr = (text: string) => shape(parseAlloyExpression(text));

describe('parseAlloyExpression: literals', () => {
  it.each<[string, unknown]>([
    ['"plain"', 'plain'],
    ['"tab\\tnewline\\nquote\\"backslash\\\\"', 'tab\tnewline\nquote"backslash\\'],
    ['"\\a\\b\\f\\r\\v"', '\x07\b\f\r\v'],
    ['"\\x41\\101\\u00e9\\U0001F600"', 'AAé😀'],
    ['"\\xc3\\xa9"', 'é'], // \x escapes are bytes, decoded as UTF-8
    ['"é ☃ 😀"', 'é ☃ 😀'],
    ['`raw \\n "quoted"`', 'raw \\n "quoted"'],
    ['`two\r\nlines`', 'two\nlines'], // Go drops carriage returns from raw strings
    ['""', ''],
    ['42', 42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('%s', (text, want) => expect(expr(text)).toEqual(want));
});

describe('parseAlloyExpression: compound expressions', () => {
  it.each<[string, unknown]>([
    ['[1, "two", [3]]', [1, 'two', [3]]],
    ['[\n  1,\n  2,\n]', [1, 2]],
    ['[]', []],
    ['{ a = 1, "b c" = "x", }', { object: [['a', false, 1], ['b c', true, 'x']] }],
    ['{\n  __address__ = "h:9100",\n  instance    = "i",\n}', { object: [['__address__', false, 'h:9100'], ['instance', false, 'i']] }],
    ['{}', { object: [] }],
    ['prometheus.remote_write.default.receiver', { access: [{ access: [{ access: [{ ident: 'prometheus' }, 'remote_write'] }, 'default'] }, 'receiver'] }],
    ['env("HOME")', { call: [{ ident: 'env' }, 'HOME'] }],
    ['sys.env("X")', { call: [{ access: [{ ident: 'sys' }, 'env'] }, 'X'] }],
    ['concat([1], [2],)', { call: [{ ident: 'concat' }, [1], [2]] }],
    ['f()', { call: [{ ident: 'f' }] }],
    ['a[0]["k"]', { index: [{ index: [{ ident: 'a' }, 0] }, 'k'] }],
    ['-1', { '-': 1 }],
    ['!!true', { '!': { '!': true } }],
    ['(1 + 2) * 3', { '*': [{ paren: { '+': [1, 2] } }, 3] }],
    ['1 + 2 * 3', { '+': [1, { '*': [2, 3] }] }],
    ['1 - 2 - 3', { '-': [{ '-': [1, 2] }, 3] }], // left-associative
    ['2 ^ 3 ^ 2', { '^': [2, { '^': [3, 2] }] }], // right-associative
    ['a || b && c == d', { '||': [{ ident: 'a' }, { '&&': [{ ident: 'b' }, { '==': [{ ident: 'c' }, { ident: 'd' }] }] }] }],
    ['1 < 2 != false', { '!=': [{ '<': [1, 2] }, false] }],
    ['"a" + /* inline */ "b"', { '+': ['a', 'b'] }],
  ])('%j', (text, want) => expect(expr(text)).toEqual(want));
});

describe('parseAlloy: statements', () => {
  const src = `// line comment
/* block
   comment */
logging {
  level = "info" // trailing comment
}

prometheus.scrape "node" {
  targets = [{__address__ = "h:9100"}]
  basic_auth {
    username = "u"
  }
}
empty "" {}
one_line { a = 1 }
`;
  const file = parseAlloy(src, 'config.alloy');

  it('reads blocks with dotted names and labels, in order, with their lines', () => {
    const blocks = file.body as Block[];
    expect(blocks.map((b) => [b.kind, b.name, b.label, b.pos.line, b.pos.column])).toEqual([
      ['block', 'logging', null, 4, 1],
      ['block', 'prometheus.scrape', 'node', 8, 1],
      ['block', 'empty', null, 14, 1], // an empty label is no label, as in Alloy
      ['block', 'one_line', null, 15, 1],
    ]);
  });

  it('reads attributes and nested blocks', () => {
    const scrape = file.body[1] as Block;
    expect(scrape.body.map((s) => [s.kind, s.name, s.pos.line, s.pos.column])).toEqual([
      ['attribute', 'targets', 9, 3],
      ['block', 'basic_auth', 10, 3],
    ]);
    const auth = scrape.body[1] as Block;
    const username = auth.body[0] as Attribute;
    expect(shape(username.value)).toBe('u');
    expect(username.value.pos).toEqual({ line: 11, column: 16, offset: src.indexOf('"u"') });
    expect(((file.body[3] as Block).body[0] as Attribute).name).toBe('a');
  });

  it('keeps the source and the file name', () => {
    expect(file.filename).toBe('config.alloy');
    expect(file.source).toBe(src);
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '// nothing\n/* at all */'],
    ['no newline at the end', 'a {\n}'],
    ['a byte order mark', '\uFEFFa {}'],
    ['CRLF line ends', 'a {\r\n  b = 1\r\n}\r\n'],
    ['an identifier with Unicode letters', 'größe { wert = 1 }'],
  ])('accepts %s', (_, text) => expect(() => parseAlloy(text, 'x.alloy')).not.toThrow());
});

describe('parseAlloy: errors name file, line and column', () => {
  it.each<[string, string, string]>([
    ['missing comma in a multi-line list', 'a = [\n  1,\n  2\n]', 'c.alloy:3:4: missing "," in expression list, got end of line'],
    ['missing comma in a multi-line object', 'a = {\n  x = 1\n}', 'c.alloy:2:8: missing "," in field list, got end of line'],
    ['two statements on a line', 'a = 1 b = 2', 'c.alloy:1:7: expected end of line after statement, got identifier b'],
    ['unclosed block', 'a {\n  b = 1\n', 'c.alloy:3:1: expected "}", got end of file'],
    ['label on an attribute', 'a "x" = 1', 'c.alloy:1:3: attribute names may not have labels'],
    ['dotted attribute name', 'a.b = 1', 'c.alloy:1:1: attribute names may only consist of a single identifier with no "."'],
    ['label that is not an identifier', 'a "x-y" {}', 'c.alloy:1:3: expected block label to be a valid identifier, but got "x-y"'],
    ['raw-string label', 'a `x` {}', 'c.alloy:1:3: expected block label to be a double quoted string, but got `x`'],
    ['statement without = or {', 'a.b "x"\n', 'c.alloy:1:8: expected block body, got end of line'],
    ['single-quoted string', "a = 'x'", "c.alloy:1:5: illegal single-quoted string; use double quotes"],
    ['string across lines', 'a = "x\ny"', 'c.alloy:1:5: string literal not terminated'],
    ['unknown escape', 'a = "\\q"', 'c.alloy:1:6: unknown escape sequence'],
    ['short hex escape', 'a = "\\x4"', 'c.alloy:1:6: illegal character in escape sequence'],
    ['surrogate escape', 'a = "\\ud800"', 'c.alloy:1:6: escape sequence is invalid Unicode code point'],
    ['unterminated raw string', 'a = `x', 'c.alloy:1:5: string literal not terminated'],
    ['unterminated block comment', 'a = 1 /* x', 'c.alloy:1:7: block comment not terminated'],
    ['exponent without digits', 'a = 1e', 'c.alloy:1:5: exponent has no digits'],
    ['dangling operator', 'a = 1 +', 'c.alloy:1:8: expected expression, got end of file'],
    ['single |', 'a = true | false', 'c.alloy:1:11: missing second | in ||'],
    ['illegal character', 'a = 1 # comment', 'c.alloy:1:7: illegal character U+0023 "#"'],
    ['block used as a value', 'a = b {\n}', 'c.alloy:1:7: cannot use a block as an expression'],
    ['number as a statement', '\n\n  42 = 1', 'c.alloy:3:3: expected identifier, got number 42'],
    ['bad object key', 'a = { 1 = 2 }', 'c.alloy:1:7: expected field name (string or identifier), got number 1'],
    ['unclosed call', 'a = f(1', 'c.alloy:1:8: missing "," in expression list, got end of line'],
  ])('%s', (_, text, message) => {
    let err: unknown;
    try {
      parseAlloy(text, 'c.alloy');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AlloySyntaxError);
    expect((err as Error).message).toBe(message);
    const [, line, column] = /^c\.alloy:(\d+):(\d+):/.exec(message)!;
    expect([(err as AlloySyntaxError).line, (err as AlloySyntaxError).column]).toEqual([Number(line), Number(column)]);
  });
});
