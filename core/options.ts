/** Validation of the options the dialect and `openDatabase` take besides the DSN. */
import { parseDsn } from '../dsn/index.js';
import { DRIVER_CHOICES, type DsnConfig } from '../dsn/types.js';
import type { DualSqliteOpenOptions } from './dialect-config.js';
import { closest } from '../dsn/suggest.js';
import { DSN_OPTIONS } from '../dsn/registry.js';
import { InvalidOptionError } from './errors.js';


/** The options of `openDatabase`. */
export const OPEN_OPTIONS = ['driver', 'env', 'log', 'acquireTimeout', 'acquireWarning', 'migrationTimeout', 'detectMisuse'] as const;
/** The options of `new DualSqliteDialect(config)`. */
export const DIALECT_OPTIONS = ['dsn', ...OPEN_OPTIONS] as const;
/** The options of `createKysely(dsn, options)`. */
export const CREATE_KYSELY_OPTIONS = [...OPEN_OPTIONS, 'plugins', 'kyselyLog'] as const;

/**
 * Refuses option names that `where` does not take, like unknown DSN keys: a misspelled option
 * (`drvier`) would otherwise be ignored without a word. Suggests the closest known name.
 */
export function checkOptionNames(options: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const value = (options as Record<string, unknown>)[name];
    const dsnKey = dsnKeyFor(name);
    if (dsnKey !== undefined) {
      const v = typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? String(value) : '...';
      throw new InvalidOptionError(name, value, `${where} has no option "${name}": it is a DSN setting; did you mean the DSN key "${dsnKey}"? Put it in the DSN, e.g. "app.db?${dsnKey}=${v}" (see docs/dsn.md)`);
    }
    const guess = closest(name, known);
    throw new InvalidOptionError(name, value, `${where} has no option "${name}"${guess ? `; did you mean "${guess}"?` : ''} (its options: ${known.join(', ')})`);
  }
}

/**
 * The DSN key a JS option name stands for, when someone passes a DSN setting as an option:
 * `busyTimeout`, `busy_timeout` or `_busy_timeout` -> `_busy_timeout` (matched on the config
 * field and on the key without its leading underscore, in camelCase or snake_case).
 */
function dsnKeyFor(name: string): string | undefined {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/^_+/, '');
  for (const o of DSN_OPTIONS) {
    if (o.key === undefined) continue;
    if (o.target === name || [o.key, ...o.aliases].some((k) => k.replace(/^_+/, '') === snake)) return o.key;
  }
  return undefined;
}

/**
 * Refuses an object where a call takes the DSN string first (`createKysely({ dsn })`, the shape
 * of the dialect's config): says what was passed and the call shape. A `DsnConfig` passes.
 */
export function checkDsnArgument(dsn: unknown, call: string): void {
  if (dsn === null || typeof dsn !== 'object' || 'location' in dsn) return;
  const keys = Object.keys(dsn);
  const rest = keys.filter((k) => k !== 'dsn');
  throw new InvalidOptionError(
    'dsn',
    dsn,
    `${call}() takes the DSN string as its first argument and the options as its second, but got an object with ${keys.length ? `keys ${keys.join(', ')}` : 'no keys'}; call ${call}('app.db'${rest.length ? `, { ${rest.join(', ')} }` : ''}) (an object { dsn, ... } is the config of new DualSqliteDialect())`,
  );
}

/** Parses a DSN string (a `DsnConfig` is taken as is) and checks the options; throws on bad input. */
export function resolveOptions(dsn: unknown, options: DualSqliteOpenOptions & { detectMisuse?: unknown }): DsnConfig {
  const { driver, acquireTimeout, log } = options;
  if (driver !== undefined && !DRIVER_CHOICES.includes(driver)) {
    throw new InvalidOptionError('driver', driver, `use ${DRIVER_CHOICES.slice(0, -1).map((d) => `"${d}"`).join(', ')} or "${DRIVER_CHOICES.at(-1)}" (or leave it out to follow the DSN and SQLITE_DRIVER)`);
  }
  if (acquireTimeout !== undefined && !(typeof acquireTimeout === 'number' && acquireTimeout >= 0 && Number.isFinite(acquireTimeout))) {
    throw new InvalidOptionError('acquireTimeout', acquireTimeout, 'use a number of milliseconds >= 0, or leave it out to wait without limit');
  }
  if (options.acquireWarning !== undefined && !(typeof options.acquireWarning === 'number' && options.acquireWarning >= 0 && !Number.isNaN(options.acquireWarning))) {
    throw new InvalidOptionError('acquireWarning', options.acquireWarning, 'use a number of milliseconds >= 0 (Infinity turns the warning off), or leave it out for 10000');
  }
  const { migrationTimeout } = options;
  if (migrationTimeout !== undefined && !(typeof migrationTimeout === 'number' && migrationTimeout >= 0 && Number.isFinite(migrationTimeout))) {
    throw new InvalidOptionError('migrationTimeout', migrationTimeout, 'use a number of milliseconds >= 0 (default 300000, 5 minutes)');
  }
  if (log !== undefined && typeof log !== 'function') {
    throw new InvalidOptionError('log', log, 'use a function receiving { level, event, message, error }');
  }
  if (options.detectMisuse !== undefined && typeof options.detectMisuse !== 'boolean') {
    throw new InvalidOptionError('detectMisuse', options.detectMisuse, 'use true (default) or false');
  }
  if (typeof dsn === 'string') return parseDsn(dsn);
  if (dsn !== null && typeof dsn === 'object' && 'location' in dsn) return dsn as DsnConfig;
  throw new InvalidOptionError('dsn', dsn, 'use a DSN string (a path, a file: URI, ":memory:") or a DsnConfig from parseDsn()');
}
