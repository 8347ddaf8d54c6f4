import path from 'node:path';
import { dsnError, isSecretPragma, type Complaint } from './errors.js';
import type { DsnParam, DsnRecord } from './lexer.js';
import {
  DSN_ACCEPTED_KEYS,
  DSN_ACCEPTED_PRAGMAS,
  DSN_OPTIONS,
  findOptionByKey,
  findOptionByPragma,
  findRefusedPragma,
  findUnsupportedKey,
  type DsnOption,
  type DsnTarget,
} from './registry.js';
import { closest } from './suggest.js';
import type { AccessMode, DsnConfig, DsnLocation } from './types.js';
import { Rejection, tildeRejection, type ValueContext } from './values.js';

/**
 * The second step of parsing: gives the lexed key/value pairs meaning through the registry,
 * detects conflicts, fills defaults and builds the frozen {@link DsnConfig}.
 */

/** One setting as the DSN chose it. */
interface Choice {
  readonly value: unknown;
  /** How it was written, for conflict messages: `_fk=0` or `_pragma=foreign_keys(0)`. */
  readonly spelling: string;
  readonly index: number;
}

/**
 * SQLite's own pragma syntax: `name(value)` or `name=value`, blanks allowed around each part.
 * The value is a name, a signed number or a quoted string; whatever it is, it is then parsed by
 * the registry type into one of a few known values, and only those are ever sent to SQLite.
 */
const PRAGMA_SYNTAX = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\)|=(.*))\s*$/s;
const PRAGMA_BARE = /^(?:[A-Za-z_][A-Za-z0-9_-]*|[+-]?\s*[0-9]+)$/;
const PRAGMA_QUOTED = /^(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)")$/s;
const PRAGMA_QUOTED_TEXT = /^[A-Za-z0-9_+-]+$/;

/** Resolves `record` against `cwd` (absolute) into a deep-frozen config. */
export function resolveDsn(record: DsnRecord, cwd: string): DsnConfig {
  const ctx: ValueContext = { cwd, resolvePath: (base, p) => path.resolve(base, p) };
  const chosen = new Map<DsnOption, Choice>();
  for (const param of record.params) {
    const [option, text, spelling] = identify(record, param);
    const value = parseValue(record.input, param, option, text, ctx);
    remember(record.input, chosen, option, { value, spelling, index: param.index });
  }
  const get = (target: DsnTarget): Choice | undefined => {
    for (const [o, c] of chosen) if (o.target === target) return c;
    return undefined;
  };
  const location = resolveLocation(record, get('mode'), cwd);
  const mode = resolveMode(record.input, location, get);
  checkCombinations(record.input, location, mode, get);
  return build(location, mode, chosen);
}

/** Which option a parameter sets, the value text to parse, and how it was spelled. */
function identify(record: DsnRecord, param: DsnParam): [DsnOption, string, string] {
  const { input } = record;
  const { key, value, index } = param;
  if (key === '_pragma') return identifyPragma(input, param);
  const option = findOptionByKey(key);
  if (!option) throw unknownKey(record, param);
  if (value === undefined) {
    throw dsnError(input, {
      code: 'DSN_INVALID_VALUE',
      option: key,
      show: [index],
      problem: `Option "${key}" has no value`,
      accepted: option.type.accepts,
      fix: `write ${key}=<value>.`,
    });
  }
  return [option, value, `${key}=${value}`];
}

