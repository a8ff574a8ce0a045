/**
 * An AbortSignal that fires when the invocation's remaining time drops below a margin, so the extractor stops
 * between files, saves state and releases its lease before Lambda kills the process (which would leave the lease
 * to expire and the current file half-written). Lambda's context reports the time left; it is read again at
 * every check, never assumed to tick at wall-clock speed.
 */

/** The part of the Lambda context the deadline needs (nodejs-context.html). */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

export interface DeadlineWatch {
  readonly signal: AbortSignal;
  /** stops watching (call when the work is over) */
  stop(): void;
}

export class DeadlineReached extends Error {
  constructor(marginMs: number) {
    super(
      `stopped ${Math.round(marginMs / 1000)} s before the Lambda timeout; state is saved and the next invocation continues`,
    );
    this.name = 'DeadlineReached';
  }
}

export function watchDeadline(context: RemainingTime, marginMs: number, pollMs: number): DeadlineWatch {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const left = context.getRemainingTimeInMillis() - marginMs;
    if (left <= 0) {
      controller.abort(new DeadlineReached(marginMs));
      return;
    }
    timer = setTimeout(check, Math.min(left, pollMs));
  };
  check();
  return {
    signal: controller.signal,
    stop: () => clearTimeout(timer),
  };
}
