/**
 * The demo's flags as data: validation, `--help`, the error for a bad value and the top-level
 * usage line are all built from these tables, so none of them can forget a choice. (No driver
 * import here: `dual-sqlite help` loads this module.)
 */
import { choiceList, DRIVER_CHOICES, numberRange, type Choice, type DriverFlag, type NumberFlag } from '../args.js';

/** Where the demo writes when no `--dsn` is given: an embedded file, nothing to set up. */
export const DEFAULT_DSN = './data/demo.db';

/**
 * Default `--think-ms`: sub-agents do some work of their own between writes, as real agents do.
 * `--think-ms 0` (every task writing back to back) is the worst case for the locks; it passes too
 * since processes take turns for the write lock (core/turns.ts): before that, a process whose
 * queue never drained starved pollers in the others until their busy timeout.
 */
export const DEFAULT_THINK_MS = 10;

/** `--driver` of the demo: every driver, plus `mixed`. */
export type DemoDriver = DriverFlag | 'mixed';

export const DEMO_DRIVER_CHOICES: readonly Choice<DemoDriver>[] = Object.freeze([
  ...DRIVER_CHOICES,
  { value: 'mixed', help: 'agents take native, wasm and node (where it loads) in turn, all with vfs=unix-dotfile, the one lock protocol every driver shares' },
]);

/** The numeric flags, in help order. */
export const DEMO_NUMBERS = Object.freeze({
  agents: { name: 'agents', kind: 'int', min: 1, max: 64, fallback: 4, unit: 'worker processes' },
  tasks: { name: 'tasks', kind: 'int', min: 1, max: 1000, fallback: 8, unit: 'async tasks per worker process' },
  seconds: { name: 'seconds', kind: 'number', min: 0, above: true, max: 24 * 3600, fallback: 8, unit: 'how long the agents write, in seconds' },
  'think-ms': {
    name: 'think-ms',
    kind: 'number',
    min: 0,
    max: 60_000,
    fallback: DEFAULT_THINK_MS,
    unit: "mean pause of a task between two transactions (its own work), in ms; 0 = back to back, the worst case for the locks",
  },
} satisfies Record<string, NumberFlag>);

const NUMBER_ARGS: Record<keyof typeof DEMO_NUMBERS, string> = { agents: 'N', tasks: 'N', seconds: 'S', 'think-ms': 'MS' };

/** `dual-sqlite demo [--dsn <dsn>] [--driver native|wasm|auto|mixed] [--agents N] ...` */
export const DEMO_USAGE = `dual-sqlite demo [--dsn <dsn>] [--driver ${choiceList(DEMO_DRIVER_CHOICES)}] ${Object.values(DEMO_NUMBERS)
  .map((f) => `[--${f.name} ${NUMBER_ARGS[f.name as keyof typeof DEMO_NUMBERS]}]`)
  .join(' ')}`;

/** The option lines of `dual-sqlite demo --help`. */
export function demoOptionHelp(): string {
  const pad = (s: string) => s.padEnd(11);
  const lines = [
    `  ${pad('--dsn')}database to write (default ${DEFAULT_DSN}, created if missing; the demo only`,
    `  ${pad('')}adds rows tagged with its own run id and never deletes anything)`,
    `  ${pad('--driver')}default: the DSN's _driver, then SQLITE_DRIVER, then auto; one of`,
    ...DEMO_DRIVER_CHOICES.map((c) => `  ${pad('')}  ${c.value.padEnd(7)}${c.help}`),
    ...Object.values(DEMO_NUMBERS).map((f: NumberFlag) => `  ${pad(`--${f.name}`)}${f.unit}: ${numberRange(f)} (default ${f.fallback})`),
  ];
  return lines.join('\n');
}
