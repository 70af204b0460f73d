/**
 * @module Set operations on postings lists, shared by the head and the blocks: ascending,
 * duplicate-free Uint32Arrays of series refs. Results may be one of the inputs; never mutate them.
 */

/** The empty list. */
export const EMPTY_POSTINGS = new Uint32Array(0);
const EMPTY = EMPTY_POSTINGS;

/** Refs in both sorted lists. Gallops through the longer list when the sizes differ a lot. */
export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  if (a.length === 0) return EMPTY;
  const out = new Uint32Array(a.length);
  let n = 0;
  if (b.length > a.length * 16) {
    let lo = 0;
    for (let i = 0; i < a.length && lo < b.length; i++) {
      const x = a[i];
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      if (lo < b.length && b[lo] === x) out[n++] = x;
    }
  } else {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a[i];
      const y = b[j];
      if (x === y) {
        out[n++] = x;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}

/** Refs in any of the sorted lists, sorted and without duplicates. */
export function union(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  if (lists.length === 2) return merge2(lists[0], lists[1]);
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let p = 0;
  for (const l of lists) {
    all.set(l, p);
    p += l.length;
  }
  // Native numeric sort beats a k-way heap merge in JS for the list counts regexes produce.
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
  return n === all.length ? all : all.slice(0, n);
}

function merge2(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) {
      out[n++] = x;
      i++;
    } else {
      out[n++] = y;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return n === out.length ? out : out.slice(0, n);
}

/** Refs of a that are not in b (both sorted). */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return n === out.length ? out : out.slice(0, n);
}
