/**
 * @module Prometheus' duration type (prometheus/common model.Duration): parsing `1m30s`-style text
 * and printing it back the way Prometheus does, which is what `__scrape_interval__` holds.
 */

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1] as const;
const UNIT_NAMES = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/**
 * Parses a duration as model.ParseDuration does: units y w d h m s ms, each at most once and in
 * that order, or the bare `0`. Returns ms, or null when `text` is not a duration.
 */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  if (text === '') return null;
  const m = DURATION_RE.exec(text);
  if (m === null) return null;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i];
  return Number.isSafeInteger(ms) ? ms : null;
}

/**
 * Prints ms as model.Duration.String() does: `0s`, `15s`, `1m30s`, `500ms`; years and weeks only
 * when they divide the rest exactly (`90d`, not `12w6d`).
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (let i = 0; i < UNIT_MS.length; i++) {
    const exact = i < 2;
    if (exact && rest % UNIT_MS[i] !== 0) continue;
    const n = Math.floor(rest / UNIT_MS[i]);
    if (n > 0) {
      out += `${n}${UNIT_NAMES[i]}`;
      rest -= n * UNIT_MS[i];
    }
  }
  return out;
}
