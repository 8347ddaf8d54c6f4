/**
 * A first-in-first-out lock: the one connection of a database is handed to waiters strictly in
 * arrival order, so a burst of autocommit queries cannot starve a waiting transaction.
 */

import { loopStarved } from './loop-yield.js';

/** Called by the holder to hand the lock on. Idempotent: a second call does nothing. */
export type Unlock = () => void;

interface Waiter {
  readonly grant: (unlock: Unlock) => void;
  timer: NodeJS.Timeout | undefined;
  warnTimer: NodeJS.Timeout | undefined;
}

/** A call made once when a wait lasts `afterMs` (it stays queued). */
export interface LongWait {
  readonly afterMs: number;
  readonly onLongWait: () => void;
}

/** The per-database FIFO lock; see the file comment for why strict order matters. */
export class FifoLock {
  #locked = false;
  readonly #waiters: Waiter[] = [];

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Number of callers waiting behind the holder. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes the lock at once when it is free, else returns undefined. A free lock has no waiters
   * (release hands it straight to the next one), so this never jumps the queue.
   */
  tryAcquire(): Unlock | undefined {
    if (this.#locked) return undefined;
    this.#locked = true;
    return this.#unlocker();
  }

  /**
   * Resolves with an unlock function once the lock is ours. With `timeoutMs`, rejects with the
   * error from `onTimeout` and leaves the queue if the lock did not come in time. With `longWait`,
   * calls its `onLongWait` once if the wait lasts `longWait.afterMs` (the wait goes on).
   */
  acquire(timeoutMs?: number, onTimeout?: () => Error, longWait?: LongWait): Promise<Unlock> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#unlocker());
    }
    return new Promise<Unlock>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, timer: undefined, warnTimer: undefined };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          if (waiter.warnTimer) clearTimeout(waiter.warnTimer);
          reject(onTimeout ? onTimeout() : new Error(`lock not acquired within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      // A live timer on purpose: a process whose only work is a wait that never ends stays up
      // long enough to say so, instead of exiting silently.
      if (longWait !== undefined && Number.isFinite(longWait.afterMs)) {
        waiter.warnTimer = setTimeout(longWait.onLongWait, longWait.afterMs);
      }
      this.#waiters.push(waiter);
    });
  }

  #unlocker(): Unlock {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#handOn();
    };
  }

  #handOn(): void {
    const next = this.#waiters.shift();
    if (!next) {
      this.#locked = false;
      return;
    }
    // The lock passes straight to the next waiter, never unlocked in between: no barging.
    if (next.timer) clearTimeout(next.timer);
    if (next.warnTimer) clearTimeout(next.warnTimer);
    // A long chain of hand-offs never leaves the microtask queue; let the loop turn first.
    if (loopStarved()) setImmediate(() => next.grant(this.#unlocker()));
    else next.grant(this.#unlocker());
  }
}
