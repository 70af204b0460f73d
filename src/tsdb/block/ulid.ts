/**
 * @module ULIDs name blocks (github.com/ulid/spec): 48 bits of ms time then 80 random bits, in
 * Crockford base32, so names sort by creation time, as Prometheus' block directories do.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** A new ULID for time `now` (ms). */
export function newUlid(now: number = Date.now()): string {
  let time = '';
  let t = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(10);
  let out = '';
  // 80 bits → 16 groups of 5 bits, most significant first.
  let acc = 0;
  let bits = 0;
  for (const byte of rnd) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return time + out;
}

/** Whether s is a canonical (upper-case) ULID. */
export function isUlid(s: string): boolean {
  return ULID_RE.test(s);
}

/** The creation time (ms) encoded in a ULID. */
export function ulidTime(ulid: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(ulid[i]);
  return t;
}
