/** @module Prometheus' duration syntax (model.ParseDuration): `1h30m`, `15s`, `500ms`, `0`. */

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1] as const;

/**
 * Parses a duration the way Prometheus' YAML does: units y w d h m s ms, each at most once and in
 * that order, or the bare `0`. Returns ms, or null when `text` is not such a duration (a plain
 * number like `30` is not: Prometheus refuses it too).
 */
export function parsePromDurationMs(text: string): number | null {
  if (text === '0') return 0;
  if (text === '') return null;
  const m = DURATION_RE.exec(text);
  if (m === null) return null;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i];
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Formats ms as the shortest Prometheus duration (`90000` → `1m30s`), for messages and docs. */
export function formatPromDuration(ms: number): string {
  if (ms === 0) return '0s';
  const names = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let out = '';
  let rest = ms;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const n = Math.floor(rest / UNIT_MS[i]);
    if (n > 0) { out += `${n}${names[i]}`; rest -= n * UNIT_MS[i]; }
  }
  return out;
}
