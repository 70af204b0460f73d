import { describe, expect, it } from 'vitest';
import { BAD, GOOD, collect } from './testdata/fixtures.ts';

describe('uname collector', () => {
  it('labels node_uname_info with the utsname fields', () => {
    const c = collect({ ...GOOD, collectors: ['uname'] });
    expect(c.series('node_uname_info')).toEqual({
      '{domainname="(none)",machine="x86_64",nodename="fixture-host",release="6.1.0-13-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)"}': 1,
    });
  });

  it('fails when a field file is missing', () => {
    const c = collect({ ...BAD, collectors: ['uname'] });
    expect(c.success('uname')).toBe(0);
    expect(c.series('node_uname_info')).toEqual({});
  });
});
