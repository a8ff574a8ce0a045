/**
 * How many MySQL connections one extract run may hold at once, over every table it runs concurrently and every
 * backfill range: a counting semaphore. A table waits for its first connection (`acquire`, first come first
 * served); extra backfill ranges only take connections that are free at that moment (`tryAcquire`), never wait
 * for one. Waiting for a second connection while holding a first could deadlock N tables that each hold one.
 */

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export class ConnectionBudget {
  readonly limit: number;
  #inUse = 0;
  #peak = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new Error(`the MySQL connection budget must be a whole number ≥ 1, got ${limit}`);
    }
    this.limit = limit;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** the most connections held at once so far */
  get peak(): number {
    return this.#peak;
  }

  /** Waits for a free slot (in the order asked); an aborted signal stops the wait with its reason. */
  acquire(signal?: AbortSignal): Promise<Release> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#take());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  /** A slot if one is free now and nobody is waiting for one, else undefined. */
  tryAcquire(): Release | undefined {
    if (this.#inUse >= this.limit || this.#waiting.length > 0) return undefined;
    return this.#take();
  }

  #take(): Release {
    this.#inUse += 1;
    this.#peak = Math.max(this.#peak, this.#inUse);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= 1;
      const next = this.#waiting.shift();
      next?.();
    };
  }
}
