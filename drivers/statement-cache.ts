/**
 * A per-connection LRU of prepared statements keyed by SQL text. Evicted statements are
 * finalized at once: on wasm an unfinalized statement leaks heap memory and can keep the lock.
 */
import type { PreparedStatement } from './connection.js';
import type { SqlShape } from './sql-scan.js';

/** A prepared statement with what the scanner learned about its SQL. */
export interface CachedStatement {
  readonly stmt: PreparedStatement;
  readonly shape: SqlShape;
}

/** LRU of {@link CachedStatement}s; capacity 0 caches nothing. */
export class StatementCache {
  readonly #capacity: number;
  // a Map iterates in insertion order: re-inserting on use keeps the oldest first
  readonly #entries = new Map<string, CachedStatement>();
  /** SQL of the most recently used entry (the young end of the map). */
  #newest: string | undefined;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(sql: string): CachedStatement | undefined {
    const hit = this.#entries.get(sql);
    // Re-inserting moves the entry to the young end; a hit on the newest entry skips that.
    if (hit !== undefined && sql !== this.#newest) {
      this.#entries.delete(sql);
      this.#entries.set(sql, hit);
      this.#newest = sql;
    }
    return hit;
  }

  /** Stores `entry`; returns false (and stores nothing) when caching is off. */
  add(sql: string, entry: CachedStatement): boolean {
    if (this.#capacity === 0) return false;
    this.#entries.delete(sql);
    this.#entries.set(sql, entry);
    this.#newest = sql;
    if (this.#entries.size > this.#capacity) {
      const [oldest, evicted] = this.#entries.entries().next().value as [string, CachedStatement];
      this.#entries.delete(oldest);
      evicted.stmt.finalize();
    }
    return true;
  }

  /** Finalizes and forgets every statement. */
  clear(): void {
    for (const e of this.#entries.values()) e.stmt.finalize();
    this.#entries.clear();
    this.#newest = undefined;
  }
}
