/**
 * @module The local time zone's abbreviation and offset as Go's time.Now().Zone() gives them,
 * for node_time_zone_offset_seconds{time_zone}. JavaScript's Intl names zones differently ("GMT+1"
 * where tzdata says "CET"), so this reads the TZif file Go would read (RFC 8536) and follows Go's
 * zoneinfo lookup: $TZ unset → /etc/localtime, $TZ="" or unreadable → UTC.
 *
 * After the last transition in the file, Go evaluates the POSIX TZ footer (e.g.
 * "CET-1CEST,M3.5.0,M10.5.0/3"). Here the footer's standard and daylight names are told apart by
 * the offset JavaScript reports for that moment instead, which agrees wherever the system's ICU
 * and tzdata do.
 */
import { readFileSync } from 'node:fs';

/** A zone abbreviation and its offset east of UTC, in seconds. */
export interface ZoneName {
  readonly name: string;
  readonly offsetSeconds: number;
}

interface ZoneType {
  readonly offsetSeconds: number;
  readonly isDst: boolean;
  readonly name: string;
}

/** What a TZif file says, as Go keeps it (the 64-bit data when the file has it). */
export interface TzData {
  /** Transition times in seconds since the epoch, ascending. */
  readonly transitions: readonly number[];
  /** The type index of each transition. */
  readonly typeIndex: readonly number[];
  readonly types: readonly ZoneType[];
  /** The POSIX TZ footer, '' when absent. */
  readonly footer: string;
}

const UTC: ZoneName = { name: 'UTC', offsetSeconds: 0 };
// Go 1.19's platformZoneSources (zoneinfo_unix.go); Debian built node_exporter 1.5 with Go 1.19.
const ZONE_DIRS = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/'];

/** Parses a TZif file (versions 1 to 4); undefined when it is not one or is truncated. */
export function parseTzif(buf: Uint8Array): TzData | undefined {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = (at: number) => {
    if (at + 44 > buf.length || view.getUint32(at) !== 0x545a6966) return undefined; // "TZif"
    const c = (i: number) => view.getUint32(at + 20 + i * 4);
    return { version: buf[at + 4], isut: c(0), isstd: c(1), leap: c(2), time: c(3), type: c(4), char: c(5) };
  };
  let h = header(0);
  if (h === undefined) return undefined;
  let pos = 44;
  let timeSize = 4;
  if (h.version >= 0x32) { // '2': skip the 32-bit block for the 64-bit one that follows
    pos += h.time * 5 + h.type * 6 + h.char + h.leap * 8 + h.isstd + h.isut;
    h = header(pos);
    if (h === undefined) return undefined;
    pos += 44;
    timeSize = 8;
  }
  const end = pos + h.time * (timeSize + 1) + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut;
  if (end > buf.length || h.type === 0) return undefined;
  const transitions: number[] = [];
  for (let i = 0; i < h.time; i++, pos += timeSize) {
    transitions.push(timeSize === 8 ? Number(view.getBigInt64(pos)) : view.getInt32(pos));
  }
  const typeIndex: number[] = [];
  for (let i = 0; i < h.time; i++) typeIndex.push(buf[pos++]);
  const rawTypes: [number, boolean, number][] = [];
  for (let i = 0; i < h.type; i++, pos += 6) rawTypes.push([view.getInt32(pos), buf[pos + 4] !== 0, buf[pos + 5]]);
  const chars = buf.subarray(pos, pos + h.char);
  const types = rawTypes.map(([offsetSeconds, isDst, at]) => {
    let stop = chars.indexOf(0, at);
    if (stop < 0) stop = chars.length;
    return { offsetSeconds, isDst, name: Buffer.from(chars.subarray(at, stop)).toString('latin1') };
  });
  if (typeIndex.some((i) => i >= types.length)) return undefined;
  let footer = '';
  if (timeSize === 8 && buf[end] === 0x0a) {
    const nl = buf.indexOf(0x0a, end + 1);
    if (nl > end) footer = Buffer.from(buf.subarray(end + 1, nl)).toString('latin1');
  }
  return { transitions, typeIndex, types, footer };
}

/**
 * The zone in effect at `nowMs` per `tz`, Go's Location.lookup. `jsOffsetSeconds` is the local
 * offset JavaScript reports at that moment, used only to pick between the footer's names.
 */
