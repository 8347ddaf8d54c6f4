import type { DsnRecord } from './lexer.js';
import { findOptionByKey, findOptionByPragma, type DsnOption, type DsnTarget } from './registry.js';
import type { DsnConfig } from './types.js';

/**
 * Where a DSN means something else under the Go driver whose spelling it borrows. The three Go
 * drivers' own source was read for each row (mattn/go-sqlite3 at f9fc7aa, 2026-07-30;
 * ncruces/go-sqlite3 at 3fa3f30, 2026-08-20; modernc.org/sqlite's `newConn`/`applyQueryParams`):
 * this project normalizes on purpose (plain paths take every option, safer defaults), and this
 * table makes each difference explicit. docs/dsn.md renders it, and `dual-sqlite inspect` prints
 * the rows that apply to a DSN.
 */

/** The Go drivers whose DSN spellings this library accepts. */
export type GoDriver = 'mattn' | 'modernc' | 'ncruces';

/** Package path of each {@link GoDriver}. */
export const GO_DRIVER_NAMES: Readonly<Record<GoDriver, string>> = Object.freeze({
  mattn: 'mattn/go-sqlite3',
  modernc: 'modernc.org/sqlite',
  ncruces: 'ncruces/go-sqlite3',
});

/** What a difference is tested against: the lexed DSN, its config, and the settings it named. */
export interface GoDsnView {
  readonly record: DsnRecord;
  readonly config: DsnConfig;
  /** Config fields the DSN set itself (any spelling), as opposed to defaults. */
  readonly named: ReadonlySet<DsnTarget>;
}

/** One way the Go drivers read a DSN differently from this library. */
export interface GoDifference {
  readonly id: string;
  /** When it applies, for the docs. */
  readonly when: string;
  /** What this library does. */
  readonly ours: string;
  /** What each Go driver does instead, phrased to follow "<driver> ..."; absent = as this library does. */
  readonly drivers: Readonly<Partial<Record<GoDriver, string>>>;
  /** True when the difference applies to a DSN. */
  readonly applies: (dsn: GoDsnView) => boolean;
}

const difference = (d: GoDifference): GoDifference => Object.freeze({ ...d, drivers: Object.freeze({ ...d.drivers }) });

/** Every known difference, in documentation order. */
export const GO_DIFFERENCES: readonly GoDifference[] = Object.freeze([
  difference({
    id: 'plain-path-query',
    when: 'a plain path with a query (`app.db?_txlock=immediate`)',
    ours: 'every option applies, exactly as in the `file:` URI with the same path',
    drivers: {
      mattn: 'would apply its `_` keys and `vfs` here, then drop the query: `mode`, `immutable`, `cache`, `nolock`, `psow` and `modeof` would have no effect',
      modernc: 'would apply `_pragma`, `_txlock` and `vfs` here, then drop the query: `mode`, `immutable`, `cache`, `nolock`, `psow` and `modeof` would have no effect',
      ncruces: 'would open a file literally named after the whole DSN here, query included, with none of the options (it parses the query of `file:` URIs only)',
    },
    applies: ({ record }) => record.form === 'plain' && record.path !== '' && record.params.length > 0,
  }),
  difference({
    id: 'empty-path-query',
    when: 'an empty path with a query (`?_txlock=immediate`, `?mode=memory`)',
    ours: 'a private temporary database (a private in-memory one with `mode=memory`)',
    drivers: {
      mattn: 'would open a file literally named `?...` in the working directory here (it parses a query only after a non-empty path)',
      modernc: 'would open a file literally named `?...` in the working directory here (it parses a query only after a non-empty path)',
      ncruces: 'would open a file literally named `?...` in the working directory here (not a `file:` URI, so no query)',
    },
    applies: ({ record }) => record.form === 'plain' && record.path === '' && record.params.length > 0,
  }),
  difference({
    id: 'txlock-default',
    when: '`_txlock` not set',
    ours: '`immediate`: BEGIN IMMEDIATE, so writers queue at BEGIN',
    drivers: {
      mattn: 'would start transactions with a plain (deferred) BEGIN here',
      modernc: 'would start transactions with a plain (deferred) BEGIN here',
      ncruces: 'would start transactions with a plain (deferred) BEGIN here',
    },
    applies: ({ named }) => !named.has('txlock'),
  }),
  difference({
    id: 'busy-timeout-default',
    when: 'no busy timeout set',
    ours: '5000 ms, waited for asynchronously',
    drivers: {
      mattn: 'would also use 5000 ms here, but wait inside SQLite, blocking the calling thread',
      modernc: 'would use a busy timeout of 0 here (it sets none): SQLITE_BUSY at once',
      ncruces: 'would use a busy timeout of 60000 ms here without any `_pragma`, and SQLite\'s 0 (SQLITE_BUSY at once) as soon as the DSN has one',
    },
    applies: ({ named }) => !named.has('busyTimeout'),
  }),
  difference({
    id: 'synchronous-default',
    when: '`_synchronous` not set',
    ours: '`full` (in WAL mode too)',
    drivers: {
      mattn: 'would use synchronous=NORMAL here: it sets NORMAL on every connection unless `_sync` says otherwise (and again for `_journal=WAL`)',
      modernc: 'would leave synchronous at SQLite\'s compiled default here (it sets no pragma unasked)',
      ncruces: 'would leave synchronous at SQLite\'s compiled default here (it sets no pragma unasked)',
    },
    applies: ({ named }) => !named.has('pragmas.synchronous'),
  }),
  difference({
    id: 'foreign-keys-default',
    when: '`_foreign_keys` not set',
    ours: 'on',
    drivers: {
      mattn: 'would leave foreign_keys off here (SQLite\'s default; it sets the pragma only for `_fk`)',
      modernc: 'would leave foreign_keys at SQLite\'s compiled default here (off in stock SQLite; it sets no pragma unasked)',
      ncruces: 'would leave foreign_keys at SQLite\'s compiled default here (off in stock SQLite; it sets no pragma unasked)',
    },
    applies: ({ named }) => !named.has('pragmas.foreign_keys'),
  }),
  difference({
    id: 'stmt-cache-default',
    when: '`_stmt_cache_size` not set',
    ours: '128 statements per connection',
    drivers: {
      mattn: 'would cache no statements here (`_stmt_cache_size` defaults to 0, off)',
      modernc: 'has no DSN setting for a statement cache',
      ncruces: 'has no DSN setting for a statement cache',
    },
    applies: ({ named }) => !named.has('stmtCacheSize'),
  }),
  difference({
    id: 'plus-in-value',
    when: 'a `+` in a query value (`_busy_timeout=+5000`)',
    ours: '`+` is a plus, as in SQLite URIs (here the sign of an integer); write a space as `%20`',
    drivers: {
      mattn: 'would read `+` as a space here (Go\'s url.ParseQuery): `_busy_timeout=+5000` becomes " 5000", which it refuses',
      modernc: 'would read `+` as a space in `_pragma` and `_txlock` values here (Go\'s url.ParseQuery)',
      ncruces: 'would read `+` as a space in `_pragma` and `_txlock` values here (Go\'s url.ParseQuery)',
    },
    applies: ({ record }) => record.params.some((p) => p.value?.includes('+') === true),
  }),
  difference({
    id: 'txlock-case',
    when: '`_txlock` in upper or mixed case (`_txlock=IMMEDIATE`)',
    ours: 'any case',
    drivers: { ncruces: 'would refuse this `_txlock` value: it takes lower-case values only' },
    applies: ({ record }) => record.params.some((p) => p.key === '_txlock' && p.value !== undefined && p.value !== p.value.toLowerCase()),
  }),
]);

