/**
 * @module Where a scrape's `targets` come from: literal lists of target objects (→ static_configs),
 * discovery.relabel components in between (their rules → relabel_configs), exporters, and
 * service discovery components (named as untranslatable).
 */
import type { Component, ConvertContext } from './context.ts';
import { Body } from './context.ts';
import { convertRules, targetRuleDifference, type RelabelRule } from './relabel.ts';
import { ConcatValue, ExportRef, RuntimeValue, UnknownValue, isArray, isObject, type AlloyObject, type AlloyValue } from './values.ts';

/** One origin of targets, with the discovery.relabel rules applied to it on the way. */
export type TargetSource =
  | { readonly kind: 'static'; readonly targets: readonly AlloyObject[]; readonly rules: readonly RelabelRule[]; readonly via: readonly Component[] }
  | { readonly kind: 'exporter'; readonly component: Component; readonly rules: readonly RelabelRule[]; readonly via: readonly Component[] }
  | { readonly kind: 'discovery'; readonly component: Component; readonly via: readonly Component[] }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The sources of a targets value (a list, a concat(), or a component export). */
export function targetSources(ctx: ConvertContext, value: AlloyValue, via: readonly Component[] = [], rules: readonly RelabelRule[] = []): TargetSource[] {
  if (value instanceof ConcatValue) return value.parts.flatMap((p) => targetSources(ctx, p, via, rules));
  if (isArray(value)) {
    const out: TargetSource[] = [];
    const targets: AlloyObject[] = [];
    for (const item of value) {
      if (isObject(item)) targets.push(item);
      else out.push(...targetSources(ctx, item, via, rules).map((s) => (s.kind === 'static' ? { kind: 'unknown' as const, reason: 'a target list contains a list' } : s)));
    }
    if (targets.length) out.unshift({ kind: 'static', targets, rules, via });
    return out;
  }
  if (value instanceof ExportRef) {
    const c = ctx.componentOf(value);
    if (!c) return [{ kind: 'unknown', reason: `${value.text} is not a component in this file` }];
    if (c.name === 'discovery.relabel' && value.field === 'output') {
      if (via.includes(c)) return [{ kind: 'unknown', reason: `${c.display} feeds itself` }];
      ctx.handled.add(c.id);
      const body = new Body(c.block);
      const input = body.attr('targets');
      if (!input) return [{ kind: 'unknown', reason: `${c.display} has no targets` }];
      return targetSources(ctx, ctx.evaluate(input), [...via, c], [...discoveryRules(ctx, c), ...rules]);
    }
    if (c.name.startsWith('prometheus.exporter.') && value.field === 'targets') return [{ kind: 'exporter', component: c, rules, via }];
    if (c.name.startsWith('discovery.') && value.field === 'targets') return [{ kind: 'discovery', component: c, via }];
    return [{ kind: 'unknown', reason: `${value.text} is not a list of targets the importer can read` }];
  }
  if (value instanceof RuntimeValue) return [{ kind: 'unknown', reason: `the targets are read from the environment (${value.env.join(', ')})` }];
  if (value instanceof UnknownValue) return [{ kind: 'unknown', reason: value.reason }];
  return [{ kind: 'unknown', reason: `targets should be a list of objects, got ${value === null ? 'null' : typeof value}` }];
}

/**
 * The rules of a discovery.relabel component as relabel_configs, converted once. Rules that act
 * differently in Prometheus' relabel_configs (see targetRuleDifference) are noted.
 */
export function discoveryRules(ctx: ConvertContext, c: Component): RelabelRule[] {
  const key = `discovery-rules:${c.id}`;
  const cached = ctx.memo.get(key) as RelabelRule[] | undefined;
  if (cached) return cached;
  const body = new Body(c.block);
  const blocks = body.blocks('rule');
  const rules = convertRules(ctx, c.display, blocks);
  rules.forEach((rule, i) => {
    const why = targetRuleDifference(rule);
    if (why) ctx.untranslated(blocks[i].pos.line, c.display, `rule ${why}`);
  });
  for (const s of c.block.body) {
    if ((s.kind === 'attribute' && s.name !== 'targets') || (s.kind === 'block' && s.name !== 'rule')) {
      ctx.untranslated(s.pos.line, c.display, `${s.name} is not translated`);
    }
  }
  if (!rules.length) ctx.info(c.block.pos.line, c.display, 'has no rule blocks: passes targets through unchanged');
  ctx.memo.set(key, rules);
  return rules;
}
