/**
 * Runs every Prometheus PromQL test script in shared/conformance/promql/, unmodified. Evals that
 * need native histograms are counted as skipped (FORMAT.md's rule); every other eval must pass
 * unless it is listed in known-failures.txt with its reason. A listed eval that starts passing
 * fails this test too, so the list only shrinks.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScript } from './runner.ts';

const dir = new URL('../../../../shared/conformance/promql/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.test')).sort();
const known = new Map(
  readFileSync(new URL('./known-failures.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => [l.split(/\s+/)[0], l.slice(l.indexOf(' ') + 1)] as const),
);

describe('Prometheus PromQL conformance scripts', () => {
  const totals = { passed: 0, failed: 0, skipped: 0 };

  it.each(files)('%s', async (file) => {
    const outcomes = await runScript(readFileSync(new URL(file, dir), 'utf8'));
    const unexpected: string[] = [];
    const nowPassing: string[] = [];
    for (const o of outcomes) {
      const id = `${file}:${o.line}`;
      totals[o.status]++;
      if (o.status === 'failed' && !known.has(id)) unexpected.push(`${id}: ${o.expr}\n    ${o.detail}`);
      if (o.status === 'passed' && known.has(id)) nowPassing.push(id);
    }
    expect(unexpected, 'evals that fail but are not in known-failures.txt').toEqual([]);
    expect(nowPassing, 'evals in known-failures.txt that pass now: remove them').toEqual([]);
  });

  it('counts every eval once: 1850 in all, 887 of them need native histograms', () => {
    console.log(`promql conformance: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    expect(totals.passed + totals.failed + totals.skipped).toBe(1850);
    expect(totals.skipped).toBe(887);
  });
});
