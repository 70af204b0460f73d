/** @module A byte budget for requests in progress, so a burst gets 429/UNAVAILABLE instead of exhausting memory. */

/** Counts bytes held by requests in progress against a fixed budget. */
export class InflightBudget {
  #used = 0;
  constructor(readonly maxBytes: number, private readonly onChange?: (used: number) => void) {}

  /** Takes `bytes` if they fit (a single request larger than the budget fits when nothing else is held). */
  tryAcquire(bytes: number): boolean {
    if (this.#used > 0 && this.#used + bytes > this.maxBytes) return false;
    this.#used += bytes;
    this.onChange?.(this.#used);
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    this.onChange?.(this.#used);
  }

  get used(): number {
    return this.#used;
  }
}
