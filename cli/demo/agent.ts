/**
 * One demo agent: a worker PROCESS that runs `tasks` async tasks, each committing small
 * transactions through the dialect until the deadline the parent sets. Every task advances its
 * `seq` only after a commit was acknowledged, so the parent can verify that every acknowledged
 * commit is in the database and nothing else is.
 */
import { sql, type Kysely } from 'kysely';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPostgresDsn } from '../../dsn/postgres.js';
import { createKysely } from '../../front-door.js';
import type { AgentCounters, AgentMessage, AgentSpec, ParentMessage } from './protocol.js';
import { isBusy, WAIT_THRESHOLD_MS } from './protocol.js';
import type { DemoDatabase } from './schema.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as AgentSpec;

function send(message: AgentMessage): void {
  process.send?.(message);
}

async function runTask(db: Kysely<DemoDatabase>, task: number, endAt: number, state: TaskState): Promise<void> {
  while (Date.now() < endAt) {
    const seq = state.committed[task]!;
    const started = performance.now();
    try {
      await db.transaction().execute(async (trx) => {
        state.noteWait(performance.now() - started);
        await trx
          .insertInto('demo_rows')
          .values({ run_id: spec.runId, agent: spec.agent, task, seq, payload: `agent ${spec.agent} task ${task} #${seq}`, written_at: Date.now() })
          .execute();
        // Read-your-writes inside the transaction: the task's rows are exactly 0..seq.
        const row = await trx
          .selectFrom('demo_rows')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('run_id', '=', spec.runId)
          .where('agent', '=', spec.agent)
          .where('task', '=', task)
          .executeTakeFirstOrThrow();
        if (Number(row.n) !== seq + 1) throw new Error(`task ${task}: expected ${seq + 1} rows inside the transaction, saw ${row.n}`);
      });
      state.committed[task] = seq + 1;
      state.counters.commits++;
    } catch (err) {
      state.noteError(err);
    }
    // The agent's own work between two writes: uniform in [0, 2 x thinkMs], mean thinkMs.
    if (spec.thinkMs > 0) await sleep(Math.random() * 2 * spec.thinkMs);
  }
}

class TaskState {
  readonly counters: AgentCounters = { commits: 0, busy: 0, errors: 0, waited: 0, waitTotalMs: 0, waitMaxMs: 0, maxStallMs: 0, p99StallMs: 0 };
  readonly committed: number[];
  readonly waits: number[] = [];
  readonly errorSamples: string[] = [];

  constructor(tasks: number) {
    this.committed = new Array<number>(tasks).fill(0);
  }

  noteWait(ms: number): void {
    this.waits.push(Math.round(ms * 100) / 100);
    if (ms < WAIT_THRESHOLD_MS) return;
    this.counters.waited++;
    this.counters.waitTotalMs += ms;
    this.counters.waitMaxMs = Math.max(this.counters.waitMaxMs, ms);
  }

  noteError(err: unknown): void {
    if (isBusy(err)) this.counters.busy++;
    else this.counters.errors++;
    if (this.errorSamples.length < 5) {
      const e = err as { name?: string; code?: string; message?: string };
      this.errorSamples.push(`${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}`);
    }
  }
}

async function main(): Promise<void> {
  // The front door: a postgres:// DSN opens PostgreSQL, anything else SQLite, as in an application.
  const db = createKysely<DemoDatabase>(spec.dsn, spec.driver ? { driver: spec.driver } : {});
  const postgres = isPostgresDsn(spec.dsn);
  const state = new TaskState(spec.tasks);
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  // Listen before anything else: the parent may send "go" as soon as the others are ready.
  const go = new Promise<ParentMessage>((resolve) => process.once('message', (m) => resolve(m as ParentMessage)));
  try {
    await sql`select count(*) from demo_rows`.execute(db); // opens the connection and checks the schema
    // SQLite's own busy timeout must read 0 (waits run on timers); PostgreSQL has none.
    const timeout = postgres ? undefined : (await sql<Record<string, unknown>>`pragma busy_timeout`.execute(db)).rows[0];
    send({ type: 'ready', agent: spec.agent, driver: postgres ? 'postgres' : (spec.driver ?? 'auto'), sqliteBusyTimeoutMs: postgres ? null : Number(Object.values(timeout ?? {})[0]) });
    const { endAt } = await go;
    stalls.enable();
    const ticker = setInterval(() => {
      state.counters.maxStallMs = stalls.max / 1e6;
      state.counters.p99StallMs = stalls.percentile(99) / 1e6;
      send({ type: 'progress', agent: spec.agent, counters: state.counters });
    }, 250);
    await Promise.all(Array.from({ length: spec.tasks }, (_, t) => runTask(db, t, endAt, state)));
    clearInterval(ticker);
    stalls.disable();
    state.counters.maxStallMs = stalls.max / 1e6;
    state.counters.p99StallMs = stalls.percentile(99) / 1e6;
  } finally {
    await db.destroy();
  }
  send({
    type: 'done',
    agent: spec.agent,
    counters: state.counters,
    committed: state.committed,
    waits: state.waits,
    errorSamples: state.errorSamples,
  });
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    const e = err as { name?: string; code?: string; message?: string };
    send({ type: 'fatal', agent: spec.agent, message: `${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}` });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
