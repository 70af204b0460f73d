/** @module The error every exposition parse failure throws. */

/**
 * Invalid exposition input. The whole scrape is invalid: as in Prometheus, nothing parsed before
 * the error should be committed. `message` reads like Prometheus' ("line 3: expected label name,
 * got \"@\" ..."); `reason` is the same without the line prefix.
 */
export class ExpositionParseError extends Error {
  override readonly name = 'ExpositionParseError';
  /** Stable code for error mapping. */
  readonly code = 'invalid_exposition';

  constructor(
    /** What is wrong, without position. */
    readonly reason: string,
    /** 1-based line number; 0 when the error concerns the whole input. */
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(line > 0 ? `line ${line}: ${reason}` : reason, options);
  }
}