export function lookupZone(tz: TzData, nowMs: number, jsOffsetSeconds: number): ZoneName {
  const sec = Math.floor(nowMs / 1000);
  const tx = tz.transitions;
  let type: ZoneType;
  let last = false;
  if (tx.length === 0) {
    type = tz.types[0];
    last = true; // Go adds a transition at the dawn of time to type 0, so the footer applies
  } else if (sec < tx[0]) {
    type = tz.types[firstZone(tz)];
  } else {
    let lo = 0, hi = tx.length;
    while (hi - lo > 1) {
      const m = (lo + hi) >>> 1;
      if (sec < tx[m]) hi = m;
      else lo = m;
    }
    type = tz.types[tz.typeIndex[lo]];
    last = lo === tx.length - 1;
  }
  if (last && tz.footer !== '') {
    const f = parseFooterNames(tz.footer);
    if (f !== undefined) {
      if (f.dst !== undefined && jsOffsetSeconds === f.dst.offsetSeconds) return f.dst;
      return f.std;
    }
  }
  return { name: type.name, offsetSeconds: type.offsetSeconds };
}

// Go's lookupFirstZone: the zone for times before the first transition.
function firstZone(tz: TzData): number {
  if (!tz.typeIndex.includes(0)) return 0;
  if (tz.typeIndex.length > 0 && tz.types[tz.typeIndex[0]].isDst) {
    for (let zi = tz.typeIndex[0] - 1; zi >= 0; zi--) if (!tz.types[zi].isDst) return zi;
  }
  const zi = tz.types.findIndex((t) => !t.isDst);
  return zi < 0 ? 0 : zi;
}

/** The standard and daylight names and offsets of a POSIX TZ string, or undefined if it does not parse. */
export function parseFooterNames(s: string): { std: ZoneName; dst: ZoneName | undefined } | undefined {
  let pos = 0;
  const name = (): string | undefined => {
    if (s[pos] === '<') {
      const close = s.indexOf('>', pos);
      if (close < 0) return undefined;
      const n = s.slice(pos + 1, close);
      pos = close + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(s.slice(pos));
    if (m === null) return undefined;
    pos += m[0].length;
    return m[0];
  };
  // POSIX offsets count west of UTC: "CET-1" is one hour east.
  const offset = (): number | undefined => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(s.slice(pos));
    if (m === null) return undefined;
    pos += m[0].length;
    const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? secs : 0 - secs; // 0 - x: no -0 for UTC0
  };
  const stdName = name();
  if (stdName === undefined) return undefined;
  const stdOffset = offset();
  if (stdOffset === undefined) return undefined;
  const std = { name: stdName, offsetSeconds: stdOffset };
  if (pos >= s.length || s[pos] === ',') return { std, dst: undefined };
  const dstName = name();
  if (dstName === undefined) return undefined;
  let dstOffset = stdOffset + 3600; // POSIX: one hour ahead of standard time by default
  if (pos < s.length && s[pos] !== ',') {
    const o = offset();
    if (o === undefined) return undefined;
    dstOffset = o;
  }
  return { std, dst: { name: dstName, offsetSeconds: dstOffset } };
}

/** Where Go finds the local zone for a given $TZ (undefined: unset); undefined result means UTC. */
export function zoneFileCandidates(tzEnv: string | undefined): string[] | undefined {
  if (tzEnv === undefined) return ['/etc/localtime'];
  const tz = tzEnv.startsWith(':') ? tzEnv.slice(1) : tzEnv;
  if (tz === '' || tz === 'UTC') return undefined;
  if (tz.startsWith('/')) return [tz];
  return ZONE_DIRS.map((d) => d + tz);
}

/** Loads the local zone data as Go's initLocal would; undefined means UTC. */
export function loadLocalTzData(tzEnv: string | undefined): TzData | undefined {
  for (const path of zoneFileCandidates(tzEnv) ?? []) {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      continue;
    }
    const tz = parseTzif(buf);
    if (tz !== undefined) return tz;
  }
  return undefined;
}

let cache: { tzEnv: string | undefined; data: TzData | undefined } | undefined;

/**
 * The local zone at `nowMs`. The zone file is read once per $TZ value, as Go loads time.Local
 * once per process.
 */
export function localZone(nowMs: number): ZoneName {
  const tzEnv = process.env.TZ;
  if (cache === undefined || cache.tzEnv !== tzEnv) cache = { tzEnv, data: loadLocalTzData(tzEnv) };
  if (cache.data === undefined) return UTC;
  return lookupZone(cache.data, nowMs, -new Date(nowMs).getTimezoneOffset() * 60);
}
