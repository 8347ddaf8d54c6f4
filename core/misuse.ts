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

// Node 20 starts propagating a store only once the storage is enabled; async resources created
// before that would share one store, so enable it now, before any transaction exists.
storage.run({ database: storage, active: false, outer: undefined }, () => undefined);

/**
 * Marks the CURRENT async context, and every continuation created from it from now on, as
 * holding `database`'s connection. Must be called synchronously at the start of
 * `beginTransaction`: Kysely calls it right before awaiting it and then calls the transaction
 * callback from that same continuation, so the mark reaches the callback and nothing outside it.
 */
export function markHolding(database: object): Holding {
  const holding: Holding = { database, active: true, outer: storage.getStore() };
  storage.enterWith(holding);
  return holding;
}

/** True when the current async context runs inside a transaction that holds `database`. */
export function holdsHere(database: object): boolean {
  for (let h = storage.getStore(); h; h = h.outer) {
    if (h.active && h.database === database) return true;
  }
  return false;
}