function identifyPragma(input: string, { value, index }: DsnParam): [DsnOption, string, string] {
  const base = { option: '_pragma', show: [index] };
  const m = value === undefined ? null : PRAGMA_SYNTAX.exec(value);
  if (!m) {
    throw dsnError(input, {
      ...base,
      code: 'DSN_INVALID_VALUE',
      // `_pragma=key 'secret'` is malformed and still a secret.
      problem: `_pragma=${value !== undefined && isSecretPragma(value) ? '***' : (value ?? '')} is not of the form name(value) or name=value${plusHint(value)}`,
      accepted: "name(value) or name=value, blanks allowed, value a name, a signed integer or a quoted string ('wal')",
      fix: 'write e.g. _pragma=journal_mode(wal); extra SQL is never accepted.',
    });
  }
  const name = m[1]!;
  const raw = (m[2] ?? m[3]!).trim();
  const refused = findRefusedPragma(name);
  if (refused) {
    throw dsnError(input, {
      option: '_pragma',
      code: 'DSN_UNSUPPORTED',
      problem: `PRAGMA ${name} is not supported: ${refused.reason}`,
      fix: refused.fix,
    });
  }
  const option = findOptionByPragma(name);
  if (!option) {
    const guess = closest(name, DSN_ACCEPTED_PRAGMAS);
    // The value is not echoed: refused pragmas include secrets (SQLCipher's PRAGMA key).
    throw dsnError(input, {
      option: '_pragma',
      code: 'DSN_UNSUPPORTED',
      problem: `PRAGMA ${name} is not on the allow-list of pragmas a DSN may set${guess ? `. Did you mean "${guess}"?` : ''}`,
      accepted: DSN_ACCEPTED_PRAGMAS.join(', '),
      fix: guess ? `write _pragma=${guess}(...), or run PRAGMA ${name} yourself after connecting.` : `run PRAGMA ${name} yourself after connecting, or remove it.`,
    });
  }
  const text = pragmaValue(raw);
  if (text === undefined) {
    throw dsnError(input, {
      ...base,
      code: 'DSN_INVALID_VALUE',
      problem: `The value "${raw}" of _pragma=${name}(...) is not a name, a signed integer or a quoted word, so it cannot be applied safely${plusHint(raw)}`,
      accepted: option.type.accepts,
      fix: `write _pragma=${name}(<value>) with one of the accepted values and nothing else.`,
    });
  }
  return [option, text, `_pragma=${value}`];
}

/** The value inside `_pragma=name(...)`, unquoted, or `undefined` when it is not one SQLite's grammar allows. */
function pragmaValue(raw: string): string | undefined {
  if (PRAGMA_BARE.test(raw)) return raw.replace(/\s+/g, '');
  const q = PRAGMA_QUOTED.exec(raw);
  if (!q) return undefined;
  const inner = q[1] !== undefined ? q[1].replace(/''/g, "'") : q[2]!.replace(/""/g, '"');
  return PRAGMA_QUOTED_TEXT.test(inner) ? inner : undefined;
}

/** Go's url.ParseQuery reads "+" as a space, SQLite URIs do not: say so where it explains a refusal. */
function plusHint(text: string | undefined): string {
  return text?.includes('+') ? ' ("+" is not a space here, as in SQLite URIs, although Go\'s url.ParseQuery reads it as one: write a space as %20)' : '';
}

function unknownKey({ input, form }: DsnRecord, { key, value, index }: DsnParam): Error {
  const unsupported = findUnsupportedKey(key);
  if (unsupported) {
    return dsnError(input, {
      code: 'DSN_UNSUPPORTED',
      option: key,
      problem: `Option "${key}" is not supported: ${unsupported.reason}`,
      fix: unsupported.fix,
    });
  }
  const guess = closest(key, DSN_ACCEPTED_KEYS);
  const pragmaGuess = guess === undefined ? closest(key.replace(/^_/, ''), DSN_ACCEPTED_PRAGMAS) : undefined;
  const hint = guess
    ? guess.toLowerCase() === key.toLowerCase()
      ? ` Did you mean "${guess}"? Keys are case-sensitive.`
      : ` Did you mean "${guess}"?`
    : pragmaGuess
      ? ` Did you mean "_pragma=${pragmaGuess}(...)"?`
      : '';
  // `dir/what?.db`: the "?" was meant as part of the file name, not as the start of a query.
  const inName = form === 'plain' && index === 0 && value === undefined && !guess
    ? ' In a plain path "?" starts the options; if it is part of the file name, write a file: URI with it encoded as %3F.'
    : '';
  const complaint: Complaint = {
    code: 'DSN_UNKNOWN_OPTION',
    option: key,
    // The value helps to see the mistake (`_txlok=immediate`); redactDsn still hides it when the
    // key looks like a secret (`authToken=***`).
    show: [index],
    problem: `Unknown option "${key}" (query segment ${index + 1}).${hint}${inName}`.replace(/\.$/, ''),
    accepted: DSN_ACCEPTED_KEYS.join(', '),
    fix: guess ? `rename it to "${guess}", or remove it.` : pragmaGuess ? `write _pragma=${pragmaGuess}(<value>), or remove it.` : 'remove it.',
  };
  return dsnError(input, complaint);
}

