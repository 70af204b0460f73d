/** The dashboard's readiness marks (web/src/ready.ts), which bench:ui reads from the performance timeline. */
import { beforeEach, describe, expect, it } from 'vitest';
import { MARK_FIRST_PANEL, MARK_READY, ReadyTracker } from '../../web/src/ready.ts';

const marks = (name: string) => performance.getEntriesByName(name, 'mark').length;

describe('ReadyTracker', () => {
  beforeEach(() => performance.clearMarks());

  it('marks ready once every part of the current view has drawn, and only once', async () => {
    const t = new ReadyTracker();
    t.expect('v1', ['a', 'b']);
    let resolved = false;
    const ready = t.whenReady().then(() => (resolved = true));
    t.done('a', 'v1');
    expect(marks(MARK_FIRST_PANEL)).toBe(1);
    expect(marks(MARK_READY)).toBe(0);
    t.done('b', 'v1');
    t.done('b', 'v1');
    await ready;
    expect(resolved).toBe(true);
    expect(marks(MARK_READY)).toBe(1);
  });

  it('does not count a late answer for an older view towards the new one', () => {
    const t = new ReadyTracker();
    t.expect('v1', ['a', 'b']);
    t.done('a', 'v1');
    t.expect('v2', ['a', 'b']);
    t.done('b', 'v2');
    t.done('a', 'v1');
    expect(marks(MARK_READY)).toBe(0);
    t.done('a', 'v2');
    expect(marks(MARK_READY)).toBe(1);
    expect(marks(MARK_FIRST_PANEL)).toBe(1);
  });

  it('keeps the count when the same view is expected again (a re-render)', () => {
    const t = new ReadyTracker();
    t.expect('v1', ['a', 'b']);
    t.done('a', 'v1');
    t.expect('v1', ['a', 'b']);
    t.done('b', 'v1');
    expect(marks(MARK_READY)).toBe(1);
  });
});
