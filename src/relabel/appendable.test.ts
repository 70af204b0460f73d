import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../model/labels.ts';
import type { Appendable, Appender } from '../storage/interface.ts';
import { relabelAppendable } from './appendable.ts';
import { parseRelabelConfigs } from './config.ts';

/** Records what reaches the store; hands out refs 1, 2, … per distinct label set. */
function recordingStore() {
  const appended: Array<{ ref: number; labels: Record<string, string>; t: number; v: number }> = [];
  const refs = new Map<string, number>();
  let committed = 0;
  const store: Appendable = {
    appender: (): Appender => ({
      append(ref, labels, t, v) {
        const key = JSON.stringify(labels);
        const own = refs.get(key) ?? refs.size + 1;
        refs.set(key, own);
        appended.push({ ref, labels: Object.fromEntries(labels.map((l) => [l.name, l.value])), t, v });
        return own;
      },
      updateMetadata() {},
      commit: async () => void committed++,
      rollback() {},
    }),
  };
  return { store, appended, committed: () => committed };
}

const rules = parseRelabelConfigs([
  { source_labels: ['__name__'], regex: 'debug_.*', action: 'drop' },
  { source_labels: ['http_route'], target_label: 'route', action: 'replace' },
  { regex: 'http_route|telemetry_sdk_.*', action: 'labeldrop' },
], 'otlp.metric_relabel_configs');

describe('relabelAppendable', () => {
  it('stores series as the rules rewrite them and leaves out the ones they drop', async () => {
    const { store, appended, committed } = recordingStore();
    const app = relabelAppendable(store, rules).appender();
    const requests: Labels = labelsFrom({ __name__: 'requests_total', http_route: '/users', telemetry_sdk_name: 'opentelemetry' });
    const debug: Labels = labelsFrom({ __name__: 'debug_queue_depth', http_route: '/users' });
    const ref = app.append(0, requests, 1000, 1);
    expect(app.append(0, debug, 1000, 7)).toBe(0);
    app.append(ref, requests, 2000, 2);
    await app.commit();
    expect(committed()).toBe(1);
    expect(appended).toEqual([
      { ref: 0, labels: { __name__: 'requests_total', route: '/users' }, t: 1000, v: 1 },
      { ref, labels: { __name__: 'requests_total', route: '/users' }, t: 2000, v: 2 },
    ]);
  });

  it('drops a series whose rules took its name away', () => {
    const { store, appended } = recordingStore();
    const nameless = parseRelabelConfigs([{ regex: '__name__', action: 'labeldrop' }], 'rules');
    expect(relabelAppendable(store, nameless).appender().append(0, labelsFrom({ __name__: 'up', job: 'a' }), 1, 1)).toBe(0);
    expect(appended).toEqual([]);
  });

  it('is the store itself when there are no rules', () => {
    const { store } = recordingStore();
    expect(relabelAppendable(store, [])).toBe(store);
  });
});