function parseValue(input: string, param: DsnParam, option: DsnOption, raw: string, ctx: ValueContext): unknown {
  const text = option.type.caseSensitive ? raw : raw.toLowerCase();
  const parsed = option.type.parse(text, ctx);
  if (parsed !== undefined && !(parsed instanceof Rejection)) return parsed;
  const example = param.key === '_pragma' ? `_pragma=${option.pragma}(<value>)` : `${param.key}=<value>`;
  const name = param.key === '_pragma' ? `_pragma ${option.pragma}` : `"${param.key}"`;
  if (parsed instanceof Rejection) {
    throw dsnError(input, {
      code: parsed.code,
      option: param.key,
      show: [param.index],
      problem: `Value "${raw}" of ${name} is refused: ${parsed.reason}`,
      accepted: option.type.accepts,
      fix: parsed.fix ?? `write ${example} with an accepted value.`,
    });
  }
  const dflt = option.default === undefined ? 'leave it unset' : `get the default ${option.type.format(option.default)}`;
  throw dsnError(input, {
    code: 'DSN_INVALID_VALUE',
    option: param.key,
    show: [param.index],
    problem: `Value "${raw}" of ${name} is not valid`,
    accepted: option.type.accepts,
    fix: `write ${example} with an accepted value, or remove it to ${dflt}.`,
  });
}

/** Records `choice`; a second, different value for the same setting is a conflict. */
function remember(input: string, chosen: Map<DsnOption, Choice>, option: DsnOption, choice: Choice): void {
  const earlier = chosen.get(option);
  if (!earlier) {
    chosen.set(option, choice);
    return;
  }
  if (option.type.format(earlier.value) === option.type.format(choice.value)) return;
  const setting = option.key ?? `_pragma=${option.pragma}`;
  throw dsnError(input, {
    code: 'DSN_CONFLICT',
    option: choice.spelling.slice(0, choice.spelling.indexOf('=')),
    show: [earlier.index, choice.index],
    problem: `"${earlier.spelling}" and "${choice.spelling}" both set ${setting}, to different values`,
    fix: 'keep only one of them.',
  });
}

function resolveLocation(record: DsnRecord, mode: Choice | undefined, cwd: string): DsnLocation {
  const { path: p, input } = record;
  const memoryMode = mode?.value === 'memory';
  if (p === ':memory:') return { kind: 'memory' };
  if (p === '') return memoryMode ? { kind: 'memory' } : { kind: 'temp' };
  if (memoryMode) return { kind: 'shared-memory', name: p };
  if (p.startsWith('~')) {
    const r = tildeRejection(p);
    throw dsnError(input, { code: r.code, problem: `The path ${r.reason}`, fix: r.fix ?? '' });
  }
  // path.resolve would drop a trailing "/" or "." and quietly turn a directory into a file name.
  if (/(^|\/)(\.{1,2})?$/.test(p)) {
    throw dsnError(input, {
      code: 'DSN_INVALID_PATH',
      problem: `The path "${p}" names a directory, not a database file`,
      fix: 'add the file name, e.g. data/app.db.',
    });
  }
  return { kind: 'file', path: path.resolve(cwd, p) };
}

function resolveMode(input: string, location: DsnLocation, get: (t: DsnTarget) => Choice | undefined): AccessMode {
  const mode = get('mode');
  const immutable = get('immutable')?.value === true;
  if (location.kind !== 'file') {
    if (mode && mode.value !== 'memory' && mode.value !== 'rwc') {
      throw conflict(input, [mode], `"${mode.spelling}" on ${describeLocation(location)}, which is always read-write-create`, 'remove mode, or use a file path.');
    }
    return 'rwc';
  }
  if (immutable && mode && mode.value !== 'ro') {
    const imm = get('immutable')!;
    throw conflict(input, [mode, imm], `"${imm.spelling}" makes the database read-only, but "${mode.spelling}" asks to write`, 'write mode=ro, or drop immutable.');
  }
  return (mode?.value as AccessMode | undefined) ?? (immutable ? 'ro' : 'rwc');
}

