/**
 * Command-line parsing shared by the subcommands, on Node's `util.parseArgs` (strict: an
 * unknown flag is an error, never ignored, for the same reason an unknown DSN option is).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DualSqliteError } from '../dsn/base-error.js';
import { DRIVER_CHOICES as DSN_DRIVER_CHOICES, type DriverChoice } from '../dsn/types.js';

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
export type DriverFlag = DriverChoice;

/** One accepted value of a flag with a fixed set of values: the help text and errors list these. */
export interface Choice<V extends string = string> {
  readonly value: V;
  readonly help: string;
}

/** What each driver choice means, for help and errors (a Record, so a new driver cannot be missed). */
const DRIVER_HELP: Readonly<Record<DriverChoice, string>> = {
  native: 'better-sqlite3',
  node: "Node's built-in node:sqlite, Node 22.13+",
  wasm: 'node-sqlite3-wasm',
  auto: 'the first of native, node, wasm that loads',
};

/** The drivers `--driver` names, in the order help and errors list them (the DSN layer's list). */
export const DRIVER_CHOICES: readonly Choice<DriverFlag>[] = Object.freeze(
  DSN_DRIVER_CHOICES.map((value) => ({ value, help: DRIVER_HELP[value] })),
);

/** `native|wasm|auto` for usage lines. */
export function choiceList(choices: readonly Choice[]): string {
  return choices.map((c) => c.value).join('|');
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: strings for `type: 'string'`, booleans for `type: 'boolean'`. */
export type Parsed<O extends Options> = {
  readonly values: { readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: string[];
};

/**
 * Parses `args` against `options`. parseArgs' own errors are replaced by messages that name the
 * flag and the fix; a negative number after a flag that takes a value (`--seconds -1`) is taken
 * as that value, so its validator can say what is wrong with it.
 */
export function parse<O extends Options>(command: string, args: readonly string[], options: O, positionals: number): Parsed<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true }) as unknown as Parsed<O>;
  } catch (err) {
    throw new UsageError(`${command}: ${describeParseError(err, options)} Run "dual-sqlite ${command} --help".`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(
      `${command}: unexpected argument "${parsed.positionals[positionals]}". ` +
        `Quote a DSN that contains "&" or "?" in the shell, e.g. 'app.db?_txlock=immediate&_fk=1'.`,
    );
  }
  return parsed;
}

/** `--flag -1` -> `--flag=-1` for flags that take a value (parseArgs would call -1 an option). */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i]!)?.[1];
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

function describeParseError(err: unknown, options: Options): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-[^' ]+)/.exec(e.message ?? '')?.[1] ?? '?';
  const known = Object.keys(options).map((o) => `--${o}`).join(', ');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option "${flag}"; the options are ${known}.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message ?? '')) return `${flag} takes no value.`;
      return `${flag} needs a value (${flag} <value> or ${flag}=<value>).`;
    default:
      return `${e.message ?? String(err)}.`;
  }
}

/** Validates a flag whose value must be one of `choices` (case-insensitive). */
export function choiceFlag<V extends string>(command: string, flag: string, value: string | undefined, choices: readonly Choice<V>[]): V | undefined {
  if (value === undefined) return undefined;
  const found = choices.find((c) => c.value === value.toLowerCase());
  if (found) return found.value;
  const list = choices.map((c) => `${c.value} (${c.help})`).join(', ');
  throw new UsageError(`${command}: --${flag} "${value}" is not one of the choices: ${list}.`);
}

/** Validates a `--driver` value. */
export function driverFlag(command: string, value: string | undefined): DriverFlag | undefined {
  return choiceFlag(command, 'driver', value, DRIVER_CHOICES);
}

/** A numeric flag: its bounds, default and unit, for validation and for the help text. */
export interface NumberFlag {
  readonly name: string;
  /** `int`: whole numbers only. */
  readonly kind: 'int' | 'number';
  /** Smallest accepted value; `above` makes it exclusive. */
  readonly min: number;
  readonly above?: boolean;
  readonly max: number;
  readonly fallback: number;
  /** What the number counts, e.g. "worker processes". */
  readonly unit: string;
}

/** Validates `value` against `spec`: plain decimal digits only (no `1e3`, `0x10`, spaces). */
export function numberFlag(command: string, spec: NumberFlag, value: string | undefined): number {
  if (value === undefined) return spec.fallback;
  const pattern = spec.kind === 'int' ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)$/;
  const n = Number(value);
  const low = spec.above ? n > spec.min : n >= spec.min;
  if (pattern.test(value.trim()) && low && n <= spec.max) return n;
  throw new UsageError(`${command}: --${spec.name} "${value}" must be ${numberRange(spec)} (${spec.unit}; default ${spec.fallback}).`);
}

/** "a whole number from 1 to 64", "a number above 0 and at most 86400". */
export function numberRange(spec: NumberFlag): string {
  const what = spec.kind === 'int' ? 'a whole number' : 'a number';
  return spec.above ? `${what} above ${spec.min} and at most ${spec.max}` : `${what} from ${spec.min} to ${spec.max}`;
}

/** How a driver selection is shown: the command line is named as the source when `--driver` decided. */
export function describeSelection(selection: { driver: string; source: string; reason: string }, flag: DriverFlag | undefined): string {
  if (flag === undefined) return `${selection.driver} (${selection.reason})`;
  if (flag !== 'auto') return `${selection.driver} (command line: --driver ${flag})`;
  // the selection's reason reads "<who> is auto: <why>"; keep the why, name the command line as who
  const why = selection.reason.slice(selection.reason.indexOf(': ') + 2);
  return `${selection.driver} (command line: --driver auto; ${why})`;
}
