/** @module When to try a failed send again: exponential backoff and the Retry-After header. */

/**
 * The delay a `Retry-After` header asks for, in ms: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 9110 §10.2.3) relative to `nowMs`, never negative.
 * null when the header is absent or malformed (the caller then uses its own backoff).
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const s = value.trim();
  if (s === '') return null;
  if (/^\d+$/.test(s)) {
    const seconds = Number(s);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : null;
  }
  // An HTTP-date always names its zone (GMT); refuse anything Date.parse would read as local time.
  if (!/GMT$|UTC$|[+-]\d{4}$/i.test(s)) return null;
  const at = Date.parse(s);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** The backoff after one more failure: double, within [minMs, maxMs]. */
export function nextBackoffMs(currentMs: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(minMs, currentMs * 2));
}

/** Whether an HTTP status is worth retrying: 5xx always, 429 when configured (Prometheus' rule). */
export function isRetryableStatus(status: number, retryOn429: boolean): boolean {
  return status >= 500 || (status === 429 && retryOn429);
}
