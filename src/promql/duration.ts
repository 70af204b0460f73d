/** @module Prometheus durations ("1h30m", "5m", "250ms") in milliseconds (model.ParseDuration). */

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 24 * 3600_000, 7 * 24 * 3600_000, 24 * 3600_000, 3600_000, 60_000, 1000, 1];

/**
 * Parses a Prometheus duration into ms, or returns null when `s` is not one. Units must come in
 * descending order, each at most once; "0" alone is allowed, "" is not.
 */
export function parsePromDuration(s: string): number | null {
  if (s === '0') return 0;
  if (s === '') return null;
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i];
  return Number.isSafeInteger(ms) ? ms : null;
}

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;
const NAN_RE = /^[+-]?nan$/i;

/**
 * Parses a float the way Go's strconv.ParseFloat does for the forms people write (decimal,
 * exponent, Inf, NaN; no surrounding space, no empty string). Returns null when it is not one.
 */
export function parseGoFloat(s: string): number | null {
  if (DECIMAL_RE.test(s)) return Number(s);
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (NAN_RE.test(s)) return NaN;
  return null;
}
