// Property tests of the DSN layer with fast-check, over at least 10,000 generated DSNs in all:
//  - a random intent (location + settings) written in random equivalent spellings (aliases,
//    `_pragma` vs key, `file:` vs plain path, relative vs absolute, `file:///` vs
//    `file://localhost/`, value case and synonyms, %-encoding, order, harmless repeats) parses to
//    the config an independent model of the intent predicts, and all spellings normalize equal;
//  - two intents normalize equal exactly when their predicted configs are equal;
//  - `normalizeDsn` is idempotent and `parseDsn(formatDsn(c))` deep-equals `c`;
//  - ANY string either parses or throws DsnError, never another exception;
//  - a rejected DSN's message never quotes a secret carried by a query value that is not the
//    offending one (nor one whose key is the problem).
// The model below is written from issue 2, not from dsn/registry.ts, so it is an oracle.
// FC_SEED=<n> replays a failure; FC_RUNS_SCALE=<x> runs x times more cases.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DSN_OPTIONS, DsnError, formatDsn, normalizeDsn, parseDsn, type DsnConfig } from '../../dsn/index.js';
import { classifyDsn } from '../../dsn/scheme.js';

const test = suite('dsn properties');
const scale = Number(process.env.FC_RUNS_SCALE ?? 1);
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns: number): fc.Parameters<unknown> =>
  seed === undefined
    ? { numRuns: Math.round(numRuns * scale), includeErrorInReport: true }
    : { numRuns: Math.round(numRuns * scale), seed, includeErrorInReport: true };
let generated = 0; // DSN strings handed to parseDsn/normalizeDsn by the properties
let pairsEqual = 0; // intent pairs of the distinctness property that meant the same config
let parsedAny = 0; // arbitrary strings that parsed (the rest threw DsnError)

/**
 * Random choices from a seeded PRNG (mulberry32). fast-check draws the seed, so a failure
 * reports a seed that replays it; the assertion messages print the generated DSNs themselves
 * (shrinking a seed is meaningless, hence `fc.noShrink`).
 */