/** Combinations SQLite would accept and then silently not honour. */
function checkCombinations(input: string, location: DsnLocation, mode: AccessMode, get: (t: DsnTarget) => Choice | undefined): void {
  const where = describeLocation(location);
  const memory = location.kind === 'memory' || location.kind === 'shared-memory';
  const fileOnly: DsnTarget[] = memory ? ['immutable', 'nolock', 'vfs', 'modeof', 'psow'] : location.kind === 'temp' ? ['immutable', 'modeof'] : [];
  for (const target of fileOnly) {
    const c = get(target);
    if (c && c.value !== false) {
      throw conflict(input, [c], `"${c.spelling}" only applies to a database file, not to ${where}`, 'remove it, or use a file path.');
    }
  }
  const journal = get('pragmas.journal_mode');
  if (memory && journal && journal.value !== 'memory' && journal.value !== 'off') {
    throw conflict(input, [journal], `"${journal.spelling}" on ${where}, whose journal can only be memory or off`, 'remove it, or write memory or off.');
  }
  // mode=ro with WAL is how a reader opens a file that is already in WAL mode: the drivers decide
  // at open from the file's header. immutable=1 cannot read a WAL file's recent commits at all.
  const immutable = get('immutable');
  if (immutable?.value === true && journal?.value === 'wal') {
    throw conflict(input, [immutable, journal], `"${journal.spelling}" keeps recent commits in the -wal file, but "${immutable.spelling}" reads the main file only and never looks for one`, 'drop immutable=1 and use mode=ro for a reader of a WAL file.');
  }
  const persistent = (['pragmas.application_id', 'pragmas.user_version', 'pragmas.encoding'] as const).map(get).find((c) => c !== undefined);
  const ro = mode === 'ro' ? (get('mode') ?? get('immutable')) : undefined;
  if (ro && persistent) {
    throw conflict(input, [ro, persistent], `"${persistent.spelling}" writes the file header, but "${ro.spelling}" opens it read-only`, 'set it once with a read-write connection (it is persistent), or drop it.');
  }
  const modeof = get('modeof');
  if (modeof && mode !== 'rwc') {
    const why = get('mode') ?? get('immutable')!;
    throw conflict(input, [why, modeof], `"${modeof.spelling}" sets the permissions of a file this connection creates, but "${why.spelling}" never creates one`, 'remove modeof, or use mode=rwc.');
  }
  const nolock = get('nolock');
  const vfs = get('vfs');
  if (nolock?.value === true && vfs && vfs.value !== 'unix' && vfs.value !== 'unix-none') {
    throw conflict(input, [nolock, vfs], `"${vfs.spelling}" chooses a locking protocol and "${nolock.spelling}" turns locking off`, 'keep one of them.');
  }
}

function conflict(input: string, choices: Choice[], problem: string, fix: string): Error {
  const first = choices[0]!;
  return dsnError(input, {
    code: 'DSN_CONFLICT',
    option: first.spelling.slice(0, first.spelling.indexOf('=')),
    show: choices.map((c) => c.index),
    problem: problem[0]!.toUpperCase() + problem.slice(1),
    fix,
  });
}

function describeLocation(location: DsnLocation): string {
  switch (location.kind) {
    case 'memory':
      return 'a private in-memory database';
    case 'shared-memory':
      return `the in-memory database "${location.name}"`;
    case 'temp':
      return 'a temporary database';
    case 'file':
      return `the file ${location.path}`;
  }
}

function build(location: DsnLocation, mode: AccessMode, chosen: Map<DsnOption, Choice>): DsnConfig {
  const top: Record<string, unknown> = { location: Object.freeze(location), mode };
  const pragmas: Record<string, unknown> = {};
  for (const option of DSN_OPTIONS) {
    if (option.target === undefined || option.target === 'mode') continue;
    const value = chosen.has(option) ? chosen.get(option)!.value : option.default;
    if (value === undefined) continue;
    if (option.target.startsWith('pragmas.')) pragmas[option.target.slice(8)] = value;
    else top[option.target] = value;
  }
  top.pragmas = Object.freeze(pragmas);
  return Object.freeze(top) as unknown as DsnConfig;
}
