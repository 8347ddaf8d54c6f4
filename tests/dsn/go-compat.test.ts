// Issue 16: DSN compatibility with mattn/go-sqlite3, modernc.org/sqlite and ncruces/go-sqlite3,
// checked against their source. One row per case of the issue: what this library makes of the
// DSN (the config fields that matter, or the error), and which Go-driver notes `inspect` prints
// for it. Open-time cases (mode=ro with WAL, pragmas read back) are in
// tests/drivers/go-compat.test.ts, on every driver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DSN_OPTIONS,
  DsnError,
  GO_DIFFERENCES,
  goNotes,
  lexDsn,
  parseDsn,
  renderDsnOptionTable,
  type DsnConfig,
} from '../../dsn/index.js';

const test = suite('dsn go-driver compatibility');
const cwd = '/srv/app';

type Expect =
  | { readonly config: (c: DsnConfig) => unknown; readonly equals: unknown }
  | { readonly code: string; readonly pattern: RegExp };

interface Row {
  readonly case: string;
  readonly dsn: string;
  readonly expect: Expect;
  /** `driver:difference-id` notes `inspect` must print for this DSN. */
  readonly notes?: readonly string[];
  /** Notes it must not print. */
  readonly notNotes?: readonly string[];
}

const value = (config: (c: DsnConfig) => unknown, equals: unknown): Expect => ({ config, equals });
const error = (code: string, pattern: RegExp): Expect => ({ code, pattern });

