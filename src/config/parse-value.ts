/** @module Parsers for setting values: listen addresses, byte sizes, durations, booleans. */
import type { SettingType } from './settings.ts';

/** A listen address; null when the component is switched off. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A parsed setting value. */
export type SettingValue = string | number | boolean | readonly string[] | ListenAddress | null;

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3 };
const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Parses a Prometheus-style duration (`1h30m`, `15s`, `500ms`) or plain seconds into ms. */
export function parseDurationMs(text: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+)(ms|[smhdwy])/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 15s, 5m, 1h30m)`);
  return total;
}

/** Parses a byte size: a plain number of bytes or a number with a unit (KiB, MiB, GiB, KB, MB, GB). */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const mult = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new Error(`not a byte size: ${JSON.stringify(text)} (use e.g. 4194304, 4MiB, 20MB)`);
  return Math.floor(Number(m[1]) * mult);
}

/** Parses HOST:PORT (`:9090` means all interfaces, `[::1]:9090` for IPv6); '' or 'off' → null. */
export function parseListen(text: string): ListenAddress | null {
  const s = text.trim();
  if (s === '' || s === 'off' || s === 'false') return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`not a HOST:PORT listen address: ${JSON.stringify(text)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port out of range in ${JSON.stringify(text)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Parses a value (text from env/flags, or a YAML scalar/list) as the given type. Throws with the reason. */
export function parseSettingValue(type: SettingType, raw: unknown): SettingValue {
  if (type.kind === 'list') {
    if (Array.isArray(raw)) return raw.map((x) => String(x).trim()).filter((x) => x !== '');
    if (typeof raw !== 'string') throw new Error(`expected a list, got ${typeof raw}`);
    return raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  }
  if (raw !== null && typeof raw === 'object') throw new Error('expected a single value, got a structure');
  const text = raw === null || raw === undefined ? '' : String(raw);
  switch (type.kind) {
    case 'string': return text;
    case 'listen': return parseListen(text);
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === '1' || t === 'yes' || t === 'on') return true;
      if (t === 'false' || t === '0' || t === 'no' || t === 'off') return false;
      throw new Error(`not a boolean: ${JSON.stringify(text)} (use true or false)`);
    }
    case 'int': {
      if (!/^\s*-?\d+\s*$/.test(text)) throw new Error(`not an integer: ${JSON.stringify(text)}`);
      const n = Number(text);
      if (type.min !== undefined && n < type.min) throw new Error(`${n} is below the minimum ${type.min}`);
      if (type.max !== undefined && n > type.max) throw new Error(`${n} is above the maximum ${type.max}`);
      return n;
    }
    case 'bytes': return parseBytes(text);
    case 'duration': return parseDurationMs(text);
    case 'enum':
      if (!type.values.includes(text)) throw new Error(`${JSON.stringify(text)} is not one of ${type.values.join(', ')}`);
      return text;
  }
}
