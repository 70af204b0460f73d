/**
 * @module Which rows of a long table to render: those in its scroll box plus a margin either
 * side (the endpoint table has hundreds; laying out every one cost a cold load ~150 ms of its
 * main thread, for rows nobody sees before scrolling). Pure: tested in Node.
 */

/** Rows rendered beyond each edge of the box, so a scroll shows rendered rows until the next frame catches up. */
export const OVERSCAN_ROWS = 8;

/** Rows [start, end) of `count` to render. */
export interface RowWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * The rows of `count`, each `rowPx` high, that a scroll box `viewPx` high scrolled to `scrollPx`
 * shows (the rows start `headPx` down, under the header), with `overscan` more either side.
 */
export function rowWindow(count: number, scrollPx: number, viewPx: number, headPx: number, rowPx: number, overscan = OVERSCAN_ROWS): RowWindow {
  if (count <= 0) return { start: 0, end: 0 };
  const px = Math.max(1, rowPx);
  const first = Math.floor(Math.max(0, scrollPx - headPx) / px);
  const last = Math.ceil(Math.max(0, scrollPx + viewPx - headPx) / px);
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  return { start, end: Math.min(count, Math.max(start + 1, last + overscan)) };
}

/**
 * The rows to render, in order: those of `w`, and row `keep` of `count` wherever it is (the
 * rows' one tab stop, which may hold the focus: scrolled away, it stays in the document).
 */
export function renderedRows(w: RowWindow, keep: number, count: number): number[] {
  const out: number[] = [];
  if (keep >= 0 && keep < w.start) out.push(keep);
  for (let i = w.start; i < w.end; i++) out.push(i);
  if (keep >= w.end && keep < count) out.push(keep);
  return out;
}