const rows: Row[] = [
  // ---- Refused before, although SQLite accepts them -------------------------------------------
  {
    case: 'read-only reader of a WAL file (ncruces WAL test): accepted, decided at open',
    dsn: 'file:x.db?_pragma=journal_mode(wal)&mode=ro',
    expect: value((c) => [c.mode, c.pragmas.journal_mode], ['ro', 'wal']),
  },
  { case: 'immutable cannot read a WAL file', dsn: 'x.db?immutable=1&_journal=wal', expect: error('DSN_CONFLICT', /reads the main file only/) },
  { case: 'quoted pragma value', dsn: "x.db?_pragma=journal_mode('wal')", expect: value((c) => c.pragmas.journal_mode, 'wal') },
  { case: 'double-quoted pragma value', dsn: 'x.db?_pragma=journal_mode("WAL")', expect: value((c) => c.pragmas.journal_mode, 'wal') },
  { case: 'name = value with blanks', dsn: 'x.db?_pragma=busy_timeout = 5000', expect: value((c) => c.busyTimeout, 5000) },
  { case: 'blanks inside the parentheses', dsn: 'x.db?_pragma=busy_timeout( 5000 )', expect: value((c) => c.busyTimeout, 5000) },
  { case: 'blanks %-encoded', dsn: 'file:x.db?_pragma=busy_timeout%20(%205000%20)', expect: value((c) => c.busyTimeout, 5000) },
  { case: 'quoted integer', dsn: "x.db?_pragma=cache_size('-2000')", expect: value((c) => c.pragmas.cache_size, -2000) },
  { case: 'sign and blank', dsn: 'x.db?_pragma=cache_size(- 2000)', expect: value((c) => c.pragmas.cache_size, -2000) },
  { case: 'injection after a quoted value', dsn: "x.db?_pragma=journal_mode('wal');drop table t", expect: error('DSN_INVALID_VALUE', /not of the form|not a name/) },
  { case: 'injection inside the quotes', dsn: "x.db?_pragma=journal_mode('wal'';drop table t')", expect: error('DSN_INVALID_VALUE', /not a name, a signed integer or a quoted word/) },
  { case: 'injection through %3B', dsn: 'x.db?_pragma=journal_mode(wal)%3Bdrop%20table%20t', expect: error('DSN_INVALID_VALUE', /not of the form/) },
  { case: 'schema prefix', dsn: 'x.db?_pragma=main.journal_mode(wal)', expect: error('DSN_INVALID_VALUE', /not of the form/) },
  { case: 'quoted value outside the registry', dsn: "x.db?_pragma=journal_mode('wal2')", expect: error('DSN_INVALID_VALUE', /"wal2"/) },
  { case: 'application_id', dsn: 'x.db?_pragma=application_id(1095979081)', expect: value((c) => c.pragmas.application_id, 1095979081) },
  { case: 'application_id is 32-bit', dsn: 'x.db?_pragma=application_id(4294967295)', expect: error('DSN_INVALID_VALUE', /signed 32-bit/) },
  { case: 'user_version', dsn: 'x.db?_pragma=user_version=-3', expect: value((c) => c.pragmas.user_version, -3) },
  { case: 'analysis_limit', dsn: 'x.db?_pragma=analysis_limit(400)', expect: value((c) => c.pragmas.analysis_limit, 400) },
  { case: 'analysis_limit is not negative', dsn: 'x.db?_pragma=analysis_limit(-1)', expect: error('DSN_INVALID_VALUE', />= 0/) },
  { case: 'encoding, SQLite spelling', dsn: "x.db?_pragma=encoding('UTF-16le')", expect: value((c) => c.pragmas.encoding, 'utf-16le') },
  { case: 'encoding without hyphen', dsn: 'x.db?_pragma=encoding=UTF8', expect: value((c) => c.pragmas.encoding, 'utf-8') },
  { case: 'encoding unknown', dsn: "x.db?_pragma=encoding('latin1')", expect: error('DSN_INVALID_VALUE', /utf-8, utf-16/) },
  { case: 'persistent pragmas need a writable connection', dsn: 'x.db?mode=ro&_pragma=user_version(3)', expect: error('DSN_CONFLICT', /writes the file header, but "mode=ro"/) },
  { case: 'encoding with immutable', dsn: 'x.db?immutable=1&_pragma=encoding(utf8)', expect: error('DSN_CONFLICT', /writes the file header/) },
  {
    case: 'negative busy timeout: the message says what SQLite would do',
    dsn: 'x.db?_busy_timeout=-1',
    expect: error('DSN_INVALID_VALUE', /SQLite treats a negative busy timeout as 0.*SQLITE_BUSY.*Fix: write _busy_timeout=0/),
  },
  { case: 'negative busy timeout through _pragma', dsn: 'x.db?_pragma=busy_timeout(-5)', expect: error('DSN_INVALID_VALUE', /negative busy timeout as 0/) },
  // ---- Accepted, but the Go driver whose spelling it is means something else ------------------
  {
    case: 'plain path with a query: every option applies here; ncruces opens a literal file name',
    dsn: 'demo.db?_txlock=immediate',
    expect: value((c) => [c.location, c.txlock], [{ kind: 'file', path: '/srv/app/demo.db' }, 'immediate']),
    notes: ['ncruces:plain-path-query', 'mattn:plain-path-query', 'modernc:plain-path-query'],
  },
  {
    case: 'plain path with SQLite URI keys: applied here, dropped by mattn',
    dsn: 'demo.db?mode=ro&_fk=0',
    expect: value((c) => [c.mode, c.pragmas.foreign_keys], ['ro', false]),
    notes: ['mattn:plain-path-query'],
    notNotes: ['modernc:plain-path-query', 'ncruces:plain-path-query'], // _fk is mattn's spelling only
  },
  {
    case: 'a file: URI applies the query in every driver',
    dsn: 'file:demo.db?_txlock=immediate',
    expect: value((c) => c.txlock, 'immediate'),
    notNotes: ['mattn:plain-path-query', 'modernc:plain-path-query', 'ncruces:plain-path-query'],
  },
  {
    case: 'empty path: a temporary database here, a file named "?..." there',
    dsn: '?_txlock=immediate',
    expect: value((c) => c.location, { kind: 'temp' }),
    notes: ['mattn:empty-path-query', 'modernc:empty-path-query', 'ncruces:empty-path-query'],
  },
  { case: 'empty path, memory', dsn: '?mode=memory', expect: value((c) => c.location, { kind: 'memory' }), notes: ['mattn:empty-path-query'] },
  {
    case: "mattn's _journal=WAL also means synchronous=NORMAL; here full stays",
    dsn: 'app.db?_journal=WAL',
    expect: value((c) => c.pragmas.synchronous, 'full'),
    notes: ['mattn:synchronous-default', 'mattn:txlock-default', 'mattn:foreign-keys-default', 'mattn:stmt-cache-default'],
    notNotes: ['modernc:synchronous-default', 'ncruces:synchronous-default'], // _journal is mattn's spelling
  },
  { case: 'synchronous set explicitly: no note', dsn: 'app.db?_journal=WAL&_sync=normal', expect: value((c) => c.pragmas.synchronous, 'normal'), notNotes: ['mattn:synchronous-default'] },
  {
    case: 'busy timeout defaults: modernc 0, ncruces 60 s without _pragma, 0 with one',
    dsn: 'file:app.db?_pragma=journal_mode(wal)',
    expect: value((c) => c.busyTimeout, 5000),
    notes: ['modernc:busy-timeout-default', 'ncruces:busy-timeout-default', 'ncruces:txlock-default'],
    notNotes: ['mattn:busy-timeout-default'], // _pragma is not mattn's spelling
  },
  {
    case: '"+" is a plus here (a sign); Go decodes it as a space and mattn refuses " 5000"',
    dsn: 'app.db?_busy_timeout=+5000',
    expect: value((c) => c.busyTimeout, 5000),
    notes: ['mattn:plus-in-value'],
  },
  { case: '"+" in a modeof path stays a plus', dsn: 'app.db?modeof=/a+b.db', expect: value((c) => c.modeof, '/a+b.db') },
  { case: '"+" is never a space inside _pragma', dsn: 'app.db?_pragma=busy_timeout+=+5000', expect: error('DSN_INVALID_VALUE', /"\+" is not a space here.*%20/) },
  {
    case: 'upper-case _txlock: accepted here, refused by ncruces',
    dsn: 'file:app.db?_txlock=IMMEDIATE',
    expect: value((c) => c.txlock, 'immediate'),
    notes: ['ncruces:txlock-case'],
    notNotes: ['mattn:txlock-case', 'modernc:txlock-case'],
  },
  // ---- Refused with the real reason ------------------------------------------------------------
  { case: '_txlock=concurrent', dsn: 'file:app.db?_txlock=concurrent', expect: error('DSN_UNSUPPORTED', /BEGIN CONCURRENT.*begin-concurrent branch.*Fix: write _txlock=immediate/) },
  { case: 'ncruces adiantum/xts key', dsn: 'file:app.db?key=s3cr3tkey&vfs=adiantum', expect: error('DSN_UNSUPPORTED', /"key" is not supported: .*encrypting VFS of ncruces.*only in Go/) },
  { case: 'hexkey', dsn: 'file:app.db?hexkey=00ff', expect: error('DSN_UNSUPPORTED', /encrypting VFS/) },
  { case: 'textkey', dsn: 'file:app.db?textkey=s3cr3tkey', expect: error('DSN_UNSUPPORTED', /encrypting VFS/) },
  { case: '_pragma=key', dsn: "file:app.db?_pragma=key('s3cr3tkey')", expect: error('DSN_UNSUPPORTED', /PRAGMA key is not supported: it sets an encryption key/) },
  { case: '_pragma=hexkey', dsn: 'file:app.db?_pragma=hexkey(00ff)', expect: error('DSN_UNSUPPORTED', /encryption exists in neither SQLite build/) },
  { case: '_pragma=textkey', dsn: 'file:app.db?_pragma=textkey=s3cr3tkey', expect: error('DSN_UNSUPPORTED', /encryption/) },
];

