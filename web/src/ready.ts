/**
 * @module Performance marks that say when the dashboard is usable, read by `npm run bench:ui`
 * and the browser tests from the page's performance timeline.
 */

/** Marked once per page load, when the first panel's chart (or empty note) is on screen. */
export const MARK_FIRST_PANEL = 'pharos:first-panel-drawn';
/**
 * Marked each time every panel shows the data of the current view and the endpoint table has
 * every endpoint's rate and error ratio, drawn in the rows it renders (those in its scroll box and
 * a few either side; the others render as they are scrolled to): the page is drawn and answers input.
 */
export const MARK_READY = 'pharos:dashboard-ready';
/** Marked when the table's busiest routes have their latency columns (the first batch after ready). */
export const MARK_TABLE_FIRST_LATENCIES = 'pharos:table-first-latencies';
/** Marked when the table's latency columns are filled for every endpoint. */
export const MARK_TABLE_COMPLETE = 'pharos:table-complete';

/**
 * Tracks which parts of one view ("generation": service, window, filter, refresh) have drawn
 * their data. Parts report with the generation their data belongs to, so a late answer for an
 * older view never counts towards the current one. Not safe to share between pages.
 */
export class ReadyTracker {
  #generation = '';
  #expected: readonly string[] = [];
  #done = new Set<string>();
  #marked = false;
  #firstMarked = false;
  #waiting: Array<() => void> = [];

  /** The parts the view `generation` consists of; a new generation starts a new count. */
  expect(generation: string, parts: readonly string[]): void {
    if (generation === this.#generation && parts.join('\n') === this.#expected.join('\n')) return;
    this.#generation = generation;
    this.#expected = parts;
    this.#done.clear();
    this.#marked = false;
  }

  /** Resolves once the current view is ready (at once if it is), or the next one if it changes first. */
  whenReady(): Promise<void> {
    if (this.#marked) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** `part` shows the data of `generation` (drawn, or its empty or error note rendered). */
  done(part: string, generation: string): void {
    if (!this.#firstMarked) {
      this.#firstMarked = true;
      performance.mark(MARK_FIRST_PANEL);
    }
    if (generation !== this.#generation) return;
    this.#done.add(part);
    if (!this.#marked && this.#expected.every((p) => this.#done.has(p))) {
      this.#marked = true;
      performance.mark(MARK_READY, { detail: { generation } });
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const resolve of waiting) resolve();
    }
  }
}
