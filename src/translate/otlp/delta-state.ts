/**
 * @module Running totals for delta → cumulative conversion, persisted so a restart (even kill -9)
 * continues counters instead of resetting them: an append-only journal, one line per committed
 * request, compacted into a snapshot (write temp + rename) when it grows.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

/** The running total of one output series. */
export interface DeltaTotal {
  total: number;
  /** Time (ms) of the last point added. */
  lastT: number;
  /** Start time (ms) of the stream, as first seen. */
  startT: number;
}

const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/** Totals by output series key, with durable commits. */
export class DeltaState {
  readonly totals = new Map<string, DeltaTotal>();
  #fd: number | null = null;
  #journalBytes = 0;
  #dir: string | null = null;

  /** Loads state from `<dataDir>/otlp-delta/` (a torn last journal line is ignored). */
  static open(dataDir: string): DeltaState {
    const s = new DeltaState();
    const dir = join(dataDir, 'otlp-delta');
    mkdirSync(dir, { recursive: true });
    s.#dir = dir;
    const snapshot = join(dir, 'snapshot.json');
    if (existsSync(snapshot)) {
      for (const [k, total, lastT, startT] of JSON.parse(readFileSync(snapshot, 'utf8')) as Array<[string, number, number, number]>) s.totals.set(k, { total, lastT, startT });
    }
    const journal = join(dir, 'journal');
    if (existsSync(journal)) {
      const text = readFileSync(journal, 'utf8');
      let good = 0;
      for (const line of text.split('\n')) {
        if (line === '') { good += 1; continue; }
        let entries: Array<[string, number, number, number]>;
        try { entries = JSON.parse(line); } catch { break; } // torn tail: the request was never acknowledged
        // Newest wins: after a crash between snapshot and truncation the journal holds older totals.
        for (const [k, total, lastT, startT] of entries) { const cur = s.totals.get(k); if (!cur || cur.lastT <= lastT) s.totals.set(k, { total, lastT, startT }); }
        good += Buffer.byteLength(line) + 1;
      }
      s.#fd = openSync(journal, 'r+');
      ftruncateSync(s.#fd, Math.min(good, Buffer.byteLength(text)));
      s.#journalBytes = Math.min(good, Buffer.byteLength(text));
    } else {
      s.#fd = openSync(journal, 'w+');
    }
    return s;
  }

  /** Applies and persists one request's changes (before the request is acknowledged). */
  commit(changes: Map<string, DeltaTotal>): void {
    if (changes.size === 0) return;
    const entries: Array<[string, number, number, number]> = [];
    for (const [k, v] of changes) {
      this.totals.set(k, v);
      entries.push([k, v.total, v.lastT, v.startT]);
    }
    if (this.#fd === null) return; // in-memory only (tests)
    const line = JSON.stringify(entries) + '\n';
    const bytes = Buffer.from(line);
    writeSync(this.#fd, bytes, 0, bytes.length, this.#journalBytes);
    this.#journalBytes += bytes.length;
    if (this.#journalBytes > COMPACT_AFTER_BYTES) this.#compact();
  }

  /** Forgets streams idle since before `cutoffMs`. */
  expire(cutoffMs: number): void {
    for (const [k, v] of this.totals) if (v.lastT < cutoffMs) this.totals.delete(k);
  }

  #compact(): void {
    const dir = this.#dir!;
    const tmp = join(dir, 'snapshot.json.tmp');
    writeFileSync(tmp, JSON.stringify([...this.totals].map(([k, v]) => [k, v.total, v.lastT, v.startT])));
    renameSync(tmp, join(dir, 'snapshot.json'));
    ftruncateSync(this.#fd!, 0);
    this.#journalBytes = 0;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
