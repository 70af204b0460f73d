/** Which rows of the endpoint table are rendered (web/src/row-window.ts). Runs in Node; ui.test.ts scrolls the real table. */
import { describe, expect, it } from 'vitest';
import { renderedRows, rowWindow } from '../../web/src/row-window.ts';

describe('rowWindow', () => {
  it('renders the rows in the box and the overscan either side', () => {
    // Rows 30 px under a 30 px header, a 300 px box scrolled to 600 px: rows 19…29 show (19 partly).
    expect(rowWindow(200, 600, 300, 30, 30, 5)).toEqual({ start: 14, end: 34 });
  });

  it('stops at the table edges', () => {
    expect(rowWindow(200, 0, 300, 30, 30, 5)).toEqual({ start: 0, end: 14 });
    expect(rowWindow(200, 30 + 200 * 30 - 300, 300, 30, 30, 5)).toEqual({ start: 185, end: 200 });
    expect(rowWindow(8, 0, 300, 30, 30, 5)).toEqual({ start: 0, end: 8 });
  });

  it('renders at least one row of a table that has any, wherever the box claims to be', () => {
    expect(rowWindow(0, 0, 300, 30, 30)).toEqual({ start: 0, end: 0 });
    expect(rowWindow(10, 1e6, 300, 30, 30, 2)).toEqual({ start: 9, end: 10 });
    expect(rowWindow(10, 0, 300, 30, 0, 2).end).toBe(10);
  });
});

describe('renderedRows', () => {
  it('adds the kept row (the tab stop) before or after the window, once', () => {
    expect(renderedRows({ start: 3, end: 6 }, 0, 10)).toEqual([0, 3, 4, 5]);
    expect(renderedRows({ start: 3, end: 6 }, 4, 10)).toEqual([3, 4, 5]);
    expect(renderedRows({ start: 3, end: 6 }, 9, 10)).toEqual([3, 4, 5, 9]);
    expect(renderedRows({ start: 3, end: 6 }, 10, 10)).toEqual([3, 4, 5]);
  });
});
