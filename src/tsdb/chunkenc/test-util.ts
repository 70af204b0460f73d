/** @module Test helpers for chunk codecs: a seeded PRNG and bit-exact float comparison. */
import { floatHi, floatLo } from './float-bits.ts';
export { prng } from '../../model/prng.ts';


/** The float64 with these 16 hex digits as its IEEE 754 bits. */
export function f64FromHex(hex: string): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(`0x${hex}`));
  return dv.getFloat64(0);
}

/** The IEEE 754 bits of v as 16 hex digits. */
export function hexOfF64(v: number): string {
  return floatHi(v).toString(16).padStart(8, '0') + floatLo(v).toString(16).padStart(8, '0');
}

/** Packs bit-string fields ('0'/'1', spaces ignored) MSB-first into bytes, zero-padding the last. */
export function packBits(fields: string[]): string {
  const bits = fields.join('').replace(/ /g, '');
  let hex = '';
  for (let i = 0; i < bits.length; i += 8) hex += parseInt(bits.slice(i, i + 8).padEnd(8, '0'), 2).toString(16).padStart(2, '0');
  return hex;
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
