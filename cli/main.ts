#!/usr/bin/env node
/**
 * `dual-sqlite`: the command-line front door. `inspect` explains a DSN, `doctor` examines a
 * database file and says what is wrong with it, `demo` runs the main job (many sub-agents
 * writing one database). Each subcommand lives in its own module and is loaded on demand, so
 * `inspect` never loads a SQLite driver it does not need.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DualSqliteError } from '../dsn/base-error.js';
import { choiceList, DRIVER_CHOICES, EXIT, UsageError } from './args.js';
import { DEMO_USAGE } from './demo/flags.js';
import { processIo, println, type CliIo } from './io.js';
import { failJson } from './json-error.js';

/** Top-level help text. */
export const HELP = `dual-sqlite: inspect DSNs, diagnose SQLite files, back up and restore, run the multi-agent demo

Usage:
  dual-sqlite inspect <dsn> [--driver ${choiceList(DRIVER_CHOICES)}] [--json]
  dual-sqlite doctor <dsn> [--driver ${choiceList(DRIVER_CHOICES)}] [--fix] [--json] [--progress]
  dual-sqlite backup <dsn> <dest> [--driver ${choiceList(DRIVER_CHOICES)}] [--force] [--progress] [--json]
  dual-sqlite restore <backup> <dsn> [--driver ${choiceList(DRIVER_CHOICES)}] [--keep-old] [--json]
  dual-sqlite restore --recover <dsn>
  dual-sqlite copy-check <sqlite-dsn> <postgres-url> [--schema public] [--json]
  ${DEMO_USAGE}
  dual-sqlite help [command]

Exit codes: 0 success (doctor: healthy; backup: the copy is verified), 1 a problem was found, 2 bad arguments or bad DSN.
Run "dual-sqlite <command> --help" for the options of one command.`;

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

/**
 * A subcommand module. `JSON_FLAG`: the command takes `--json`, so with it on the command line
 * every error it throws (bad arguments included) is printed as one JSON object, by `main`.
 */
interface CommandModule {
  readonly run: Command;
  readonly HELP: string;
  readonly JSON_FLAG?: boolean;
}

const commands: Record<string, () => Promise<CommandModule>> = {
  inspect: () => import('./inspect.js'),
  doctor: () => import('./doctor/command.js'),
  demo: () => import('./demo/command.js'),
  backup: () => import('./backup.js'),
  restore: () => import('./restore.js'),
  'copy-check': () => import('./copy-check.js'),
};

/** Runs one command line and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      println(io.stdout, topic && commands[topic] ? (await commands[topic]()).HELP : HELP);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const load = commands[name];
    if (!load) throw new UsageError(`unknown command "${name}"; use inspect, doctor, backup, restore, copy-check or demo (see "dual-sqlite help").`);
    const command = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      println(io.stdout, command.HELP);
      return EXIT.OK;
    }
    try {
      return await command.run(rest, io);
    } catch (err) {
      // one place for every command, so no command can print its errors as text under --json
      if (command.JSON_FLAG === true && rest.includes('--json')) return failJson(err, io);
      throw err;
    }
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    println(io.stderr, `dual-sqlite: ${err.message}`);
    return EXIT.USAGE;
  }
  if (err instanceof DualSqliteError) {
    println(io.stderr, `dual-sqlite: ${err.name} [${err.code}]: ${err.message}`);
    return err.code.startsWith('DSN_') ? EXIT.USAGE : EXIT.PROBLEM;
  }
  println(io.stderr, `dual-sqlite: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.PROBLEM;
}

// Run only when executed directly (`node cli/main.ts`, the `bin`), not when imported by a test.
// `realpathSync` because npm's `bin` is a symlink to this file.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  // `dual-sqlite inspect x.db | head` closes the pipe early: that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  process.exitCode = await main(process.argv.slice(2));
}
