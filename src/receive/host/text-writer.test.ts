import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { parseExposition } from '../scrape/exposition/index.ts';
import { RecordingSink } from '../scrape/exposition/recording-sink.ts';
import { renderHostMetricsText } from './render.ts';
import { collectHostMetrics } from './collect.ts';
import { GOOD, labelString } from './testdata/fixtures.ts';
import { TextExpositionSink, escapeHelp, escapeLabelValue, formatGoFloat } from './text-writer.ts';

describe('formatGoFloat (strconv.FormatFloat(v, \'g\', -1, 64))', () => {
  it.each([
    [0, '0'], [-0, '0'], [1, '1'], [-1, '-1'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
    [25757.7, '25757.7'], [245660, '245660'], [999999, '999999'], [1e6, '1e+06'], [2097152, '2.097152e+06'],
    [1795570921, '1.795570921e+09'], [25276063744, '2.5276063744e+10'], [1.7956018995156393e9, '1.7956018995156393e+09'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [0.000123, '0.000123'], [1.5e-7, '1.5e-07'], [101.032, '101.032'],
    [-2.5e-10, '-2.5e-10'], [1e21, '1e+21'], [1.8446744073709552e19, '1.8446744073709552e+19'], [5e-324, '5e-324'], [1e100, '1e+100'],
  ])('%s → %s', (v, want) => {
    expect(formatGoFloat(v)).toBe(want);
  });
});

describe('text format escapes', () => {
  it('escapes HELP and label values as expfmt does', () => {
    expect(escapeHelp('a\\b\nc "d"')).toBe('a\\\\b\\nc "d"');
    expect(escapeLabelValue('a\\b\nc "d"')).toBe('a\\\\b\\nc \\"d\\"');
  });
});

describe('TextExpositionSink', () => {
  it('sorts families by name and series by label values', () => {
    const s = new TextExpositionSink();
    s.metadata('b_total', { type: 'counter', unit: '', help: 'B.' });
    s.sample('b_total', labelsFrom({ __name__: 'b_total', cpu: '2' }), 1);
    s.sample('b_total', labelsFrom({ __name__: 'b_total', cpu: '10' }), 2);
    s.sample('a', labelsFrom({ __name__: 'a', x: 'q"' }), 0.5);
    expect(s.text()).toBe('a{x="q\\""} 0.5\n# HELP b_total B.\n# TYPE b_total counter\nb_total{cpu="10"} 2\nb_total{cpu="2"} 1\n');
  });
});

describe('renderHostMetricsText', () => {
  it('round-trips through the repo\'s text parser: same samples, values and metadata', () => {
    // One collection into both a recorder and the text writer, so volatile values agree.
    const direct = new RecordingSink();
    const text = new TextExpositionSink();
    collectHostMetrics({
      sample: (n, l, v, t) => { direct.sample(n, l, v, t); text.sample(n, l, v); },
      metadata: (f, m) => { direct.metadata(f, m); text.metadata(f, m); },
    }, GOOD);
    const parsed = new RecordingSink();
    parseExposition(text.text(), 'text/plain; version=0.0.4', parsed);
    const key = (xs: RecordingSink) => xs.samples.map((x) => `${x.name}${labelString(x.labels)} ${x.value}`).sort();
    expect(key(parsed)).toEqual(key(direct));
    const md = (xs: RecordingSink) => Object.fromEntries(xs.metadataCalls.map((m) => [m.family, m.metadata]));
    expect(md(parsed)).toEqual(md(direct));
  });

  it('writes node_exporter\'s lines', () => {
    const text = renderHostMetricsText(GOOD);
    expect(text).toContain('# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\nnode_cpu_seconds_total{cpu="0",mode="idle"} 25829.02\n');
    expect(text).toContain('node_memory_MemTotal_bytes 2.5276063744e+10\n');
    expect(text).toContain('node_boot_time_seconds 1.795570921e+09\n');
    expect(text).toContain('node_disk_read_time_seconds_total{device="sda"} 202.223\n');
  });
});