class Pick {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  #next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  of<T>(list: readonly T[]): T {
    return list[this.int(0, list.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
const seeds = fc.noShrink(fc.integer());

// ---- The model: settings, their spellings, and the config they must produce. ----------------

type Value = string | number | boolean;
interface Setting {
  /** Field in DsnConfig: top-level name or `pragmas.x`. */
  readonly field: string;
  readonly keys: readonly string[];
  readonly pragma?: string;
  /** A random valid value (in memory databases, `memoryValue` restricts it). */
  value(p: Pick): Value;
  /** A random spelling of `v`. */
  spell(p: Pick, v: Value): string;
}

const randomCase = (p: Pick, s: string): string =>
  p.chance(0.5) ? s : [...s].map((c) => (p.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
const TRUE = ['1', 'yes', 'true', 'on'];
const FALSE = ['0', 'no', 'false', 'off'];
const spellBool = (p: Pick, v: Value): string => randomCase(p, p.of(v === true ? TRUE : FALSE));
const spellInt = (p: Pick, v: Value): string => {
  const n = v as number;
  const zeros = p.chance(0.2) ? '0'.repeat(p.int(1, 3)) : '';
  if (n < 0) return `-${zeros}${-n}`;
  return `${p.chance(0.1) ? '+' : ''}${zeros}${n}`;
};
const enumSetting = (field: string, keys: string[], names: string[], o: { pragma?: string; numbered?: boolean } = {}): Setting => ({
  field,
  keys,
  ...(o.pragma ? { pragma: o.pragma } : {}),
  value: (p) => p.of(names),
  spell: (p, v) => (o.numbered && p.chance(0.4) ? String(names.indexOf(v as string)) : randomCase(p, v as string)),
});
const boolSetting = (field: string, keys: string[], pragma?: string): Setting => ({
  field,
  keys,
  ...(pragma ? { pragma } : {}),
  value: (p) => p.chance(0.5),
  spell: spellBool,
});
const intSetting = (field: string, keys: string[], min: number, max: number, pragma?: string): Setting => ({
  field,
  keys,
  ...(pragma ? { pragma } : {}),
  value: (p) => (p.chance(0.3) ? p.of([min, max, 0].filter((x) => x >= min && x <= max)) : p.int(min, Math.min(max, 2 ** 31 - 1))),
  spell: spellInt,
});

const SETTINGS: readonly Setting[] = [
  enumSetting('mode', ['mode'], ['ro', 'rw', 'rwc']),
  enumSetting('vfs', ['vfs'], ['unix', 'unix-dotfile', 'unix-excl', 'unix-none']),
  boolSetting('immutable', ['immutable']),
  boolSetting('nolock', ['nolock']),
  boolSetting('psow', ['psow']),
  { field: 'modeof', keys: ['modeof'], value: (p) => path.resolve('/srv', relativePath(p)), spell: (_p, v) => v as string },
  enumSetting('driver', ['_driver'], ['native', 'node', 'wasm', 'auto']),
  enumSetting('txlock', ['_txlock'], ['deferred', 'immediate', 'exclusive']),
  intSetting('busyTimeout', ['_busy_timeout', '_timeout'], 0, 2_147_483_647, 'busy_timeout'),
  intSetting('stmtCacheSize', ['_stmt_cache_size'], 0, 1_000_000),
  boolSetting('readSpans', ['_read_spans']),
  enumSetting('pragmas.journal_mode', ['_journal_mode', '_journal'], ['delete', 'truncate', 'persist', 'memory', 'wal', 'off'], { pragma: 'journal_mode' }),
  enumSetting('pragmas.synchronous', ['_synchronous', '_sync'], ['off', 'normal', 'full', 'extra'], { pragma: 'synchronous', numbered: true }),
  boolSetting('pragmas.foreign_keys', ['_foreign_keys', '_fk'], 'foreign_keys'),
  enumSetting('pragmas.locking_mode', ['_locking_mode', '_locking'], ['normal', 'exclusive'], { pragma: 'locking_mode' }),
  enumSetting('pragmas.auto_vacuum', ['_auto_vacuum', '_vacuum'], ['none', 'full', 'incremental'], { pragma: 'auto_vacuum', numbered: true }),
  intSetting('pragmas.cache_size', ['_cache_size'], -2_147_483_648, 2_147_483_647, 'cache_size'),
  boolSetting('pragmas.query_only', ['_query_only'], 'query_only'),
  boolSetting('pragmas.recursive_triggers', ['_recursive_triggers', '_rt'], 'recursive_triggers'),
  boolSetting('pragmas.defer_foreign_keys', ['_defer_foreign_keys', '_defer_fk'], 'defer_foreign_keys'),
  boolSetting('pragmas.ignore_check_constraints', ['_ignore_check_constraints'], 'ignore_check_constraints'),
  boolSetting('pragmas.case_sensitive_like', ['_case_sensitive_like', '_cslike'], 'case_sensitive_like'),
  {
    field: 'pragmas.secure_delete',
    keys: ['_secure_delete'],
    pragma: 'secure_delete',
    value: (p) => p.of([true, false, 'fast']),
    spell: (p, v) => (v === 'fast' ? randomCase(p, 'fast') : spellBool(p, v)),
  },
  enumSetting('pragmas.temp_store', [], ['default', 'file', 'memory'], { pragma: 'temp_store', numbered: true }),
  intSetting('pragmas.mmap_size', [], 0, Number.MAX_SAFE_INTEGER, 'mmap_size'),
  intSetting('pragmas.journal_size_limit', [], -1, Number.MAX_SAFE_INTEGER, 'journal_size_limit'),
  intSetting('pragmas.wal_autocheckpoint', [], 0, 2_147_483_647, 'wal_autocheckpoint'),
  { field: 'pragmas.page_size', keys: [], pragma: 'page_size', value: (p) => 2 ** p.int(9, 16), spell: spellInt },
  boolSetting('pragmas.automatic_index', [], 'automatic_index'),
  boolSetting('pragmas.cell_size_check', [], 'cell_size_check'),
  boolSetting('pragmas.trusted_schema', [], 'trusted_schema'),
  intSetting('pragmas.application_id', [], -2_147_483_648, 2_147_483_647, 'application_id'),
  intSetting('pragmas.user_version', [], -2_147_483_648, 2_147_483_647, 'user_version'),
  intSetting('pragmas.analysis_limit', [], 0, 2_147_483_647, 'analysis_limit'),
  {
    field: 'pragmas.encoding',
    keys: [],
    pragma: 'encoding',
    value: (p) => p.of(['utf-8', 'utf-16', 'utf-16le', 'utf-16be']),
    // Unquoted, SQLite's grammar has no "-": quote it or drop the hyphen.
    spell: (p, v) => {
      const text = randomCase(p, v as string);
      return p.of([`'${text}'`, `"${text}"`, text.replace('-', '')]);
    },
  },
];
const byField = new Map(SETTINGS.map((s) => [s.field, s]));

type Location =
  | { kind: 'file'; rel: string; abs: string }
  | { kind: 'memory' }
  | { kind: 'shared-memory'; name: string }
  | { kind: 'temp' };
interface Intent {
  readonly cwd: string;
  readonly location: Location;
  readonly settings: Map<string, Value>;
}

// Characters SQLite or URI parsing could trip on, mixed with ordinary ones.
const PATH_CHARS = ['a', 'b', 'Z', '0', '9', '.', '-', '_', ' ', '%', '?', '#', '&', '=', '+', ';', ':', '@', '(', "'", '~', 'é', '日', '😀', '\\', '"', '!'];

function segment(p: Pick): string {
  const len = p.int(1, 6);
  let s = '';
  for (let i = 0; i < len; i++) s += p.of(PATH_CHARS);
  return p.chance(0.05) ? p.of(['.', '..']) : s;
}

function relativePath(p: Pick): string {
  const parts = Array.from({ length: p.int(1, 3) }, () => segment(p));
  // A leading "~" is refused on purpose (not expanded); the model writes such names as "./~x".
  if (parts[0]!.startsWith('~')) parts.unshift('.');
  // A name that reads as another database's connection string (`a:b@a.b/x`) is refused on
  // purpose (schemes.test.ts); the model writes it as "./a:b@a.b/x".
  if (classifyDsn(parts.join('/')).kind === 'connection-string') parts.unshift('.');
  // A path ending in "." or ".." names a directory, which is refused too.
  if (['.', '..'].includes(parts[parts.length - 1]!)) parts.push('db');
  return parts.join('/');
}

function randomIntent(p: Pick): Intent {
  const cwd = p.of(['/srv/app', '/', '/home/u s/é', '/a%b/c?d']);
  let location: Location;
  switch (p.of(['file', 'file', 'file', 'memory', 'shared-memory', 'temp'] as const)) {
    case 'file': {
      const rel = relativePath(p);
      location = { kind: 'file', rel, abs: path.resolve(cwd, rel) };
      break;
    }
    case 'memory':
      location = { kind: 'memory' };
      break;
    case 'shared-memory': {
      let name = relativePath(p);
      if (name === ':memory:') name = 'x';
      location = { kind: 'shared-memory', name: p.chance(0.2) ? `/${name}` : name };
      break;
    }
    default:
      location = { kind: 'temp' };
  }
  const settings = new Map<string, Value>();
  for (const s of SETTINGS) if (p.chance(0.25)) settings.set(s.field, s.value(p));
  return repair({ cwd, location, settings });
}

/** Drops the combinations the issue says are conflicts, so the intent is satisfiable. */
function repair(intent: Intent): Intent {
  const s = new Map(intent.settings);
  const kind = intent.location.kind;
  const memory = kind === 'memory' || kind === 'shared-memory';
  if (kind !== 'file') s.delete('mode');
  const fileOnly = memory ? ['immutable', 'nolock', 'vfs', 'modeof', 'psow'] : kind === 'temp' ? ['immutable', 'modeof'] : [];
  for (const f of fileOnly) if (s.has(f) && s.get(f) !== false) s.delete(f);
  if (memory && s.has('pragmas.journal_mode') && !['memory', 'off'].includes(s.get('pragmas.journal_mode') as string)) s.delete('pragmas.journal_mode');
  if (s.get('immutable') === true && s.has('mode') && s.get('mode') !== 'ro') s.delete('mode');
  const readOnly = s.get('mode') === 'ro' || (kind === 'file' && s.get('immutable') === true);
  // mode=ro with WAL is decided at open (issue 16); immutable never reads a -wal file.
  if (kind === 'file' && s.get('immutable') === true && s.get('pragmas.journal_mode') === 'wal') s.delete('pragmas.journal_mode');
  if (readOnly) for (const f of ['pragmas.application_id', 'pragmas.user_version', 'pragmas.encoding']) s.delete(f);
  if (s.get('nolock') === true && ['unix-dotfile', 'unix-excl'].includes(s.get('vfs') as string)) s.delete('vfs');
  const creates = kind === 'file' && (s.get('mode') ?? (s.get('immutable') === true ? 'ro' : 'rwc')) === 'rwc';
  if (!creates) s.delete('modeof');
  return { ...intent, settings: s };
}

/** The config issue 2 says `intent` means, computed without the library. */
function expectedConfig(intent: Intent): DsnConfig {
  const s = intent.settings;
  const loc = intent.location;
  const location =
    loc.kind === 'file' ? { kind: 'file', path: loc.abs } : loc.kind === 'shared-memory' ? { kind: 'shared-memory', name: loc.name } : { kind: loc.kind };
  const top: Record<string, unknown> = {
    location,
    mode: loc.kind !== 'file' ? 'rwc' : (s.get('mode') ?? (s.get('immutable') === true ? 'ro' : 'rwc')),
    txlock: 'immediate',
    busyTimeout: 5000,
    stmtCacheSize: 128,
    immutable: false,
    nolock: false,
  };
  const pragmas: Record<string, unknown> = { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 };
  for (const [field, value] of s) {
    if (field === 'mode') continue;
    if (field.startsWith('pragmas.')) pragmas[field.slice(8)] = value;
    else top[field] = value;
  }
  return { ...top, pragmas } as unknown as DsnConfig;
}

// ---- Spelling an intent as a DSN string. ----------------------------------------------------

/** %-encodes what a URI reader must not see raw, and randomly some other characters too. */
function uriEncode(p: Pick, text: string, mustEncode: string): string {
  let out = '';
  for (const ch of text) {
    if (mustEncode.includes(ch) || (ch !== '/' && p.chance(0.1))) out += [...new TextEncoder().encode(ch)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
    else out += ch;
  }
  return out;
}

function spellLocation(p: Pick, loc: Location, cwd: string): { head: string; uri: boolean; params: string[] } {
  switch (loc.kind) {
    case 'file': {
      const forms: Array<() => string> = [
        () => `file:${uriEncode(p, loc.rel, '%?#')}`,
        () => `file:${uriEncode(p, loc.abs, '%?#')}`,
        () => `file://${uriEncode(p, loc.abs, '%?#')}`,
        () => `file://${p.of(['localhost', 'LocalHost'])}${uriEncode(p, loc.abs, '%?#')}`,
      ];
      const plainOk = (s: string): boolean => !s.includes('?') && !s.startsWith('file:') && !s.startsWith('~') && s !== ':memory:' && s !== '';
      if (plainOk(loc.rel)) forms.push(() => loc.rel);
      if (plainOk(loc.abs)) forms.push(() => loc.abs);
      const shortest = path.relative(cwd, loc.abs);
      if (plainOk(shortest) && shortest !== loc.rel) forms.push(() => shortest);
      const head = p.of(forms)();
      return { head, uri: head.startsWith('file:'), params: [] };
    }
    case 'memory': {
      const head = p.of([':memory:', 'file::memory:', 'file:%3Amemory%3A', 'file:', '']);
      const needsMode = head === 'file:' || head === '';
      return { head, uri: head.startsWith('file:'), params: needsMode || p.chance(0.3) ? [`mode=${randomCase(p, p.of(needsMode ? ['memory'] : ['memory', 'rwc']))}`] : [] };
    }
    case 'shared-memory': {
      const plainOk = !loc.name.includes('?') && !loc.name.startsWith('file:');
      let head: string;
      if (plainOk && p.chance(0.3)) head = loc.name;
      else {
        const encoded = uriEncode(p, loc.name, '%?#');
        head = `file:${encoded.startsWith('//') ? `%2F${encoded.slice(1)}` : encoded}`;
      }
      return { head, uri: head.startsWith('file:'), params: [`mode=${randomCase(p, 'memory')}`] };
    }
    case 'temp':
      return { head: p.of(['', 'file:', 'file://']), uri: false, params: p.chance(0.2) ? ['mode=rwc'] : [] };
  }
}

function spellSetting(p: Pick, field: string, value: Value): string {
  const s = byField.get(field)!;
  let text = s.spell(p, value);
  if (field === 'modeof') {
    // modeof is a path: relative to cwd or absolute, %-encoded where the query needs it.
    text = uriEncode(p, value as string, '%&=#?+');
  }
  const forms: Array<() => string> = s.keys.map((k) => () => `${k}=${text}`);
  if (s.pragma) {
    const name = randomCase(p, s.pragma);
    forms.push(() => `_pragma=${name}(${text})`, () => `_pragma=${name}=${text}`);
  }
  return p.of(forms)();
}

function spell(p: Pick, intent: Intent): string {
  const { head, params } = spellLocation(p, intent.location, intent.cwd);
  const parts = [...params];
  for (const [field, value] of intent.settings) {
    parts.push(spellSetting(p, field, value));
    if (p.chance(0.1)) parts.push(spellSetting(p, field, value)); // same value again: fine
  }
  if (p.chance(0.05)) parts.push('cache=private');
  const shuffled = p.shuffle(parts).map((part) => (p.chance(0.05) ? `${part}&` : part));
  if (shuffled.length === 0) return p.chance(0.2) && head !== '' ? `${head}?` : head;
  return `${head}?${shuffled.join('&')}`;
}

// ---- Properties. ------------------------------------------------------------------------------

const stripped = (c: unknown): unknown => JSON.parse(JSON.stringify(c));

test('the model covers every registry setting', () => {
  for (const o of DSN_OPTIONS) if (o.target !== undefined) assert.ok(byField.has(o.target), o.target);
});

test('spellings of one intent parse to the predicted config and normalize equal', () => {
  fc.assert(
    fc.property(seeds, (n) => {
      const p = new Pick(n);
      const intent = randomIntent(p);
      const expected = expectedConfig(intent);
      const spellings = [spell(p, intent), spell(p, intent), spell(p, intent)];
      generated += spellings.length;
      const normals = spellings.map((dsn) => {
        let config: DsnConfig;
        try {
          config = parseDsn(dsn, { cwd: intent.cwd });
        } catch (e) {
          throw new Error(`${JSON.stringify(dsn)} (cwd ${intent.cwd}) was rejected: ${(e as Error).message}`);
        }
        assert.equal(stripped(config), stripped(expected), `${JSON.stringify(dsn)} (cwd ${intent.cwd})`);
        return normalizeDsn(dsn, { cwd: intent.cwd });
      });
      assert.ok(normals.every((n) => n === normals[0]), `${spellings.join('  |  ')}\n${normals.join('\n')}`);
      // Idempotent, independent of cwd, and a faithful round trip.
      const canonical = normals[0]!;
      generated += 2;
      assert.is(normalizeDsn(canonical, { cwd: '/elsewhere' }), canonical);
      const config = parseDsn(spellings[0]!, { cwd: intent.cwd });
      assert.equal(parseDsn(formatDsn(config), { cwd: '/elsewhere' }), config);
    }),
    params(1500),
  );
});

test('two intents normalize equal exactly when their configs are equal', () => {
  fc.assert(
    fc.property(seeds, (n) => {
      const p = new Pick(n);
      const a = randomIntent(p);
      const b = mutate(p, a);
      generated += 2;
      const sa = spell(p, a);
      const sb = spell(p, b);
      const na = normalizeDsn(sa, { cwd: a.cwd });
      const nb = normalizeDsn(sb, { cwd: b.cwd });
      const same = isDeepStrictEqual(stripped(expectedConfig(a)), stripped(expectedConfig(b)));
      if (same) pairsEqual++;
      assert.is(na === nb, same, `${JSON.stringify(sa)} (cwd ${a.cwd})\n${JSON.stringify(sb)} (cwd ${b.cwd})\n${na}\n${nb}`);
    }),
    params(2500),
  );
});

/** `intent` with one thing changed: usually a different config, sometimes the same one. */
function mutate(p: Pick, intent: Intent): Intent {
  const settings = new Map(intent.settings);
  const roll = p.int(0, 9);
  if (roll < 2) return randomIntent(p);
  if (roll < 4 && intent.location.kind === 'file') {
    const rel = p.chance(0.5) ? `${intent.location.rel}x` : intent.location.rel;
    const cwd = p.chance(0.5) ? intent.cwd : p.of(['/srv/app', '/']);
    return repair({ cwd, location: { kind: 'file', rel, abs: path.resolve(cwd, rel) }, settings });
  }
  const s = p.of(SETTINGS);
  if (settings.has(s.field) && p.chance(0.3)) settings.delete(s.field);
  else settings.set(s.field, s.value(p));
  return repair({ ...intent, settings });
}

test('no error message quotes a secret carried by another query value', () => {
  fc.assert(
    fc.property(seeds, (n) => {
      const p = new Pick(n);
      const intent = randomIntent(p);
      const dsn = spell(p, intent);
      const secret = `S3cr3t${p.int(0, 1e6)}`;
      const carrier = p.of([`password=${secret}`, `_auth_pass=${secret}`, `_pragma=key(${secret})`, `_loc=${secret}`, `token=${secret}`]);
      const mistakes = ['', '', '_txlock=sometimes', '_fk=2', '_txlok=1', 'cache=shared', '_pragma=journal_mode(wal;x)', 'mode=nope', '%zz=1'];
      const head = dsn.includes('?') ? dsn.slice(0, dsn.indexOf('?')) : dsn;
      const rest = dsn.includes('?') ? dsn.slice(dsn.indexOf('?') + 1).split('&') : [];
      const parts = p.shuffle([...rest, carrier, p.of(mistakes)].filter(Boolean));
      const input = `${head}?${parts.join('&')}`;
      generated += 1;
      try {
        parseDsn(input, { cwd: intent.cwd });
        assert.unreachable(`${input} should be rejected (it carries ${carrier})`);
      } catch (e) {
        assert.instance(e, DsnError, String(e));
        assert.not.ok((e as DsnError).message.includes(secret), `${input}\n${(e as DsnError).message}`);
      }
    }),
    params(1000),
  );
});

// Fragments that steer random strings into every branch of the lexer and resolver.
const TOKENS = [
  'file:', '//', '/', 'localhost', '?', '&', '=', '%', '%2', '%25', '%C3', '%C3%A9', '%00', '%7E', '#', ':memory:',
  'mode', 'memory', 'ro', '_pragma', '(', ')', 'journal_mode', 'wal', '_txlock', 'immediate', '_fk', '1', '-', '~',
  'vfs', 'unix', 'modeof', 'cache', 'shared', '_auth', 'immutable', 'a', '.', ' ', '\n', '\u0000', '\ud800', '😀', 'é',
];

test('any string parses or throws DsnError, and what parses round-trips', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...TOKENS), maxLength: 14 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  );
  fc.assert(
    fc.property(anyString, (dsn) => {
      generated += 1;
      let config: DsnConfig;
      try {
        config = parseDsn(dsn, { cwd: '/srv/app' });
      } catch (e) {
        if (!(e instanceof DsnError)) throw new Error(`${JSON.stringify(dsn)} threw a non-DsnError: ${String(e)}`);
        assert.match(e.message, /Fix: /);
        return;
      }
      parsedAny++;
      const canonical = formatDsn(config);
      assert.equal(parseDsn(canonical), config);
      assert.is(normalizeDsn(canonical), canonical);
    }),
    params(6000),
  );
});

test('at least 10,000 generated DSNs went through the properties', () => {
  assert.ok(generated >= 10_000 * Math.min(1, scale), `only ${generated}`);
  // Both branches of each property must really be exercised, or the property proves little.
  assert.ok(pairsEqual > 0, 'no pair of intents meant the same config');
  assert.ok(parsedAny > 0, 'no arbitrary string parsed');
  console.log(`  ${generated} generated DSNs; ${pairsEqual} equal-config pairs; ${parsedAny} arbitrary strings parsed`);
});

test.run();
