/**
 * Command-line parsing shared by the subcommands, on Node's `util.parseArgs` (strict: an
 * unknown flag is an error, never ignored, for the same reason an unknown DSN option is).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DualSqliteError } from '../dsn/base-error.js';

/** A command line that cannot be run as written. Exit code 2. */
export class UsageError extends DualSqliteError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

/** Exit codes of `dual-sqlite`, documented in docs/troubleshooting.md. */
export const EXIT = Object.freeze({
  /** The command succeeded; for `doctor`, every check is healthy. */
  OK: 0,
  /** The command ran and found a problem (unhealthy database, failed demo verification). */
  PROBLEM: 1,
  /** The command could not run: bad arguments, bad DSN, unknown driver. */
  USAGE: 2,
});

/** The values `--driver` accepts. */
export type DriverFlag = 'native' | 'wasm' | 'auto';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: strings for `type: 'string'`, booleans for `type: 'boolean'`. */
export type Parsed<O extends Options> = {
  readonly values: { readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: string[];
};

/** Parses `args` against `options`, turning parseArgs' TypeErrors into {@link UsageError}s. */
export function parse<O extends Options>(command: string, args: readonly string[], options: O, positionals: number): Parsed<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as unknown as Parsed<O>;
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}. Run "dual-sqlite ${command} --help".`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(
      `${command}: unexpected argument "${parsed.positionals[positionals]}". ` +
        `Quote a DSN that contains "&" or "?" in the shell, e.g. 'app.db?_txlock=immediate&_fk=1'.`,
    );
  }
  return parsed;
}

/** Validates a `--driver` value. */
export function driverFlag(command: string, value: string | undefined): DriverFlag | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'native' || v === 'wasm' || v === 'auto') return v;
  throw new UsageError(`${command}: --driver "${value}" is not a driver; use native, wasm or auto.`);
}

/** Validates a positive integer flag such as `--agents 4`. */
export function positiveInt(command: string, flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${command}: --${flag} "${value}" must be a whole number from 1 to ${max}.`);
  }
  return n;
}

/** Validates a positive number flag such as `--seconds 2.5`. */
export function positiveNumber(command: string, flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`${command}: --${flag} "${value}" must be a number above 0 and at most ${max}.`);
  }
  return n;
}
