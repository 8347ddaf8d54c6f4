/** Messages between the demo parent and its agent processes (over the `fork` IPC channel). */
import type { DriverChoice } from '../../dsn/types.js';

/** What the parent tells an agent at start (JSON in argv[2]). */
export interface AgentSpec {
  readonly dsn: string;
  readonly driver?: DriverChoice;
  readonly agent: number;
  readonly tasks: number;
  readonly runId: string;
  /** Mean pause between two transactions of one task (the agent's own work), in ms; 0 = none. */
  readonly thinkMs: number;
}

/** Running totals of one agent process. */
export interface AgentCounters {
  commits: number;
  /** Errors whose SQLite code is SQLITE_BUSY (or an extended BUSY code) that reached our code. */
  busy: number;
  /** Any other error that reached our code. */
  errors: number;
  /** Transactions that waited at least {@link WAIT_THRESHOLD_MS} before their callback ran. */
  waited: number;
  waitTotalMs: number;
  waitMaxMs: number;
  /** Longest event-loop stall seen in the agent process, in ms. */
  maxStallMs: number;
  /** 99th percentile of the event-loop delay in the agent process, in ms. */
  p99StallMs: number;
}

/** A transaction counts as "waited" above this: below it is ordinary queue scheduling. */
export const WAIT_THRESHOLD_MS = 1;

/** Agent -> parent. */
export type AgentMessage =
  | {
      readonly type: 'ready';
      readonly agent: number;
      readonly driver: string;
      /**
       * SQLite's own busy timeout on the agent's connection, read back with `pragma busy_timeout`:
       * 0 means a locked statement returns at once and the dialect waits on timers, never inside
       * SQLite (where the wait would block the event loop).
       */
      /** `null` on PostgreSQL, which has no client-side busy timeout. */
      readonly sqliteBusyTimeoutMs: number | null;
    }
  | { readonly type: 'progress'; readonly agent: number; readonly counters: AgentCounters }
  | {
      readonly type: 'done';
      readonly agent: number;
      readonly counters: AgentCounters;
      /** Commits acknowledged per async task: task t committed seq 0 .. committed[t]-1. */
      readonly committed: number[];
      /** Start-of-transaction waits in ms (rounded to 0.01), for percentiles. */
      readonly waits: number[];
      readonly errorSamples: string[];
    }
  | { readonly type: 'fatal'; readonly agent: number; readonly message: string };

/** Parent -> agent. */
export type ParentMessage = { readonly type: 'go'; readonly endAt: number };

/** True when `err` (or an error in its `cause` chain) carries an SQLITE_BUSY code. */
export function isBusy(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
    // PostgreSQL's lock_timeout (55P03) and serialization failures are the same "did not get in".
    const kind = (e as { kind?: unknown }).kind;
    if (kind === 'busy' || kind === 'serialization') return true;
  }
  return false;
}
