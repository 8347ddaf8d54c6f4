/**
 * The demo's tables. Rows carry a `run_id` so a demo never deletes data: it can point at an
 * existing database (`--dsn`) and only ever verifies the rows of its own run.
 */
import type { Kysely } from 'kysely';

/** One row per committed transaction of one async task of one agent process. */
export interface DemoRowTable {
  run_id: string;
  agent: number;
  task: number;
  /** 0, 1, 2, ... per (agent, task): a task only advances after its commit was acknowledged. */
  seq: number;
  payload: string;
  written_at: number;
}

/** One row per demo run, with the totals the agents reported. */
export interface DemoRunTable {
  run_id: string;
  started_at: number;
  driver: string;
  agents: number;
  tasks: number;
  seconds: number;
  commits_reported: number | null;
}

/** The demo database as Kysely sees it. */
export interface DemoDatabase {
  demo_rows: DemoRowTable;
  demo_runs: DemoRunTable;
}

/** Creates the demo tables if they do not exist yet (idempotent, safe on a shared database). */
export async function createSchema(db: Kysely<DemoDatabase>): Promise<void> {
  await db.schema
    .createTable('demo_rows')
    .ifNotExists()
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('agent', 'integer', (c) => c.notNull())
    .addColumn('task', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // Date.now() needs 64 bits: PostgreSQL's integer is 32 (SQLite's INTEGER is 64 either way).
    .addColumn('written_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('demo_rows_pk', ['run_id', 'agent', 'task', 'seq'])
    .execute();
  await db.schema
    .createTable('demo_runs')
    .ifNotExists()
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('driver', 'text', (c) => c.notNull())
    .addColumn('agents', 'integer', (c) => c.notNull())
    .addColumn('tasks', 'integer', (c) => c.notNull())
    .addColumn('seconds', 'real', (c) => c.notNull())
    .addColumn('commits_reported', 'integer')
    .execute();
}
