/** @module Go strconv.Unquote for PromQL string literals: "…" and '…' with escapes, `…` raw. */

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Unquotes a literal including its quotes; throws Error with a short reason when malformed. */
export function unquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new Error('unterminated quoted string');
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body;
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  if (!body.includes('\\')) {
    if (body.includes(q) || body.includes('\n')) throw new Error('invalid syntax');
    return body;
  }
  let out = '';
  // \x and octal escapes are bytes in Go; runs of them are decoded as UTF-8 together.
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out += decodeBytes(bytes);
    bytes = [];
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === q || c === '\n') throw new Error('invalid syntax');
    const e0 = c === '\\' ? body[i + 1] : undefined;
    if (e0 !== 'x' && !(e0 !== undefined && e0 >= '0' && e0 <= '7')) flush();
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('invalid syntax');
    if (e in SIMPLE) {
      if ((e === '"' || e === "'") && e !== q) throw new Error(`unknown escape sequence: \\${e}`);
      out += SIMPLE[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Error('invalid syntax');
      const code = parseInt(hex, 16);
      if (e === 'x') bytes.push(code);
      else if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new Error('invalid syntax');
      else out += String.fromCodePoint(code);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error(`unknown escape sequence: \\${e}`);
    }
  }
  flush();
  return out;
}

/**
 * Decodes bytes as UTF-8; a byte that is not part of valid UTF-8 becomes the lone surrogate
 * U+DC00+byte (as Python's surrogateescape), so invalid names stay invalid and printable.
 */
function decodeBytes(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length && bytes.slice(i + 1, i + len).every((x) => (x & 0xc0) === 0x80)) {
      const s = Buffer.from(bytes.slice(i, i + len)).toString('utf8');
      if (!s.includes('\ufffd')) {
        out += s;
        i += len;
        continue;
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

/** Go's %q of a string that may hold escaped invalid bytes (see decodeBytes). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\udc([89a-f][0-9a-f])/gi, (_m, hex: string) => `\\x${hex.toLowerCase()}`);
}
