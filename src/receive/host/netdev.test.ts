import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostParseError } from './errors.ts';
import { NET_DEV_COLUMNS, parseNetDev } from './netdev.ts';
import { BAD, GOOD, TESTDATA, collect } from './testdata/fixtures.ts';

describe('parseNetDev', () => {
  it('reads every interface after the two header lines', () => {
    const devs = parseNetDev(readFileSync(join(TESTDATA, 'proc/net/dev'), 'utf8'));
    expect(devs.map((d) => d.name)).toEqual(['lo', 'eth0', 'wlan0']);
    expect([...devs[1].values]).toEqual([995741518, 34131, 1, 2, 3, 4, 5, 6, 3503088, 25134, 7, 8, 9, 10, 11, 12]);
    expect(devs[2].values[0]).toBe(18446744073709551615); // a wrapped uint64 rounds like float64(uint64)
  });
  it.each([
    ['eth0 1 2\n', 'missing colon'],
    [' : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n', 'empty interface name'],
    ['eth0: 1 2 3\n', 'counters'],
    ['eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16\n', 'transmit_compressed'],
  ])('refuses %j', (line, what) => {
    expect(() => parseNetDev('h1\nh2\n' + line)).toThrow(HostParseError);
    expect(() => parseNetDev('h1\nh2\n' + line)).toThrow(what);
  });
});

describe('netdev collector', () => {
  it('emits the 16 /proc/net/dev counters and rx_nohandler, without lo', () => {
    const c = collect({ ...GOOD, collectors: ['netdev'] });
    NET_DEV_COLUMNS.forEach((col, i) => {
      expect(Object.keys(c.series(`node_network_${col}_total`))).toEqual(['{device="eth0"}', '{device="wlan0"}']);
      expect(c.series(`node_network_${col}_total`)['{device="eth0"}']).toBe([995741518, 34131, 1, 2, 3, 4, 5, 6, 3503088, 25134, 7, 8, 9, 10, 11, 12][i]);
    });
    // Only eth0 has a statistics/rx_nohandler in the fixture sysfs.
    expect(c.series('node_network_receive_nohandler_total')).toEqual({ '{device="eth0"}': 42 });
    expect(c.sink.metadataCalls.find((m) => m.family === 'node_network_receive_drop_total')?.metadata)
      .toEqual({ type: 'counter', unit: '', help: 'Network device statistic receive_drop.' });
  });

  it('takes a device exclude pattern', () => {
    const c = collect({ ...GOOD, collectors: ['netdev'], netdevDeviceExclude: /^(eth|wlan)\d+$/ });
    expect(Object.keys(c.series('node_network_receive_bytes_total'))).toEqual(['{device="lo"}']);
  });

  it('fails on a short line', () => {
    expect(collect({ ...BAD, collectors: ['netdev'] }).success('netdev')).toBe(0);
  });
});