/** One difference that applies to a DSN, for one driver. */
export interface GoNote {
  readonly id: string;
  readonly driver: GoDriver;
  /** `<package> <what it does>`, e.g. "mattn/go-sqlite3 would use synchronous=NORMAL here: ...". */
  readonly text: string;
}

/**
 * The differences that apply to `record`/`config`, one note per driver, for the Go drivers whose
 * spelling the DSN uses (all three when it uses none of theirs in particular).
 */
export function goNotes(record: DsnRecord, config: DsnConfig): GoNote[] {
  const view: GoDsnView = { record, config, named: namedTargets(record) };
  const spelled = spellingDrivers(record);
  const notes: GoNote[] = [];
  for (const d of GO_DIFFERENCES) {
    if (!d.applies(view)) continue;
    for (const [driver, text] of Object.entries(d.drivers) as [GoDriver, string][]) {
      if (spelled.has(driver)) notes.push({ id: d.id, driver, text: `${GO_DRIVER_NAMES[driver]} ${text}` });
    }
  }
  return notes;
}

/** The Go drivers that spell every parameter of `record` the same way (per the registry's equivalents). */
export function spellingDrivers(record: DsnRecord): Set<GoDriver> {
  const all = Object.keys(GO_DRIVER_NAMES) as GoDriver[];
  let out = new Set<GoDriver>(all);
  for (const p of record.params) {
    const option = p.key === '_pragma' ? undefined : findOptionByKey(p.key);
    const spells = (g: GoDriver): boolean => (p.key === '_pragma' ? g !== 'mattn' : option !== undefined && spelledBy(option, g, p.key));
    const narrowed = new Set([...out].filter(spells));
    if (narrowed.size > 0) out = narrowed; // a key no Go driver knows (`_driver`) says nothing
  }
  return out;
}

function spelledBy(option: DsnOption, driver: GoDriver, key: string): boolean {
  const spellings = option.equivalents[driver].split(' — ')[0]!.split(', ');
  return spellings.includes(key);
}

/** Config fields a DSN's parameters name, whatever the spelling. */
function namedTargets(record: DsnRecord): Set<DsnTarget> {
  const out = new Set<DsnTarget>();
  for (const p of record.params) {
    const option = p.key === '_pragma' ? findOptionByPragma(/^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(p.value ?? '')?.[1] ?? '') : findOptionByKey(p.key);
    if (option?.target !== undefined) out.add(option.target);
  }
  return out;
}
