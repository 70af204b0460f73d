/**
 * @module The Querier over one block (Prometheus tsdb/querier.go blockQuerier): postings from the
 * matchers, series decoded from the index one by one, chunks read lazily through a read-ahead
 * window and decoded lazily through chunkenc, clipped to the range, tombstones applied.
 */
import type { Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import type { Querier, SampleColumns, SampleIterator, SelectHints, Series, SeriesSet } from '../../storage/interface.ts';
import { type ColumnsBuilder, columnsBuilder } from '../columns.ts';
import type { BlockChunkReader } from './chunks.ts';
import type { BlockIndex } from './index-reader.ts';
import type { ChunkMeta } from './series-codec.ts';
import { BlockSeriesIterator, appendChunkColumns, type LoadedChunk } from './iterators.ts';
import { CorruptChunkError } from '../chunkenc/index.ts';
import { postingsForMatchers } from './postings-for-matchers.ts';
import { coversRange, intersectsRange, type Intervals, type TombstoneMap } from './tombstones.ts';

/** What a block querier reads: a snapshot taken when the querier opens. */
export interface BlockQuerierSource {
  readonly ulid: string;
  /** Block range: minTime inclusive, maxTime exclusive (ms). */
  readonly minTime: number;
  readonly maxTime: number;
  readonly index: BlockIndex;
  readonly chunks: BlockChunkReader;
  readonly tombstones: TombstoneMap;
  /** Regex fast paths (literal alternations, prefixes); off only to compare with the slow path. */
  readonly regexFastPaths: boolean;
  /** Called once by close(). */
  readonly release: () => void;
}

/** `{a="1", b="2"}`: labels as warnings print them. */
export function formatLabels(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

/** A Querier over [mint, maxt] (inclusive ms) of one block. */
export class BlockQuerier implements Querier {
  readonly #src: BlockQuerierSource;
  readonly #mint: number;
  readonly #maxt: number;
  #closed = false;

  constructor(src: BlockQuerierSource, mint: number, maxt: number) {
    this.#src = src;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  async select(hints: SelectHints, ...matchers: Matcher[]): Promise<SeriesSet> {
    this.#check();
    if (matchers.every((m) => m.matchesEmpty())) throw new Error('at least one matcher must not match the empty string');
    const mint = Math.max(this.#mint, hints.start ?? this.#mint, this.#src.minTime);
    const maxt = Math.min(this.#maxt, hints.end ?? this.#maxt, this.#src.maxTime - 1);
    const refs = mint <= maxt ? postingsForMatchers(this.#src.index, matchers, this.#src.regexFastPaths) : new Uint32Array(0);
    return new BlockSeriesSet(this.#src, refs, mint, maxt, hints.labelsOnly === true, hints.limit ?? 0);
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    this.#check();
    if (this.#coversBlock() && matchers.length === 0) return this.#src.index.labelNames();
    const names = new Set<string>();
    for (const labels of this.#matching(matchers)) for (const l of labels) names.add(l.name);
    return [...names].sort();
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    this.#check();
    if (this.#coversBlock() && matchers.length === 0) return [...this.#src.index.labelValues(name)];
    const values = new Set<string>();
    for (const labels of this.#matching(matchers)) for (const l of labels) if (l.name === name) values.add(l.value);
    return [...values].sort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#src.release();
  }

  #check(): void {
    if (this.#closed) throw new Error(`querier of block ${this.#src.ulid} is closed`);
  }

  /** Whether the range holds the whole block and nothing is deleted, so the index answers alone. */
  #coversBlock(): boolean {
    return this.#mint <= this.#src.minTime && this.#maxt >= this.#src.maxTime - 1 && this.#src.tombstones.size === 0;
  }

  /** Labels of matching series with a chunk in range that is not wholly deleted. */
  *#matching(matchers: Matcher[]): Generator<Labels> {
    const mint = Math.max(this.#mint, this.#src.minTime);
    const maxt = Math.min(this.#maxt, this.#src.maxTime - 1);
    if (mint > maxt) return;
    const ix = this.#src.index;
    const refs = matchers.length > 0 ? postingsForMatchers(ix, matchers, this.#src.regexFastPaths) : ix.allPostings();
    for (const ref of refs) {
      const s = ix.series(ref);
      if (liveChunks(s.chunks, mint, maxt, this.#src.tombstones.get(ref)).length > 0) yield s.labels;
    }
  }
}

/** Chunk metas overlapping [mint, maxt] that are not wholly inside a deleted interval. */
function liveChunks(chunks: readonly ChunkMeta[], mint: number, maxt: number, ivs: Intervals | undefined): ChunkMeta[] {
  const out: ChunkMeta[] = [];
  for (const c of chunks) if (c.maxt >= mint && c.mint <= maxt && !coversRange(ivs, c.mint, c.maxt)) out.push(c);
  return out;
}

class BlockSeriesSet implements SeriesSet {
  readonly #src: BlockQuerierSource;
  readonly #refs: Uint32Array;
  readonly #mint: number;
  readonly #maxt: number;
  readonly #labelsOnly: boolean;
  readonly #limit: number;
  readonly #warnings: string[] = [];
  #i = -1;
  #returned = 0;
  #cur: BlockSeries | null = null;

  constructor(src: BlockQuerierSource, refs: Uint32Array, mint: number, maxt: number, labelsOnly: boolean, limit: number) {
    this.#src = src;
    this.#refs = refs;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#labelsOnly = labelsOnly;
    this.#limit = limit;
  }

  next(): boolean {
    if (this.#limit > 0 && this.#returned >= this.#limit) return false;
    const ix = this.#src.index;
    while (++this.#i < this.#refs.length) {
      const ref = this.#refs[this.#i];
      const s = ix.series(ref);
      const ivs = this.#src.tombstones.get(ref);
      const metas = liveChunks(s.chunks, this.#mint, this.#maxt, ivs);
      if (metas.length === 0) continue;
      const series = new BlockSeries(this.#src, s.labels, metas, this.#mint, this.#maxt, ivs, this.#warnings);
      // Like the head, a series is selected only when a sample falls in the range: check it when a
      // chunk sticks out of the range or meets a deletion (labels-only selects stop at chunk metas).
      const first = metas[0];
      const last = metas[metas.length - 1];
      const exact = first.mint >= this.#mint && last.maxt <= this.#maxt && !metas.some((c) => intersectsRange(ivs, c.mint, c.maxt));
      if (!this.#labelsOnly && !exact && series.iterator().next() === ValueType.None) continue;
      this.#cur = series;
      this.#returned++;
      return true;
    }
    return false;
  }

  at(): Series {
    return this.#cur!;
  }

  warnings(): readonly string[] {
    return this.#warnings;
  }
}

/** One selected series. Its chunks are read on first use and kept while it is referenced. */
class BlockSeries implements Series {
  readonly labels: Labels;
  readonly #src: BlockQuerierSource;
  readonly #metas: readonly ChunkMeta[];
  readonly #mint: number;
  readonly #maxt: number;
  readonly #ivs: Intervals | undefined;
  readonly #warnings: string[];
  #loaded: LoadedChunk[] | null = null;

  constructor(src: BlockQuerierSource, labels: Labels, metas: readonly ChunkMeta[], mint: number, maxt: number, ivs: Intervals | undefined, warnings: string[]) {
    this.labels = labels;
    this.#src = src;
    this.#metas = metas;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#ivs = ivs;
    this.#warnings = warnings;
  }

  iterator(): SampleIterator {
    return new BlockSeriesIterator(this.#load(), this.#mint, this.#maxt, this.#ivs, (err) => this.#warn(err.message));
  }

  columns(from: number, to: number): SampleColumns {
    const b = columnsBuilder();
    this.appendColumns(b, from, to);
    return b.finish();
  }

  /**
   * Decodes the samples within [from, to] into `b`: timestamps copied from the chunks' columns,
   * values decoded in one loop per chunk. With tombstones, a format-1 chunk or a value stream that
   * does not decode, the iterator takes over (it drops a bad chunk with a warning).
   */
  appendColumns(b: ColumnsBuilder, from: number, to: number): void {
    const mint = Math.max(this.#mint, from);
    const maxt = Math.min(this.#maxt, to);
    if (mint > maxt) return;
    const chunks = this.#load();
    const start = b.n;
    if (this.#ivs === undefined) {
      try {
        if (appendChunkColumns(b, chunks, mint, maxt)) return;
      } catch (err) {
        if (!(err instanceof CorruptChunkError)) throw err;
      }
      b.n = start;
    }
    b.pushIterator(new BlockSeriesIterator(chunks, mint, maxt, this.#ivs, (err) => this.#warn(err.message)), mint, maxt);
  }

  #load(): LoadedChunk[] {
    if (this.#loaded !== null) return this.#loaded;
    const out: LoadedChunk[] = [];
    for (const m of this.#metas) {
      try {
        const c = this.#src.chunks.read(m);
        out.push({ mint: m.mint, maxt: m.maxt, encoding: c.encoding, data: c.data, ts: c.ts });
      } catch (err) {
        this.#warn((err as Error).message);
      }
    }
    this.#loaded = out;
    return out;
  }

  #warn(msg: string): void {
    this.#warnings.push(`block ${this.#src.ulid}: series ${formatLabels(this.labels)}: ${msg}`);
  }
}
