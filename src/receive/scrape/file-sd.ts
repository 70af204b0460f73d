/**
 * @module File-based service discovery (Prometheus discovery/file): target groups from JSON or
 * YAML files matched by globs, re-read when a watched directory changes and every
 * refresh_interval. A file that cannot be read or parsed keeps its last good groups; the error is
 * logged and counted.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../../log.ts';
import { labelsFrom } from '../../model/labels.ts';
import { parseTargetGroup, type FileSdConfig, type TargetGroup } from './config.ts';
import type { ScrapeMetrics } from './metrics.ts';

/** The label naming the file a target came from. */
export const FILEPATH_LABEL = '__meta_filepath';

/** fs.watch fires several events per write; one re-read after they settle is enough. */
const WATCH_DEBOUNCE_MS = 50;

/** What a FileDiscovery needs. */
export interface FileDiscoveryDeps {
  readonly logger: Logger;
  readonly metrics: ScrapeMetrics;
  /** Called after a refresh changed the groups (not after the first read). */
  readonly onUpdate: () => void;
}

/** Watches the files of one `file_sd_configs` entry. */
export class FileDiscovery {
  readonly config: FileSdConfig;
  readonly #deps: FileDiscoveryDeps;
  /** Last good groups per file, in the order files were found. */
  #byFile = new Map<string, TargetGroup[]>();
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(config: FileSdConfig, deps: FileDiscoveryDeps) {
    this.config = config;
    this.#deps = deps;
  }

  /** Reads the files once (resolves after that), then watches their directories and polls. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.#stopped) return;
    for (const dir of new Set(this.config.files.map((f) => dirname(f)))) this.#watchDir(dir);
    this.#timer = setInterval(() => void this.refresh(), this.config.refreshIntervalMs);
  }

  /** The current target groups of all files, each labelled with `__meta_filepath`. */
  groups(): TargetGroup[] {
    const out: TargetGroup[] = [];
    for (const gs of this.#byFile.values()) out.push(...gs);
    return out;
  }

  /** Stops watching and polling. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#debounce) clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
    this.#watchers.length = 0;
  }

  /** Re-reads every matching file now; concurrent calls share one run (plus one more if asked meanwhile). */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#scan();
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #scan(): Promise<void> {
    const { metrics, logger } = this.#deps;
    const t0 = performance.now();
    const next = new Map<string, TargetGroup[]>();
    for (const file of await this.#listFiles()) {
      if (next.has(file)) continue;
      try {
        next.set(file, await readGroups(file, metrics));
      } catch (err) {
        metrics.fileReadErrors.inc();
        logger.error('Error reading file', { path: file, err });
        const last = this.#byFile.get(file);
        if (last) next.set(file, last); // keep the last known state
      }
    }
    for (const file of this.#byFile.keys()) if (!next.has(file)) metrics.fileMtime.remove(file);
    metrics.fileScanDuration.observe((performance.now() - t0) / 1000);
    if (this.#stopped) return;
    const changed = !sameGroups(this.#byFile, next);
    const first = this.#refreshCount++ === 0;
    this.#byFile = next;
    if (changed && !first) this.#deps.onUpdate();
  }

  #refreshCount = 0;

  async #listFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const pattern of this.config.files) {
      const base = basename(pattern);
      if (!/[*?[]/.test(base)) {
        out.push(pattern);
        continue;
      }
      const dir = dirname(pattern);
      const re = globToRegExp(base);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue; // a missing directory matches nothing, like filepath.Glob
      }
      for (const n of names.sort()) if (re.test(n)) out.push(join(dir, n));
    }
    return out;
  }

  #watchDir(dir: string): void {
    const patterns = this.config.files.filter((f) => dirname(f) === dir).map((f) => globToRegExp(basename(f)));
    try {
      const w = watch(dir, (_event, name) => {
        if (name !== null && !patterns.some((re) => re.test(String(name)))) return;
        if (this.#debounce) clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => {
          this.#debounce = null;
          void this.refresh();
        }, WATCH_DEBOUNCE_MS);
      });
      w.on('error', (err) => {
        this.#deps.metrics.fileWatcherErrors.inc();
        this.#deps.logger.error('Error watching directory, relying on refresh_interval', { dir, err });
      });
      this.#watchers.push(w);
    } catch (err) {
      this.#deps.metrics.fileWatcherErrors.inc();
      this.#deps.logger.error('Error adding file watch, relying on refresh_interval', { dir, err });
    }
  }
}

/** Reads and validates one target group file (JSON or YAML by extension). */
async function readGroups(file: string, metrics: ScrapeMetrics): Promise<TargetGroup[]> {
  const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  const ext = extname(file).toLowerCase();
  let doc: unknown;
  if (ext === '.json') {
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      throw new Error(`${file}: ${(cause as Error).message}`, { cause });
    }
  } else if (ext === '.yml' || ext === '.yaml') {
    try {
      doc = parseYaml(text);
    } catch (cause) {
      throw new Error(`${file}: ${(cause as Error).message}`, { cause });
    }
    if (doc === null || doc === undefined) doc = []; // an empty YAML file has no groups
  } else {
    throw new Error(`retrieval.FileDiscovery.readFile: unhandled file extension ${JSON.stringify(ext)}`);
  }
  if (!Array.isArray(doc)) throw new Error(`${file}: must be a list of target groups`);
  const groups = doc.map((raw, i) => {
    if (raw === null) throw new Error(`${file}[${i}]: nil target group item found`);
    const g = parseTargetGroup(raw, `${file}[${i}]`, `${file}:${i}`);
    return { ...g, labels: labelsFrom([...g.labels.map((l): [string, string] => [l.name, l.value]), [FILEPATH_LABEL, file]]) };
  });
  metrics.fileMtime.labels(file).set(st.mtimeMs / 1000);
  return groups;
}

/** Go filepath.Match syntax for one path segment: `*`, `?`, `[...]` / `[^...]`. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/[\\\]]/g, '\\$&');
      else body = body.replace(/[\\\]^]/g, '\\$&');
      re += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else re += escapeRe(c);
  }
  return new RegExp(re + '$');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function sameGroups(a: ReadonlyMap<string, TargetGroup[]>, b: ReadonlyMap<string, TargetGroup[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [file, ga] of a) {
    const gb = b.get(file);
    if (gb === undefined || JSON.stringify(ga) !== JSON.stringify(gb)) return false;
  }
  return true;
}
