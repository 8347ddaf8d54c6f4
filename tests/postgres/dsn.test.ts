// Issue 18: PostgreSQL DSNs are validated as strictly as SQLite ones, without a server: every
// query key against the allow-list (postgres-registry.ts), SQLite keys refused with why, unknown
// keys with a suggestion, and no message, rendering or canonical form carrying the password or the
// user information. Table-driven: [DSN, expected config] and [DSN, code, pattern].
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { sqliteErrorKind } from '../../drivers/error-codes.js';
import { POSTGRES_DOCS, postgresGeneratedBlock } from './update-docs.js';
import {
  DsnError,
  DSN_OPTIONS,
  ERROR_KINDS,
  postgresErrorKind,
  renderPostgresOptionTable,
  formatPostgresDsn,
  parsePostgresDsn,
  POSTGRES_ACCEPTED_KEYS,
  POSTGRES_DSN_OPTIONS,
  type DsnErrorCode,
} from '../../index.js';

const test = suite('postgres dsn');

type Expect = { host: string; port: number; database?: string; user?: string; password?: string; settings?: Record<string, string | number> };

const accepted: Array<[string, Expect]> = [
  ['postgres://app:pw@db.example.com:6543/shop', { host: 'db.example.com', port: 6543, database: 'shop', user: 'app', password: 'pw' }],
  ['postgresql://app@localhost/shop', { host: 'localhost', port: 5432, database: 'shop', user: 'app' }],
  ['POSTGRES://localhost', { host: 'localhost', port: 5432 }],
  ['  postgres://u@h/db', { host: 'h', port: 5432, database: 'db', user: 'u' }],
  // Percent-encoded user information and database, as pg reads them.
  ['postgres://us%40er:p%3Aw%2Fd%23@h/my%20db', { host: 'h', port: 5432, database: 'my db', user: 'us@er', password: 'p:w/d#' }],
  ['postgres://u@[::1]:5433/db', { host: '::1', port: 5433, database: 'db', user: 'u' }],
  ['postgres://u@%2Fvar%2Frun%2Fpostgresql/db', { host: '/var/run/postgresql', port: 5432, database: 'db', user: 'u' }],
  // Every accepted key, in its canonical and alias spellings.
  ['postgres://h/db?sslmode=verify-full&application_name=my%20app&connect_timeout=5', { host: 'h', port: 5432, database: 'db', settings: { sslmode: 'verify-full', application_name: 'my app', connect_timeout: 5 } }],
  ['postgres://h/db?statement_timeout=1500&lock_timeout=250&idle_in_transaction_session_timeout=0', { host: 'h', port: 5432, database: 'db', settings: { statement_timeout: 1500, lock_timeout: 250, idle_in_transaction_session_timeout: 0 } }],
  ['postgres://h/db?default_transaction_isolation=serializable', { host: 'h', port: 5432, database: 'db', settings: { default_transaction_isolation: 'serializable' } }],
  ['postgres://h/db?isolation=Repeatable_Read', { host: 'h', port: 5432, database: 'db', settings: { default_transaction_isolation: 'repeatable read' } }],
  ['postgres://h/db?isolation=read+committed', { host: 'h', port: 5432, database: 'db', settings: { default_transaction_isolation: 'read committed' } }],
  ['postgres://h/db?pool_max=4&pool_idle_timeout=1000', { host: 'h', port: 5432, database: 'db', settings: { pool_max: 4, pool_idle_timeout: 1000 } }],
  ['postgres://h/db?max=4&pool_max=4', { host: 'h', port: 5432, database: 'db', settings: { pool_max: 4 } }],
  ['postgres://h/db?options=-c%20search_path%3Dapp', { host: 'h', port: 5432, database: 'db', settings: { options: '-c search_path=app' } }],
  ['postgres://h/db?sslmode=verify-ca&sslrootcert=/etc/ca.pem', { host: 'h', port: 5432, database: 'db', settings: { sslmode: 'verify-ca', sslrootcert: '/etc/ca.pem' } }],
];

for (const [dsn, want] of accepted) {
  test(`accepts ${JSON.stringify(dsn)}`, () => {
    const c = parsePostgresDsn(dsn);
    assert.is(c.engine, 'postgres');
    assert.is(c.host, want.host);
    assert.is(c.port, want.port);
    assert.is(c.database, want.database);
    assert.is(c.user, want.user);
    assert.is(c.password?.reveal(), want.password);
    assert.equal({ ...c.settings }, want.settings ?? {});
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.settings));
    // The canonical form parses back to the same settings (the password is shown as ***).
    const canonical = formatPostgresDsn(c);
    const back = parsePostgresDsn(canonical.replace('***@', ''));
    assert.equal({ ...back.settings }, { ...c.settings });
    assert.is(back.host, c.host);
    assert.ok(c.user === undefined || !canonical.includes(`//${encodeURIComponent(c.user)}`), canonical);
    assert.is(back.database, c.database);
  });
}

