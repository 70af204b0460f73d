/**
 * @module Opens every block of a data directory (Prometheus tsdb/db.go openBlocks + reloadBlocks):
 * removes leftovers of interrupted writes and deletions, quarantines blocks that fail
 * verification, and deletes parents whose data a compacted block already holds.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openBlock, type Block, type OpenBlockOptions } from './block.ts';
import { CorruptBlockError } from './errors.ts';
import { TMP_FOR_CREATION, TMP_FOR_DELETION, fsyncDir, removeBlockDir } from './fs-util.ts';
import { isUlid } from './ulid.ts';

/** Where corrupt blocks go, inside the data directory. */
export const QUARANTINE_DIR = 'quarantine';

/** A block that was not loaded because it failed verification. */
export interface QuarantinedBlock {
  readonly ulid: string;
  /** The file that failed, relative to the block directory. */
  readonly file: string;
  readonly reason: string;
  /** Where the block directory went, or null when moving it failed (it is then left in place, unloaded). */
  readonly movedTo: string | null;
}

/** What openBlocks did besides loading blocks. */
export interface OpenBlocksReport {
  /** ULIDs of the blocks returned, by minTime. */
  readonly loaded: string[];
  readonly quarantined: QuarantinedBlock[];
  /** Blocks deleted because a block with a superset of their sources and a higher level exists. */
  readonly deletedParents: string[];
  /** Leftover `*.tmp-for-creation` / `*.tmp-for-deletion` directories removed. */
  readonly removedTmp: string[];
  /** Blocks not loaded because of an I/O error that is not corruption (left in place). */
  readonly failed: Array<{ readonly ulid: string; readonly error: string }>;
}

/**
 * Opens every `<ULID>/` block in `dbDir` (creating `dbDir` if missing) and returns them sorted
 * by minTime, then ULID. Never throws for a bad block: a block failing verification is moved to
 * `<dbDir>/quarantine/<ULID>` with a warning naming the file and the failure. Only after all
 * blocks are verified, a block whose sources are all in another loaded block of higher level (a
 * compaction finished but its parents were not yet removed) is deleted; a corrupt compacted block
 * therefore never causes its parents to be deleted.
 */
export async function openBlocks(dbDir: string, opts: OpenBlockOptions = {}): Promise<{ blocks: Block[]; report: OpenBlocksReport }> {
  mkdirSync(dbDir, { recursive: true });
  const report: OpenBlocksReport = { loaded: [], quarantined: [], deletedParents: [], removedTmp: [], failed: [] };
  const log = opts.logger;
  let blocks: Block[] = [];
  for (const name of readdirSync(dbDir).sort()) {
    const path = join(dbDir, name);
    if (name.endsWith(TMP_FOR_CREATION) || name.endsWith(TMP_FOR_DELETION)) {
      rmSync(path, { recursive: true, force: true });
      report.removedTmp.push(name);
      log?.info('block: removed leftover temporary directory', { dir: path });
      continue;
    }
    if (!isUlid(name) || !statSync(path).isDirectory()) continue;
    try {
      blocks.push(await openBlock(path, opts));
    } catch (err) {
      if (err instanceof CorruptBlockError) {
        const movedTo = quarantine(dbDir, name);
        report.quarantined.push({ ulid: name, file: err.file, reason: err.offset !== undefined ? `${err.reason} (offset ${err.offset})` : err.reason, movedTo });
        log?.warn('block: corrupt block quarantined, not loaded', { block: name, file: err.file, ...(err.offset !== undefined ? { offset: err.offset } : {}), reason: err.reason, moved_to: movedTo ?? 'failed, left in place' });
      } else {
        report.failed.push({ ulid: name, error: (err as Error).message });
        log?.warn('block: cannot open block, not loaded', { block: name, err: (err as Error).message });
      }
    }
  }

  // Parents of a compaction that finished (the new block was renamed in) before they were removed.
  const deletable = new Set<Block>();
  for (const b of blocks) {
    const src = b.meta.compaction.sources;
    for (const o of blocks) {
      if (o === b || o.meta.compaction.level <= b.meta.compaction.level) continue;
      const superset = new Set(o.meta.compaction.sources);
      if (src.every((s) => superset.has(s))) {
        deletable.add(b);
        log?.info('block: deleting block whose data a compacted block holds', { block: b.ulid, compacted_into: o.ulid });
        break;
      }
    }
  }
  for (const b of deletable) {
    await b.close();
    removeBlockDir(b.dir, opts.fsync ?? true);
    report.deletedParents.push(b.ulid);
  }
  blocks = blocks.filter((b) => !deletable.has(b)).sort((a, b) => a.meta.minTime - b.meta.minTime || (a.ulid < b.ulid ? -1 : 1));
  report.loaded.push(...blocks.map((b) => b.ulid));
  return { blocks, report };
}

/** Moves `<dbDir>/<name>` under `<dbDir>/quarantine/`; returns the new path or null. */
function quarantine(dbDir: string, name: string): string | null {
  try {
    const qdir = join(dbDir, QUARANTINE_DIR);
    mkdirSync(qdir, { recursive: true });
    let target = join(qdir, name);
    if (existsSync(target)) target = `${target}-${Date.now()}`;
    renameSync(join(dbDir, name), target);
    fsyncDir(dbDir);
    return target;
  } catch {
    return null;
  }
}