for (const row of rows) {
  test(`${row.case}: ${JSON.stringify(row.dsn)}`, () => {
    let config: DsnConfig | undefined;
    let failure: unknown;
    try {
      config = parseDsn(row.dsn, { cwd });
    } catch (e) {
      failure = e;
    }
    if ('code' in row.expect) {
      assert.instance(failure, DsnError, `expected ${row.expect.code}, got ${config ? 'a config' : String(failure)}`);
      const e = failure as DsnError;
      assert.is(e.code, row.expect.code, e.message);
      assert.match(e.message, row.expect.pattern);
      assert.not.match(e.message, /s3cr3tkey/); // secrets are never quoted
      return;
    }
    assert.ok(config, `rejected: ${String(failure)}`);
    assert.equal(row.expect.config(config!), row.expect.equals);
    const notes = new Set(goNotes(lexDsn(row.dsn), config!).map((n) => `${n.driver}:${n.id}`));
    for (const n of row.notes ?? []) assert.ok(notes.has(n), `missing note ${n}; got ${[...notes].join(', ')}`);
    for (const n of row.notNotes ?? []) assert.not.ok(notes.has(n), `unexpected note ${n}`);
  });
}

test('every difference of the table is exercised by a row', () => {
  const seen = new Set<string>();
  for (const row of rows) for (const n of row.notes ?? []) seen.add(n.split(':')[1]!);
  for (const d of GO_DIFFERENCES) assert.ok(seen.has(d.id), `no row shows ${d.id}`);
});

test('docs corrections: mattn has _stmt_cache_size, ncruces has no unix-* VFS names', () => {
  const option = (key: string) => DSN_OPTIONS.find((o) => o.key === key)!;
  assert.match(option('_stmt_cache_size').equivalents.mattn, /^_stmt_cache_size — default 0 \(off\)$/);
  assert.match(option('vfs').equivalents.ncruces, /no unix-\* names.*sqlite3_dotlk build tag/);
  const table = renderDsnOptionTable();
  assert.match(table, /\| `_stmt_cache_size` \| `_stmt_cache_size` \(default 0 \(off\)\) \|/);
  assert.match(table, /### Where the Go drivers read a DSN differently/);
  assert.match(table, /mattn\/go-sqlite3 \| modernc\.org\/sqlite \| ncruces\/go-sqlite3 \|/);
});

test.run();
