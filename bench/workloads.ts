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

/** A workload: what it measures, who can run it, and how to run one slice. */
export interface Workload {
  readonly id: string;
  readonly title: string;
  /** What the operations are called in the table header (plural). */
  readonly unit: string;
  applies(c: Contender): boolean;
  slice(s: Session, c: Contender, cursor: number, o: SliceOptions): Promise<SliceResult>;
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'select-qb',
    title: 'point SELECT by primary key, query builder',
    unit: 'queries',
    applies: (c) => c.kind !== 'raw',
    slice: (s, c, cur, o) => opSlice((k) => s.selectQB!(IDS[(cur + k) & ID_MASK]!), c.sync, 32, o.sliceMs, 3),
  },
  {
    id: 'select-compiled',
    title: 'point SELECT by primary key, precompiled (raw: reused statement)',
    unit: 'queries',
    applies: () => true,
    slice: (s, c, cur, o) => opSlice((k) => s.selectCompiled(IDS[(cur + k) & ID_MASK]!), c.sync, 32, o.sliceMs, 3),
  },
  {
    id: 'insert-one',
    title: 'single-row INSERT, autocommit',
    unit: 'inserts',
    applies: () => true,
    slice: (s, c, cur, o) => opSlice((k) => s.insertOne(cur + k), c.sync, 4, o.sliceMs, 3),
  },
  {
    id: 'insert-tx',
    title: `${BATCH_ROWS}-row INSERT in one transaction`,
    unit: 'transactions',
    applies: () => true,
    slice: (s, c, cur, o) => opSlice((k) => s.insertBatch((cur + k) * BATCH_ROWS, BATCH_ROWS), c.sync, 1, o.sliceMs, 2),
  },
  {
    id: 'mixed',
    title: `read/write mix, ${MIXED_TASKS} concurrent async tasks (1 in ${MIXED_WRITE_EVERY} an UPDATE)`,
    unit: 'ops',
    applies: () => true,
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
