/**
 * @module Go's strings.ToLower and strings.ToUpper: per-rune simple case mapping.
 *
 * JS toLowerCase/toUpperCase use full mappings and context ('ß' → 'SS', final 'Σ' → 'ς'),
 * Go maps each rune on its own to at most one rune. ASCII takes the fast path.
 */

const NON_ASCII = /[^\x00-\x7f]/;

/** Lowercases like Go's strings.ToLower. */
export function goToLower(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    // U+0130 'İ' is the only rune whose full lowercase ('i̇') differs from its simple one ('i').
    out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  }
  return out;
}

/** Uppercases like Go's strings.ToUpper. */
export function goToUpper(s: string): string {
  if (!NON_ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    out += up.length === ch.length || [...up].length === 1 ? up : simpleUpperOfExpanding(ch);
  }
  return out;
}

/**
 * The simple uppercase of a rune whose full uppercase is several runes. Only the Greek letters
 * with ypogegrammeni have one (ᾳ → ᾼ, ᾀ → ᾈ …); the rest ('ß', 'ŉ', ligatures …) stay as they are.
 */
function simpleUpperOfExpanding(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return String.fromCodePoint(cp + 8);
  }
  if (cp === 0x1fb3) return '\u1fbc';
  if (cp === 0x1fc3) return '\u1fcc';
  if (cp === 0x1ff3) return '\u1ffc';
  return ch;
}
