/**
 * Admission by pairs in flight, as TEI counts its --max-concurrent-requests permits: one per text.
 * A request that would pass the limit is refused at once (429), never queued: the engine's own queue
 * is the only queue, and it is bounded too (--max-queued-pairs).
 */
export class Admission {
  readonly limit: number;
  #inFlight = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Takes `pairs` permits, or returns false. A request larger than the whole limit is admitted when
   * nothing else is in flight, so that it can run at all (it is still bounded by
   * --max-client-batch-size); otherwise it would be refused forever and clients would retry forever.
   */
  tryAcquire(pairs: number): boolean {
    if (this.#inFlight > 0 && this.#inFlight + pairs > this.limit) return false;
    this.#inFlight += pairs;
    return true;
  }

  release(pairs: number): void {
    this.#inFlight -= pairs;
  }
}
