/**
 * What holds this process's connection to a database right now: who leased it (a Kysely instance
 * or an `openDatabase` handle), for what (a query, a stream, a transaction), since when and, once
 * a long wait has been seen on the database, from where. Waiters use it to refuse a wait that can
 * never end (see misuse.ts) and to name the holder when a wait goes on long.
 */
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Stack frames of this library, of Kysely and of Node itself: not where the user's code began it. */
const LIBRARY_FRAMES = [
  fileURLToPath(new URL('.', import.meta.url)),
  fileURLToPath(new URL('../drivers/', import.meta.url)),
  `node_modules${sep}kysely${sep}`,
  'node:internal',
];

/** What a lease is being used for. */
export type LeaseUse = 'query' | 'stream' | 'transaction';

/** One grant of the FIFO lock of one database. */
export class Lease {
  /** Who holds it, e.g. `openDatabase handle #2` or `Kysely instance #1`. */
  readonly owner: string;
  readonly grantedAt = performance.now();
  #use: LeaseUse = 'query';
  #sql: string | undefined;
  #site: Error | undefined;
  /** True while a stream on this lease is suspended at a yield, waiting for its consumer. */
  parked = false;
  /** True when the transaction was begun through an `openDatabase` handle (it outlives the call). */
  handleTransaction = false;
  /** True once the lock was handed on. */
  released = false;

  constructor(owner: string) {
    this.owner = owner;
  }

  get use(): LeaseUse {
    return this.#use;
  }

  /**
   * Records what the lease is now used for. With `captureSite`, the caller's stack is kept
   * (captured now, formatted only if a warning needs it).
   */
  useFor(use: LeaseUse, sql: string, captureSite: boolean): void {
    this.#use = use;
    this.#sql = sql;
    if (captureSite) {
      this.#site = new Error("lease site");
    }
  }

  /** One phrase for messages: `a transaction (begin immediate) on openDatabase handle #1, held for 10.2 s, begun at ...`. */
  describe(now = performance.now()): string {
    const what = this.#use === 'query' ? 'a query' : this.#use === 'stream' ? 'an open stream' : 'an open transaction';
    const sql = this.#sql === undefined ? '' : ` (${clip(this.#sql)})`;
    const held = ` held for ${((now - this.grantedAt) / 1000).toFixed(1)} s`;
    return `${what}${sql} on ${this.owner},${held}${this.#siteText()}`;
  }

  #siteText(): string {
    const frames = this.#site?.stack?.split('\n').slice(1).map((l) => l.trim());
    // the first frames outside this library say where the user's code began it
    const user = frames?.filter((f) => !LIBRARY_FRAMES.some((p) => f.includes(p))).slice(0, 3);
    return user && user.length > 0 ? `, begun ${user.join(' <- ')}` : '';
  }
}

function clip(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 80)}...` : one;
}
