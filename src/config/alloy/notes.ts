/** @module What the importer tells the user: one note per thing it changed, dropped or could not translate. */

/** 'untranslated': Pharos will not do what Alloy did until the user acts. 'info': translated, or safely unnecessary. */
export type NoteSeverity = 'untranslated' | 'info';

/** One note about the conversion. */
export interface ConversionNote {
  /** 1-based line in the Alloy file. */
  readonly line: number;
  /** The Alloy block it is about, as written: `prometheus.scrape "node_exporter"`, `logging`. */
  readonly block: string;
  /** The full text, starting with `not translated:` or `info:`, e.g. `not translated: discovery.docker "d" at line 3: …`. */
  readonly message: string;
  readonly severity: NoteSeverity;
}

/** Collects notes, drops exact repeats, and returns them sorted by line (stable). */
export class NoteList {
  readonly #notes: ConversionNote[] = [];
  readonly #seen = new Set<string>();

  /** Adds a note; `why` is the explanation after `<block> at line N:`. */
  add(severity: NoteSeverity, line: number, block: string, why: string): void {
    const prefix = severity === 'untranslated' ? 'not translated' : 'info';
    const message = `${prefix}: ${block} at line ${line}: ${why}`;
    if (this.#seen.has(message)) return;
    this.#seen.add(message);
    this.#notes.push({ line, block, message, severity });
  }

  /** All notes, by line, in the order added within a line. */
  sorted(): ConversionNote[] {
    return this.#notes.map((n, i) => [n, i] as const).sort((a, b) => a[0].line - b[0].line || a[1] - b[1]).map(([n]) => n);
  }
}

/** A note as printed on stderr and in the YAML header: `config.alloy:12: not translated: …`. */
export function formatNote(filename: string, note: ConversionNote): string {
  return `${filename}:${note.line}: ${note.message}`;
}
