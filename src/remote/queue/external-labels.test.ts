import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToObject } from '../../model/labels.ts';
import { withExternalLabels } from './external-labels.ts';

describe('withExternalLabels', () => {
  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>]>([
    ['none configured', { __name__: 'up', job: 'a' }, {}, { __name__: 'up', job: 'a' }],
    ['added in name order', { __name__: 'up', job: 'a' }, { cluster: 'eu-1', zone: 'z' }, { __name__: 'up', cluster: 'eu-1', job: 'a', zone: 'z' }],
    ["the series' own value wins", { __name__: 'up', cluster: 'mine' }, { cluster: 'eu-1', replica: 'r' }, { __name__: 'up', cluster: 'mine', replica: 'r' }],
    ['sorting before every series label', { b: '1', c: '2' }, { a: '0' }, { a: '0', b: '1', c: '2' }],
  ])('%s', (_name, series, external, want) => {
    const out = withExternalLabels(labelsFrom(series), labelsFrom(external));
    expect(labelsToObject(out)).toEqual(want);
    expect(out).toEqual(labelsFrom(labelsToObject(out))); // canonical
  });

  it('returns the same array when nothing is added', () => {
    const l = labelsFrom({ __name__: 'up', cluster: 'x' });
    expect(withExternalLabels(l, labelsFrom({ cluster: 'y' }))).toBe(l);
  });
});
