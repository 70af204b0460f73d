/**
 * @module The metrics graph: where a `forward_to` list leads. Each route is the chain of
 * prometheus.relabel components passed through and where it ends (a prometheus.remote_write,
 * some other component, or nowhere: Alloy drops the samples).
 */
import type { Attribute } from './ast.ts';
import { Body, type ConvertContext } from './context.ts';
import { ExportRef, UnknownValue, isArray } from './values.ts';

/** Where a route ends. */
export type Sink =
  | { readonly kind: 'remote_write'; readonly id: string }
  | { readonly kind: 'other'; readonly id: string; readonly ref: string }
  | { readonly kind: 'nowhere' };

/** One path from a source to a sink. */
export interface Route {
  /** Ids of the prometheus.relabel components passed through, in order. */
  readonly relabels: readonly string[];
  readonly sink: Sink;
}

/**
 * Follows a `forward_to` attribute. Unknown entries are noted against `display` and skipped.
 * prometheus.relabel components passed through are marked handled.
 */
export function followForwardTo(ctx: ConvertContext, attr: Attribute | undefined, display: string, via: readonly string[] = []): Route[] {
  if (!attr) return [{ relabels: via, sink: { kind: 'nowhere' } }];
  const value = ctx.evaluate(attr);
  if (!isArray(value)) {
    ctx.untranslated(attr.pos.line, display, `forward_to is not a list of receivers; where the metrics went is unknown`);
    return [];
  }
  if (value.length === 0) return [{ relabels: via, sink: { kind: 'nowhere' } }];
  const routes: Route[] = [];
  for (const item of value) {
    if (!(item instanceof ExportRef)) {
      const why = item instanceof UnknownValue ? item.reason : 'it is not a component\'s receiver';
      ctx.untranslated(attr.pos.line, display, `forward_to has an entry that cannot be followed (${why}); skipped`);
      continue;
    }
    const target = ctx.componentOf(item);
    if (target?.name === 'prometheus.relabel' && item.field === 'receiver') {
      if (via.includes(target.id)) {
        ctx.untranslated(attr.pos.line, display, `forward_to loops back to ${target.display}; the loop is not followed`);
        continue;
      }
      ctx.handled.add(target.id);
      routes.push(...followForwardTo(ctx, new Body(target.block).attr('forward_to'), target.display, [...via, target.id]));
    } else if (target?.name === 'prometheus.remote_write' && item.field === 'receiver') {
      routes.push({ relabels: via, sink: { kind: 'remote_write', id: target.id } });
    } else {
      routes.push({ relabels: via, sink: { kind: 'other', id: item.componentId, ref: item.text } });
    }
  }
  return routes;
}

/** The distinct relabel chains among routes, by first appearance. */
export function distinctChains(routes: readonly Route[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const r of routes) {
    const key = r.relabels.join('\n');
    if (!seen.has(key)) seen.set(key, [...r.relabels]);
  }
  return [...seen.values()];
}

/** Ids of the remote_write components the routes reach. */
export function remoteWritesReached(routes: readonly Route[]): Set<string> {
  return new Set(routes.flatMap((r) => (r.sink.kind === 'remote_write' ? [r.sink.id] : [])));
}
