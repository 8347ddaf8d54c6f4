/**
 * The in-process workloads. Each one turns a contender's {@link Session} into a slice runner;
 * the ids read are the same seeded sequence for every contender.
 */
import type { Contender, Session } from './contenders.js';
import { concurrentSlice, opSlice, type SliceResult } from './harness.js';
import { ITEM_ROWS } from './schema.js';
import { seededIds } from './stats.js';

const IDS = seededIds(1 << 16, ITEM_ROWS);
const ID_MASK = (1 << 16) - 1;

/** Point SELECTs per read transaction in `select-in-tx` (a power of two: it slices the id table). */
export const READ_BATCH = 128;
/** Rows inserted by one `insert-tx` operation. */
export const BATCH_ROWS = 1000;
/** Concurrent async tasks in the mixed workload. */
export const MIXED_TASKS = 64;
/** One operation in this many is a write in the mixed workload. */
export const MIXED_WRITE_EVERY = 10;

/** Slice parameters chosen by `run.ts` (quick or full). */
export interface SliceOptions {
  readonly sliceMs: number;
}

/** True when contender `c` runs workload `id` (probes answer one question each). */
const wants = (c: Contender, id: string) => !c.workloads || c.workloads.includes(id);

/** A workload: what it measures, who can run it, and how to run one slice. */
export interface Workload {
  readonly id: string;
  readonly title: string;
  /** What the operations are called in the table header (plural). */
  readonly unit: string;
  applies(c: Contender): boolean;
  slice(s: Session, c: Contender, cursor: number, o: SliceOptions): Promise<SliceResult>;
}

/** The in-process workloads, in table order (contention runs separately, see contention.ts). */
export const WORKLOADS: readonly Workload[] = [
  {
    id: 'select-qb',
    title: 'point SELECT by primary key, query builder',
    unit: 'queries',
    applies: (c) => wants(c, 'select-qb') && c.kind !== 'raw',
    slice: (s, c, cur, o) => opSlice((k) => s.selectQB!(IDS[(cur + k) & ID_MASK]!), c.sync, 32, o.sliceMs, 3),
  },
  {
    id: 'select-compiled',
    title: 'point SELECT by primary key, precompiled (raw: reused statement)',
    unit: 'queries',
    applies: (c) => wants(c, 'select-compiled'),
    slice: (s, c, cur, o) => opSlice((k) => s.selectCompiled(IDS[(cur + k) & ID_MASK]!), c.sync, 32, o.sliceMs, 3),
  },
  {
    id: 'select-in-tx',
    title: `point SELECT by primary key, precompiled, ${READ_BATCH} per read transaction`,
    unit: 'queries',
    applies: (c) => wants(c, 'select-in-tx'),
    slice: async (s, c, cur, o) => {
      const batch = (k: number) => {
        const start = ((cur + k) * READ_BATCH) & ID_MASK;
        return s.readBatch(IDS.subarray(start, start + READ_BATCH));
      };
      const r = await opSlice(batch, c.sync, 1, o.sliceMs, 3);
      // Report per query, not per transaction, so the row compares with the autocommit table.
      return { ops: r.ops * READ_BATCH, seconds: r.seconds, latencyUs: r.latencyUs.map((us) => us / READ_BATCH) };
    },
  },
  {
    id: 'insert-one',
    title: 'single-row INSERT, autocommit',
    unit: 'inserts',
    applies: (c) => wants(c, 'insert-one'),
    slice: (s, c, cur, o) => opSlice((k) => s.insertOne(cur + k), c.sync, 4, o.sliceMs, 3),
  },
  {
    id: 'insert-tx',
    title: `${BATCH_ROWS}-row INSERT in one transaction`,
    unit: 'transactions',
    applies: (c) => wants(c, 'insert-tx'),
    slice: (s, c, cur, o) => opSlice((k) => s.insertBatch((cur + k) * BATCH_ROWS, BATCH_ROWS), c.sync, 1, o.sliceMs, 2),
  },
  {
    id: 'mixed',
    title: `read/write mix, ${MIXED_TASKS} concurrent async tasks (1 in ${MIXED_WRITE_EVERY} an UPDATE)`,
    unit: 'ops',
    applies: (c) => wants(c, 'mixed'),
    slice: (s, _c, cur, o) => {
      const read = s.selectQB ?? s.selectCompiled;
      return concurrentSlice(
        (k) => {
          const id = IDS[(cur + k) & ID_MASK]!;
          return (cur + k) % MIXED_WRITE_EVERY === 0 ? s.update(id, cur + k) : read(id);
        },
        MIXED_TASKS,
        o.sliceMs,
      );
    },
  },
];
