/**
 * Detects the classic SQLite deadlock: code running inside `db.transaction().execute(cb)` that
 * uses the outer `db`. The outer query waits for the one connection, which the callback itself
 * holds until it returns. An {@link AsyncLocalStorage} store marks "this async context holds the
 * connection of database X" so such a query can fail at once instead of waiting forever.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Lease } from './lease.js';

/**
 * One held connection, linked to any holding the context already had (another database).
 * A holding with a `lease` is a flow mark (see {@link markFlow}); one without marks a Kysely
 * transaction callback.
 */
export interface Holding {
  readonly database: object;
  active: boolean;
  readonly outer: Holding | undefined;
  /** True for a flow mark. */
  readonly flow?: boolean;
  /** For flow marks: the lease this flow took, once granted. */
  lease?: Lease | undefined;
  /**
   * The first misuse raised inside this transaction, if any: the transaction can no longer
   * commit (its callback may have caught the error and gone on as if nothing happened).
   */
  misuse?: unknown;
}

const storage = new AsyncLocalStorage<Holding | undefined>();
let enabled = false;

/**
 * Turns detection on for the process (idempotent). Called when a dialect that wants detection is
 * constructed, i.e. before any of its transactions exists: Node 20 propagates a store only to
 * async resources created after the storage is enabled (older ones would share one store), and
 * marks are only ever set in continuations Kysely creates at query time, which come later. Not
 * enabling it at all spares the process the promise-hook cost of an enabled storage.
 */
export function enableMisuseDetection(): void {
  if (enabled) return;
  storage.run({ database: storage, active: false, outer: undefined }, () => undefined);
  enabled = true;
}

/** True once some dialect turned detection on in this thread. */
export function misuseDetectionEnabled(): boolean {
  return enabled;
}

/**
 * Marks the CURRENT async context, and every continuation created from it from now on, as
 * holding `database`'s connection. Must be called synchronously at the start of
 * `beginTransaction`: Kysely calls it right before awaiting it and then calls the transaction
 * callback from that same continuation, so the mark reaches the callback and nothing outside it.
 */
export function markHolding(database: object): Holding {
  const holding: Holding = { database, active: true, outer: storage.getStore() };
  if (enabled) storage.enterWith(holding);
  return holding;
}

/** True when the current async context runs inside a transaction that holds `database`. */
export function holdsHere(database: object): boolean {
  if (!enabled) return false;
  for (let h = storage.getStore(); h; h = h.outer) {
    if (h.active && h.database === database && h.flow !== true) return true;
  }
  return false;
}

/**
 * Marks the CURRENT async context as the flow that takes a lease of `database` (fill in `lease`
 * once granted; set `active` false when it is handed back). Called synchronously where the
 * user's call enters the library, so the mark reaches the code that continues after the user's
 * `await`, e.g. the body of a `for await` loop over a stream, or the statements after a BEGIN on
 * an `openDatabase` handle. Unlike a transaction callback's mark this one also reaches siblings
 * started from the same context, so a waiter is refused on it only when the lease cannot move
 * on without this flow: a stream suspended at a yield, a handle's open transaction.
 * Returns undefined (and marks nothing) while detection is off.
 */
export function markFlow(database: object): Holding | undefined {
  if (!enabled) return undefined;
  let outer = storage.getStore();
  // Finished marks at the head are dropped, so a loop of statements keeps a short chain.
  while (outer !== undefined && !outer.active) outer = outer.outer;
  const holding: Holding = { database, active: true, outer, flow: true, lease: undefined };
  storage.enterWith(holding);
  return holding;
}

/** True when the current async context took `lease` (its flow mark is still active). */
export function flowHolds(lease: Lease): boolean {
  if (!enabled) return false;
  for (let h = storage.getStore(); h; h = h.outer) {
    if (h.active && h.lease === lease) return true;
  }
  return false;
}

/** The holding of the transaction on `database` the current async context runs inside, if any. */
export function heldHere(database: object): Holding | undefined {
  if (!enabled) return undefined;
  for (let h = storage.getStore(); h; h = h.outer) {
    if (h.active && h.database === database && h.flow !== true) return h;
  }
  return undefined;
}
