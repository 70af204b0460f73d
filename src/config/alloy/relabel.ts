/**
 * @module `rule { … }` blocks (prometheus.relabel, discovery.relabel) and `write_relabel_config`
 * blocks into Prometheus `relabel_config` entries. The attributes map one to one (Alloy wraps
 * prometheus/prometheus model/relabel); defaults are the same, so only what is written is copied.
 */
import type { Block } from './ast.ts';
import { Body, type Component, type ConvertContext } from './context.ts';

/** A Prometheus relabel_config as YAML data. */
export type RelabelRule = Record<string, unknown>;

/** Prometheus' order of relabel_config keys, which is also the order written. */
const RULE_KEYS = ['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action'] as const;

/** Converts rule blocks; `where` names them in notes (`rule`, `endpoint > write_relabel_config`). */
export function convertRules(ctx: ConvertContext, display: string, blocks: readonly Block[], where = 'rule'): RelabelRule[] {
  return blocks.map((block) => {
    const body = new Body(block);
    const rule: RelabelRule = {};
    for (const key of RULE_KEYS) {
      const attr = body.attr(key);
      if (!attr) continue;
      const v = ctx.plain(attr, { block: display, what: `${where} > ${key}` });
      if (v !== undefined) rule[key] = v;
    }
    for (const attr of body.attributes()) {
      if (!(RULE_KEYS as readonly string[]).includes(attr.name)) ctx.untranslated(attr.pos.line, display, `${where} > ${attr.name} is not a relabel setting; left out`);
    }
    for (const child of body.children()) ctx.untranslated(child.pos.line, display, `${where} > ${child.name} is not a relabel setting; left out`);
    return rule;
  });
}

/**
 * Labels Prometheus sets on a target *before* relabel_configs run, which Alloy's discovery.relabel
 * never sees (prometheus.scrape adds them afterwards, and only where unset).
 */
const PRESET_BY_SCRAPE = ['job', '__scheme__', '__metrics_path__', '__scrape_interval__', '__scrape_timeout__'];

/**
 * Why a discovery.relabel rule may act differently as a Prometheus relabel_config, or null.
 * In Prometheus, `job`, `__scheme__`, `__metrics_path__`, `__scrape_interval__` and
 * `__scrape_timeout__` already hold the job's values when relabel_configs run
 * (scrape/target.go PopulateLabels), so a rule that reads them, or a labelkeep/labeldrop/labelmap
 * whose regex touches them, sees something Alloy's rule did not.
 */
export function targetRuleDifference(rule: RelabelRule): string | null {
  const sources = Array.isArray(rule.source_labels) ? rule.source_labels.map(String) : [];
  const read = sources.filter((l) => PRESET_BY_SCRAPE.includes(l) || l.startsWith('__param_'));
  if (read.length) return `reads ${read.join(', ')}, which in Prometheus already hold the job's values when relabel_configs run (in Alloy they were unset unless the target had them)`;
  const action = String(rule.action ?? 'replace').toLowerCase();
  if (action !== 'labelkeep' && action !== 'labeldrop' && action !== 'labelmap') return null;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${String(rule.regex ?? '(.*)')})$`, 'u');
  } catch {
    return null; // RE2 syntax JavaScript cannot compile: no opinion
  }
  const touched = PRESET_BY_SCRAPE.filter((l) => (action === 'labelkeep' ? !re.test(l) : re.test(l)));
  if (!touched.length) return null;
  const verb = action === 'labelkeep' ? 'drops' : action === 'labeldrop' ? 'drops' : 'copies';
  return `${action} ${verb} ${touched.join(', ')} in Prometheus, where ${touched.length > 1 ? 'these labels are' : 'this label is'} already set when relabel_configs run (in Alloy prometheus.scrape added ${touched.length > 1 ? 'them' : 'it'} afterwards)`;
}

/** The rules of a prometheus.relabel component, converted once. */
export function metricRelabelRules(ctx: ConvertContext, c: Component): RelabelRule[] {
  const key = `metric-rules:${c.id}`;
  const cached = ctx.memo.get(key) as RelabelRule[] | undefined;
  if (cached) return cached;
  const body = new Body(c.block);
  const rules = convertRules(ctx, c.display, body.blocks('rule'));
  for (const s of c.block.body) {
    if (s.kind === 'attribute' && s.name === 'max_cache_size') ctx.info(s.pos.line, c.display, 'max_cache_size is not needed (Pharos does not cache relabel results)');
    else if ((s.kind === 'attribute' && s.name !== 'forward_to') || (s.kind === 'block' && s.name !== 'rule')) ctx.untranslated(s.pos.line, c.display, `${s.name} is not translated`);
  }
  if (!rules.length) ctx.info(c.block.pos.line, c.display, 'has no rule blocks: passes metrics through unchanged, so there is nothing to translate');
  ctx.memo.set(key, rules);
  return rules;
}
