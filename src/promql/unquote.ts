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
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === q || c === '\n') throw new Error('invalid syntax');
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
      if (e === 'x') out += String.fromCharCode(code); // Go yields a byte; for ASCII it is the same.
      else if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new Error('invalid syntax');
      else out += String.fromCodePoint(code);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error(`unknown escape sequence: \\${e}`);
    }
  }
  return out;
}
