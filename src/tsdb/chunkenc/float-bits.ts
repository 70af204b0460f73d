/**
 * @module Float64 ↔ two uint32 halves, through one shared scratch buffer. Going through a
 * Float64Array keeps NaN payloads (the staleness marker) bit-exact, where a DataView or arithmetic
 * would too but a plain JS array might not (V8 canonicalises NaNs stored in double arrays).
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high word in u32: 1 on little-endian hosts, 0 on big-endian ones. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** High 32 bits of v's IEEE 754 encoding (sign, exponent, top of the mantissa), as a uint32. */
export function floatHi(v: number): number {
  f64[0] = v;
  return u32[HI];
}

/** Low 32 bits of v's IEEE 754 encoding, as a uint32. Call right after floatHi(v) or on its own. */
export function floatLo(v: number): number {
  f64[0] = v;
  return u32[LO];
}

/** The float64 whose IEEE 754 encoding is hi:lo (uint32 halves). */
export function floatFromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0];
}
