import { describe, expect, it } from 'vitest';
import { BAD, FIXTURE_NOW_MS, GOOD, collect } from './testdata/fixtures.ts';

describe('time collector', () => {
  it('emits the clock, the zone and the clocksources', () => {
    const c = collect({ ...GOOD, collectors: ['time'] });
    expect(c.series('node_time_seconds')).toEqual({ '': FIXTURE_NOW_MS / 1000 });
    const zone = c.series('node_time_zone_offset_seconds');
    expect(Object.keys(zone)).toHaveLength(1);
    expect(Object.keys(zone)[0]).toMatch(/^\{time_zone=".+"\}$/);
    expect(c.series('node_time_clocksource_available_info')).toEqual({
      '{clocksource="tsc",device="0"}': 1, '{clocksource="hpet",device="0"}': 1, '{clocksource="acpi_pm",device="0"}': 1,
    });
    expect(c.series('node_time_clocksource_current_info')).toEqual({ '{clocksource="tsc",device="0"}': 1 });
  });

  it('has no clocksource series when sysfs has no clocksource directory', () => {
    const c = collect({ ...GOOD, sysPath: '/nonexistent', collectors: ['time'] });
    expect(c.success('time')).toBe(1);
    expect(c.series('node_time_clocksource_current_info')).toEqual({});
  });

  it('fails when a clocksource lacks current_clocksource', () => {
    const c = collect({ ...BAD, collectors: ['time'] });
    expect(c.success('time')).toBe(0);
    expect(c.series('node_time_seconds')).toEqual({});
  });
});