const refused: Array<[string, DsnErrorCode, RegExp]> = [
  // Unknown keys, with the closest accepted key.
  ['postgres://u:hunter2@h/db?sslmod=require', 'DSN_UNKNOWN_OPTION', /Unknown PostgreSQL DSN key "sslmod"; did you mean "sslmode"\?/],
  ['postgres://u:hunter2@h/db?aplication_name=x', 'DSN_UNKNOWN_OPTION', /did you mean "application_name"/],
  ['postgres://u:hunter2@h/db?statement_timout=5', 'DSN_UNKNOWN_OPTION', /did you mean "statement_timeout"/],
  ['postgres://u:hunter2@h/db?frobnicate=1', 'DSN_UNKNOWN_OPTION', /Unknown PostgreSQL DSN key "frobnicate" \(/],
  // SQLite-only keys: refused with why, not a suggestion.
  ['postgres://u:hunter2@h/db?_txlock=immediate', 'DSN_UNSUPPORTED', /"_txlock" is a SQLite setting.*no BEGIN IMMEDIATE.*default_transaction_isolation/],
  ['postgres://u:hunter2@h/db?_journal_mode=wal', 'DSN_UNSUPPORTED', /"_journal_mode" is a SQLite setting.*write-ahead log/],
  ['postgres://u:hunter2@h/db?_busy_timeout=5000', 'DSN_UNSUPPORTED', /SQLite setting.*lock_timeout/],
  ['postgres://u:hunter2@h/db?_fk=1', 'DSN_UNSUPPORTED', /always enforces foreign keys/],
  ['postgres://u:hunter2@h/db?vfs=unix-dotfile', 'DSN_UNSUPPORTED', /"vfs" is a SQLite setting/],
  ['postgres://u:hunter2@h/db?_pragma=foreign_keys(1)', 'DSN_UNSUPPORTED', /PRAGMA statements are SQLite's/],
  ['postgres://u:hunter2@h/db?_driver=native', 'DSN_UNSUPPORTED', /SQLite binding/],
  ['postgres://u:hunter2@h/db?mode=ro', 'DSN_UNSUPPORTED', /read only/],
  ['postgres://u:hunter2@h/db?_loc=auto', 'DSN_UNSUPPORTED', /"_loc" is a SQLite setting/],
  // Parts of the URL given again as query keys.
  ['postgres://u@h/db?password=hunter2', 'DSN_UNSUPPORTED', /the password goes in the URL's user information/],
  ['postgres://u:hunter2@h/db?host=other', 'DSN_UNSUPPORTED', /the host goes in the URL/],
  ['postgres://u:hunter2@h/db?ssl=true', 'DSN_UNSUPPORTED', /sslmode=require/],
  // Bad values.
  ['postgres://u:hunter2@h/db?sslmode=prefer', 'DSN_UNSUPPORTED', /falls back between TLS and plain text/],
  ['postgres://u:hunter2@h/db?sslmode=sometimes', 'DSN_INVALID_VALUE', /sslmode="sometimes" is not a valid value.*Accepted: disable, require/],
  ['postgres://u:hunter2@h/db?statement_timeout=-1', 'DSN_INVALID_VALUE', /statement_timeout="-1"/],
  ['postgres://u:hunter2@h/db?statement_timeout=5s', 'DSN_INVALID_VALUE', /milliseconds/],
  ['postgres://u:hunter2@h/db?default_transaction_isolation=snapshot', 'DSN_INVALID_VALUE', /read committed, repeatable read, serializable/],
  ['postgres://u:hunter2@h/db?isolation=read_uncommitted', 'DSN_INVALID_VALUE', /runs read uncommitted as read committed/],
  ['postgres://u:hunter2@h/db?pool_max=0', 'DSN_INVALID_VALUE', /from 1 to 10000/],
  ['postgres://u:hunter2@h/db?application_name=', 'DSN_INVALID_VALUE', /application_name=""/],
  ['postgres://u:hunter2@h/db?application_name', 'DSN_INVALID_VALUE', /has no value/],
  ['postgres://u:hunter2@h/db?application_name=%zz', 'DSN_INVALID_URI', /bad "%" escape/],
  ['postgres://u:hunter2%PW@h/db', 'DSN_INVALID_URI', /bad "%" escape .*write a literal "%" as %25/],
  ['postgres://u:hunter2%zz@h/db', 'DSN_INVALID_URI', /bad "%" escape/],
  // Contradictions.
  ['postgres://u:hunter2@h/db?max=4&pool_max=5', 'DSN_CONFLICT', /set twice with different values/],
  ['postgres://u:hunter2@h/db?sslmode=verify-ca', 'DSN_CONFLICT', /sslrootcert/],
  ['postgres://u:hunter2@h/db?sslcert=/c.pem', 'DSN_CONFLICT', /both sslcert and sslkey/],
  ['postgres://u:hunter2@h/db?statement_timeout=5&options=-c%20statement_timeout%3D7', 'DSN_CONFLICT', /"statement_timeout" is set both as a key and inside options=/],
  ['postgres://u:hunter2@h/db?isolation=serializable&options=--default-transaction-isolation%3Dread%5C%20committed', 'DSN_CONFLICT', /"default_transaction_isolation" is set both/],
  // URL structure.
  ['postgres://u:hunter2@h:99999/db', 'DSN_INVALID_URI', /The port 99999 is not a TCP port.*Accepted: a whole number from 1 to 65535/],
  ['postgresql://u:hunter2@h:99999/db', 'DSN_INVALID_URI', /The port 99999 is not a TCP port.*from 1 to 65535/],
  ['postgres://u:hunter2@[::1]:65536/db', 'DSN_INVALID_URI', /The port 65536 is not a TCP port/],
  ['postgres://u:hunter2@h:0/db', 'DSN_INVALID_URI', /The port 0 is not a TCP port/],
  // no host: the "port" is the password, which is not quoted
  ['postgres://u:hunter2/db', 'DSN_INVALID_URI', /The port \(.*not quoted.*\) is not a TCP port/],
  // Not a PostgreSQL URL at all: named by its own scheme, the accepted ones from the table.
  ['mysql://u:hunter2@h/db', 'DSN_UNSUPPORTED_SCHEME', /starts with "mysql:\/\/", not a PostgreSQL URL.*Accepted: postgres:\/\/ or postgresql:\/\//],
  ['postgres://u:hunter2@/db', 'DSN_INVALID_URI', /names no host/],
  ['postgres://u:hunter2@h1,h2/db', 'DSN_UNSUPPORTED', /several hosts/],
  ['postgres://u:hunter2@h/db#frag', 'DSN_INVALID_URI', /fragment/],
  ['postgres://u:hun?ter2@h/db', 'DSN_INVALID_URI', /unencoded "\?"/],
];

for (const [dsn, code, pattern] of refused) {
  test(`refuses ${JSON.stringify(dsn)} with ${code}`, () => {
    let error: unknown;
    try {
      parsePostgresDsn(dsn);
    } catch (e) {
      error = e;
    }
    assert.instance(error, DsnError, `${dsn} was accepted`);
    const e = error as DsnError;
    assert.is(e.code, code, e.message);
    assert.match(e.message, pattern);
    assert.match(e.message, /Fix: /);
    for (const text of [e.message, String(e), inspect(e), JSON.stringify(e), e.dsn]) {
      assert.not.match(text, /hunter2|hun\?|ter2|u:/, text);
    }
    // quoted with the input's own scheme, nothing of the rest before the query
    assert.ok(e.dsn.startsWith(`${/^\s*([^:]+):/.exec(dsn)![1]}://***`), e.dsn);
  });
}

test('the password is a Secret: no rendering of the config shows it', () => {
  const c = parsePostgresDsn('postgres://admin:Zq5ecretValue@h/db?application_name=x');
  for (const text of [JSON.stringify(c), inspect(c, { depth: 9, showHidden: true }), String(c.password), `${c.password}`, formatPostgresDsn(c)]) {
    assert.not.match(text, /Zq5ecretValue/, text);
  }
  assert.is(formatPostgresDsn(c), 'postgres://***@h:5432/db?application_name=x');
  assert.is(c.password?.reveal(), 'Zq5ecretValue');
});

test('every SQLite key and alias is refused on a PostgreSQL DSN with the reason, none is "unknown"', () => {
  const keys = DSN_OPTIONS.flatMap((o) => (o.key === undefined ? [] : [o.key, ...o.aliases])).filter((k) => !POSTGRES_ACCEPTED_KEYS.includes(k));
  assert.ok(keys.length > 20);
  for (const key of keys) {
    try {
      parsePostgresDsn(`postgres://h/db?${key}=1`);
      assert.unreachable(`${key} accepted`);
    } catch (e) {
      assert.is((e as DsnError).code, 'DSN_UNSUPPORTED', `${key}: ${(e as Error).message}`);
      assert.match((e as Error).message, /is a SQLite setting/);
    }
  }
});

test('the allow-list has no key shared with the SQLite registry and every entry documents itself', () => {
  for (const o of POSTGRES_DSN_OPTIONS) {
    assert.ok(o.description.length > 20, o.key);
    assert.ok(o.unset.length > 0, o.key);
    assert.ok(o.target !== 'server' || o.show !== undefined, `${o.key}: a server setting is read back`);
  }
});

test('docs/postgres.md: the key table is generated from the allow-list, the kind table matches the code', () => {
  const doc = readFileSync(POSTGRES_DOCS, 'utf8');
  assert.is(postgresGeneratedBlock(doc), renderPostgresOptionTable(), 'docs/postgres.md is stale: run `node --import tsx tests/postgres/update-docs.ts`');
  const rows = [...doc.matchAll(/^\| `(\w+)` \| (.+) \| (.+) \|$/gm)].filter((m) => (ERROR_KINDS as readonly string[]).includes(m[1]!));
  assert.equal(rows.map((m) => m[1]), [...ERROR_KINDS]);
  for (const [, kind, sqlite, postgres] of rows) {
    for (const code of [...sqlite!.matchAll(/`(SQLITE_\w+)`/g)].map((m) => m[1]!)) assert.is(sqliteErrorKind(code), kind, code);
    for (const code of [...postgres!.matchAll(/`([0-9A-Z]{5})`/g)].map((m) => m[1]!)) assert.is(postgresErrorKind(code), kind, code);
  }
});

test.run();
