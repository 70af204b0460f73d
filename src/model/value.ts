/** @module Sample values: the staleness marker and value-type tags. */

/**
 * Prometheus' staleness marker: a NaN with a payload (bits 0x7ff0000000000002). It tells a query
 * that the series ended here, so it stops being returned before the 5-minute lookback runs out.
 */
export const STALE_NAN: number = (() => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, 0x7ff00000);
  dv.setUint32(4, 0x00000002);
  return dv.getFloat64(0);
})();

const scratch = new DataView(new ArrayBuffer(8));

/** Whether a value is the staleness marker (an ordinary NaN is not). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // fast path: not NaN
  scratch.setFloat64(0, v);
  return scratch.getUint32(0) === 0x7ff00000 && scratch.getUint32(4) === 0x00000002;
}

/** What an iterator currently points at (Prometheus chunkenc.ValueType). */
export const ValueType = { None: 0, Float: 1 } as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];
