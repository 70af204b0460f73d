/**
 * @module convertAlloy: an Alloy configuration into the equivalent Pharos YAML, following the
 * component graph (who forwards to whom). Prometheus-shaped parts (global, scrape_configs,
 * remote_write) keep prometheus.yml semantics; Pharos settings use the keys of config/settings.ts.
 * Whatever cannot be translated is named in a note (file line, block, reason).
 */
import { ConvertContext } from './context.ts';
import type { ConversionNote } from './notes.ts';
import { convertOthers } from './others.ts';
import { convertOtlp } from './otlp.ts';
import { parseAlloy } from './parser.ts';
import { convertRemoteWrite, type RemoteWriteResult } from './remote-write.ts';
import { renderPharosYaml } from './render.ts';
import { remoteWritesReached, type Route } from './routes.ts';
import { convertScrape, type ScrapeJob } from './scrape.ts';
import { valuesEqual } from './values.ts';

/** The result of a conversion. */
export interface AlloyConversion {
  /** The Pharos configuration file, with a header comment listing the notes. */
  readonly yaml: string;
  /** Notes by line. Any 'untranslated' note means Pharos will not do all that Alloy did. */
  readonly notes: ConversionNote[];
}

/** A component whose samples are stored, and where they went in Alloy. */
interface Source {
  readonly display: string;
  readonly routes: readonly Route[];
}

/**
 * Converts Alloy configuration text. `filename` names the file in notes and in the header.
 * Throws AlloySyntaxError when the text does not parse.
 */
export function convertAlloy(source: string, filename: string): AlloyConversion {
  const ctx = new ConvertContext(parseAlloy(source, filename));
  const ofKind = (name: string) => [...ctx.components.values()].filter((c) => c.name === name);

  const jobNames = new Set<string>();
  const scrapes = ofKind('prometheus.scrape').map((c) => convertScrape(ctx, c, jobNames));
  const otlp = convertOtlp(ctx);
  const remoteWrites = ofKind('prometheus.remote_write').map((c) => convertRemoteWrite(ctx, c));
  const others = convertOthers(ctx);

  const sources: Source[] = [
    ...scrapes.filter((s) => s.jobs.length || s.hostMetrics).map((s) => ({ display: s.component.display, routes: s.routes })),
    ...otlp.exporters.map((e) => ({ display: e.component.display, routes: e.routes })),
    ...others.receivers.map((r) => ({ display: r.component.display, routes: r.routes })),
  ];
  const written = remoteWrites.filter((rw) => checkRemoteWrite(ctx, rw, sources));

  const config: Record<string, unknown> = { otlp: otlp.settings };
  const hostScrapes = scrapes.filter((s) => s.hostMetrics);
  if (hostScrapes.length) {
    config.host_metrics = { enabled: true, interval: hostScrapes[0].interval };
    for (const s of hostScrapes.slice(1)) {
      if (s.interval !== hostScrapes[0].interval) ctx.untranslated(s.component.block.pos.line, s.component.display, `Pharos collects host metrics at one interval; it uses ${hostScrapes[0].interval} from ${hostScrapes[0].component.display}, not ${s.interval}`);
    }
  }
  if (others.logLevel) config.log = { level: others.logLevel };
  if (others.remoteWriteReceiver) config.remote_write_receiver = { enabled: true };
  const externalLabels = globalExternalLabels(ctx, written);
  if (externalLabels) config.global = { external_labels: externalLabels };
  const jobs: ScrapeJob[] = scrapes.flatMap((s) => s.jobs);
  if (jobs.length) config.scrape_configs = jobs.map((j) => j.config);
  const entries = written.flatMap((rw) => rw.entries.map((e) => ({ e, comment: `${rw.component.display} (line ${rw.component.block.pos.line})` })));
  if (entries.length) config.remote_write = entries.map(({ e }) => e);

  const notes = ctx.notes.sorted();
  const yaml = renderPharosYaml({
    filename,
    config,
    notes,
    keyComments: otlp.receiversOff ? { otlp: 'Alloy had no otelcol.receiver.otlp: OTLP receivers are off.' } : {},
    itemComments: { scrape_configs: jobs.map((j) => j.comment), remote_write: entries.map((x) => x.comment) },
  });
  return { yaml, notes };
}

/**
 * Notes how a remote_write differs in Pharos, which (like Prometheus) stores every sample it
 * scrapes or receives and sends all of them to every remote_write; Alloy sent a remote_write only
 * what was forwarded to it. False when nothing reached it in Alloy: no entry is written then.
 */
function checkRemoteWrite(ctx: ConvertContext, rw: RemoteWriteResult, sources: readonly Source[]): boolean {
  const { component: c } = rw;
  if (!rw.entries.length) return false;
  const line = c.block.pos.line;
  const feeding = sources.filter((s) => remoteWritesReached(s.routes).has(c.id));
  if (!feeding.length) {
    ctx.info(line, c.display, 'nothing is forwarded to it in Alloy; no remote_write entry is written (Pharos would send it everything)');
    return false;
  }
  if (feeding.length < sources.length) {
    const others = sources.filter((s) => !feeding.includes(s)).map((s) => s.display).join(', ');
    ctx.untranslated(line, c.display, `in Alloy it received only part of the metrics (not those of ${others}); Pharos sends every stored series to every remote_write: add write_relabel_configs to leave some out`);
  }
  const urls = rw.entries.map((e) => String(e.url)).join(', ');
  ctx.info(line, c.display, `Pharos stores everything it scrapes and receives itself; keep this remote_write only if ${urls} should still get a copy (drop it if Pharos replaces that server)`);
  return true;
}

/** Prometheus has one set of external labels for all remote writes; Alloy had one per component. */
function globalExternalLabels(ctx: ConvertContext, written: readonly RemoteWriteResult[]): Record<string, unknown> | undefined {
  const withLabels = written.filter((rw) => rw.externalLabels !== undefined && Object.keys(rw.externalLabels).length);
  if (!withLabels.length) return undefined;
  const first = withLabels[0];
  const toMap = (o: Record<string, unknown>) => new Map(Object.entries(o).map(([k, v]) => [k, String(v)] as const));
  for (const rw of written) {
    if (rw === first) continue;
    const same = rw.externalLabels !== undefined && valuesEqual(toMap(rw.externalLabels), toMap(first.externalLabels!));
    if (!same) {
      ctx.untranslated(rw.externalLabelsLine, rw.component.display, `its external_labels differ from those of ${first.component.display}; Prometheus-style global.external_labels apply to every remote_write, so those of ${first.component.display} are used`);
    }
  }
  return first.externalLabels;
}
