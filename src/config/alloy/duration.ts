/**
 * @module Alloy durations (Go's time.ParseDuration: `1m30s`, `1.5h`, `500ms`, `250us`) into
 * Prometheus durations (`1m30s`, `90m`, `500ms`: whole units of y w d h m s ms, no fractions).
 */

const GO_UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const GO_DURATION = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h)/;
/** Written in Prometheus' grammar already, largest unit first (kept as the user wrote it). */
const PROM_DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Go duration into milliseconds; null when it is not one or is not a whole number of ms or negative. */
export function goDurationMs(text: string): number | null {
  if (text === '0') return 0;
  let rest = text;
  let ns = 0;
  if (rest === '') return null;
  while (rest !== '') {
    const m = GO_DURATION.exec(rest);
    if (!m) return null;
    const unit = /(?:ns|us|µs|μs|ms|s|m|h)$/.exec(m[0])![0];
    ns += Number(m[0].slice(0, -unit.length)) * GO_UNIT_NS[unit];
    rest = rest.slice(m[0].length);
  }
  const ms = ns / 1e6;
  return Number.isInteger(ms) ? ms : null;
}

/** Formats milliseconds as a Prometheus duration: 90000 → `1m30s`, 0 → `0s`. */
export function formatPromDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  const units: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/**
 * An Alloy duration as a Prometheus duration: unchanged when already valid in both grammars,
 * otherwise recomputed (`1.5m` → `1m30s`, `1h0m0s` → `1h`). Null when it is not a valid Go duration
 * or is not a whole number of milliseconds (Prometheus' finest unit).
 */
export function toPromDuration(text: string): string | null {
  const ms = goDurationMs(text);
  if (ms === null) return null;
  return PROM_DURATION.test(text) ? text : formatPromDuration(ms);
}
