/**
 * @module Reads the test-vector tables of shared/spec/otlp-to-prometheus.md §6.1–6.3 as data,
 * so the spec's tables themselves run as table tests (no copy to drift from).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NameKind, TranslationStrategy } from './metric-name.ts';

/** Where the spec lives: shared/ beside the checkout (as on CI and developer machines). */
export const SPEC_PATH = fileURLToPath(new URL('../../../../shared/spec/otlp-to-prometheus.md', import.meta.url));

/** One metric-name vector. `expected` null means an error is expected. */
export interface NameVector {
  row: string;
  name: string;
  unit: string;
  kind: NameKind;
  namespace: string;
  strategy: TranslationStrategy;
  expected: string | null;
}

/** One label-name vector (P3 defaults column); `expected` null means an error. */
export interface LabelVector {
  key: string;
  expected: string | null;
}

const KINDS: Record<string, NameKind> = { G: 'gauge', C: 'counter', U: 'updown', H: 'histogram', E: 'exphistogram', S: 'summary' };

function readSpec(): string {
  if (!existsSync(SPEC_PATH)) throw new Error(`the OTLP spec is missing at ${SPEC_PATH}: check out shared/ beside the repository`);
  return readFileSync(SPEC_PATH, 'utf8');
}

function section(text: string, heading: string): string[] {
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`spec section ${heading} not found`);
  const rest = text.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  return (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---'));
}

function cells(line: string): string[] {
  // Split on | outside backticks.
  const out: string[] = [];
  let cur = '';
  let tick = false;
  for (const ch of line.slice(1, line.lastIndexOf('|'))) {
    if (ch === '`') tick = !tick;
    if (ch === '|' && !tick) { out.push(cur.trim()); cur = ''; } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const unescape = (s: string) => s.replace(/\\t/g, '\t');
const firstCode = (s: string) => { const m = /`([^`]*)`/.exec(s); return m ? unescape(m[1]) : null; };

function parseUnit(cell: string): string {
  if (cell.startsWith('(empty)')) return '';
  const quoted = /^`?"([^"]*)"/.exec(cell);
  if (quoted) return unescape(quoted[1]);
  return firstCode(cell) ?? '';
}

/** §6.1: names with suffixes (default strategy). */
export function nameVectorsWithSuffixes(): NameVector[] {
  return section(readSpec(), '### 6.1').slice(1).map((line) => {
    const [row, nameCell, unitCell, t, expectedCell] = cells(line);
    const ns = /\((?:namespace|ns) `([^`]*)`\)/.exec(nameCell);
    return { row: `6.1 #${row}`, name: firstCode(nameCell)!, unit: parseUnit(unitCell), kind: KINDS[t], namespace: ns ? ns[1] : '', strategy: 'UnderscoreEscapingWithSuffixes' as const, expected: firstCode(expectedCell) };
  });
}

/** §6.2: other strategies and error cases. Rows whose strategy is "escaping, either" run under both escaping strategies. */
export function nameVectorsOther(): NameVector[] {
  const out: NameVector[] = [];
  for (const line of section(readSpec(), '### 6.2').slice(1)) {
    const [input, strategyCell, expectedCell] = cells(line);
    const strategies: TranslationStrategy[] = /no suffixes|add_metric_suffixes=false/.test(strategyCell) ? ['UnderscoreEscapingWithoutSuffixes']
      : /escaping, either/.test(strategyCell) ? ['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes']
      : [/`(\w+)`/.exec(strategyCell)![1] as TranslationStrategy];
    const expectedNames = [...expectedCell.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    const isError = expectedCell.startsWith('error');
    // "a (By, C) / b ns x" rows hold two inputs; a part without its own (unit, kind) shares the first part's.
    const parts = input.split(' / ');
    let shared = { unit: '', kind: 'gauge' as NameKind };
    parts.forEach((part, i) => {
      const raw = firstCode(part)!;
      const name = raw === '""' ? '' : raw;
      const meta = /\(([^()]*)\)\s*$/.exec(part.replace(/`[^`]*`/g, ''));
      if (meta) {
        const fields = meta[1].split(',').map((x) => x.trim());
        const kindField = fields.find((f) => /^[GCUHES]( or [GCUHES])?$/.test(f));
        const unitField = fields.find((f) => f !== kindField && !/^ns\b/.test(f));
        shared = { unit: unitField ?? '', kind: KINDS[kindField?.[0] ?? 'G'] };
      }
      const ns = /(?:namespace|ns) `([^`]*)`/.exec(part)?.[1] ?? '';
      for (const strategy of strategies) out.push({ row: `6.2 ${JSON.stringify(name)} ${strategy}`, name, unit: shared.unit, kind: shared.kind, namespace: ns, strategy, expected: isError ? null : expectedNames[Math.min(i, expectedNames.length - 1)] });
    });
  }
  return out;
}

/** §6.3: label names, the "P3 defaults" column. */
export function labelVectors(): LabelVector[] {
  const out: LabelVector[] = [];
  for (const line of section(readSpec(), '### 6.3').slice(1)) {
    const [keyCell, , p3Cell] = cells(line);
    const keys = [...keyCell.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    const expected = p3Cell === 'error' ? [] : [...p3Cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    keys.forEach((rawKey, i) => {
      const key = rawKey === '""' ? '' : rawKey;
      const e = p3Cell === 'error' ? null : p3Cell.startsWith('unchanged') ? rawKey : expected[Math.min(i, expected.length - 1)] ?? (p3Cell.includes('unchanged') ? rawKey : null);
      out.push({ key, expected: e });
    });
  }
  return out;
}
