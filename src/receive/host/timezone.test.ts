import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TESTDATA } from './testdata/fixtures.ts';
import { lookupZone, parseFooterNames, parseTzif, zoneFileCandidates } from './timezone.ts';

const zone = (name: string) => {
  const tz = parseTzif(readFileSync(join(TESTDATA, 'zoneinfo', name)));
  if (tz === undefined) throw new Error(`fixture ${name} is not TZif`);
  return tz;
};

describe('parseTzif + lookupZone (Go Location.lookup)', () => {
  it.each([
    // [file, ISO time, JS offset (s) at that time, want name, want offset]
    ['Europe-Berlin', '2024-01-15T12:00:00Z', 3600, 'CET', 3600],
    ['Europe-Berlin', '2024-07-01T12:00:00Z', 7200, 'CEST', 7200],
    ['Europe-Berlin', '1890-01-01T00:00:00Z', 3600, 'LMT', 3208], // before the first transition (1893)
    // Past the file's last transition, the POSIX footer names the zone.
    ['Europe-Berlin', '2080-07-01T12:00:00Z', 7200, 'CEST', 7200],
    ['Europe-Berlin', '2080-01-01T12:00:00Z', 3600, 'CET', 3600],
    ['Asia-Dubai', '2024-07-01T12:00:00Z', 14400, '+04', 14400],
    ['Etc-UTC', '2024-07-01T12:00:00Z', 0, 'UTC', 0],
  ])('%s at %s', (file, iso, jsOffset, name, offsetSeconds) => {
    expect(lookupZone(zone(file), Date.parse(iso), jsOffset)).toEqual({ name, offsetSeconds });
  });

  it.each([new Uint8Array(0), new TextEncoder().encode('TZif2 but not really'), readFileSync(join(TESTDATA, 'zoneinfo/Europe-Berlin')).subarray(0, 100)])(
    'refuses a non-TZif or truncated file (%#)', (buf) => {
      expect(parseTzif(buf)).toBeUndefined();
    });
});

describe('parseFooterNames (POSIX TZ)', () => {
  it.each([
    ['UTC0', { std: { name: 'UTC', offsetSeconds: 0 }, dst: undefined }],
    ['<+04>-4', { std: { name: '+04', offsetSeconds: 14400 }, dst: undefined }],
    ['CET-1CEST,M3.5.0,M10.5.0/3', { std: { name: 'CET', offsetSeconds: 3600 }, dst: { name: 'CEST', offsetSeconds: 7200 } }],
    ['EST5EDT,M3.2.0,M11.1.0', { std: { name: 'EST', offsetSeconds: -18000 }, dst: { name: 'EDT', offsetSeconds: -14400 } }],
    ['IST-5:30', { std: { name: 'IST', offsetSeconds: 19800 }, dst: undefined }],
    ['<-03>3<-02>,M3.5.0/-2,M10.5.0/-1', { std: { name: '-03', offsetSeconds: -10800 }, dst: { name: '-02', offsetSeconds: -7200 } }],
  ])('%j', (s, want) => {
    expect(parseFooterNames(s)).toEqual(want);
  });
  it.each(['', '5', 'AB5', '<+04'])('refuses %j', (s) => {
    expect(parseFooterNames(s)).toBeUndefined();
  });
});

describe('zoneFileCandidates (Go initLocal)', () => {
  it.each([
    [undefined, ['/etc/localtime']],
    ['', undefined],
    ['UTC', undefined],
    [':', undefined],
    ['/opt/zone', ['/opt/zone']],
    [':/opt/zone', ['/opt/zone']],
    ['Europe/Berlin', ['/usr/share/zoneinfo/Europe/Berlin', '/usr/share/lib/zoneinfo/Europe/Berlin', '/usr/lib/locale/TZ/Europe/Berlin']],
  ])('TZ=%j', (tz, want) => {
    expect(zoneFileCandidates(tz)).toEqual(want);
  });
});
