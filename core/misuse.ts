/**
 * Detects the classic SQLite deadlock: code running inside `db.transaction().execute(cb)` that
 * uses the outer `db`. The outer query waits for the one connection, which the callback itself
 * holds until it returns. An {@link AsyncLocalStorage} store marks "this async context holds the
 * connection of database X" so such a query can fail at once instead of waiting forever.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One held connection, linked to any holding the context already had (another database). */
export interface Holding {
  readonly database: object;
  active: boolean;
  readonly outer: Holding | undefined;
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
    if (h.active && h.database === database) return true;
  }
  return false;
}
