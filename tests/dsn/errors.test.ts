// Every rejection: the code, the option, and the gist of the message (a regex, never the full
// text). Plus the secret-hygiene rule: a message quotes no query value except the offending one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DSN_ERROR_CODES, DSN_UNSUPPORTED_KEYS, DsnError, formatDsn, parseDsn, type DsnConfig } from '../../dsn/index.js';
import { DualSqliteError } from '../../dsn/base-error.js';

const test = suite('dsn errors');
const cwd = '/srv/app';

function rejection(dsn: string): DsnError {
  try {
    parseDsn(dsn, { cwd });
  } catch (e) {
    assert.instance(e, DsnError);
    assert.instance(e, DualSqliteError);
    return e as DsnError;
  }
  throw new assert.Assertion({ message: `expected ${JSON.stringify(dsn)} to be rejected`, generated: false, operator: 'throws', expects: 'DsnError', actual: 'parsed' });
}

// [dsn, code, option, message pattern]
const rows: Array<[string, string, string | undefined, RegExp]> = [
  // Unknown keys, with suggestions.
  ['app.db?_txlok=immediate', 'DSN_UNKNOWN_OPTION', '_txlok', /did you mean "_txlock"\?/i],
  ['app.db?_TXLOCK=immediate', 'DSN_UNKNOWN_OPTION', '_TXLOCK', /"_txlock".*case-sensitive/],
  ['app.db?txlock=immediate', 'DSN_UNKNOWN_OPTION', 'txlock', /did you mean "_txlock"/i],
  ['app.db?journal_mode=wal', 'DSN_UNKNOWN_OPTION', 'journal_mode', /did you mean "_journal_mode"/i],
  ['app.db?_busytimeout=1', 'DSN_UNKNOWN_OPTION', '_busytimeout', /did you mean "_busy_timeout"/i],
  ['app.db?_mmap_size=1', 'DSN_UNKNOWN_OPTION', '_mmap_size', /_pragma=mmap_size/],
  ['app.db?zzzzzzzzzzzz=1', 'DSN_UNKNOWN_OPTION', 'zzzzzzzzzzzz', /Unknown option "zzzzzzzzzzzz".*Accepted: .*_txlock/],
  ['app.db?_fk=1&foo', 'DSN_UNKNOWN_OPTION', 'foo', /Unknown option "foo" \(query segment 2\)/],
  ['/data/what?.db', 'DSN_UNKNOWN_OPTION', '.db', /"\?" starts the options.*%3F/],
  // Invalid values, one per value type.
  ['app.db?_txlock=maybe', 'DSN_INVALID_VALUE', '_txlock', /"maybe".*Accepted: deferred, immediate, exclusive/],
  ['app.db?_txlock', 'DSN_INVALID_VALUE', '_txlock', /has no value/],
  ['app.db?_txlock=', 'DSN_INVALID_VALUE', '_txlock', /Value "" of "_txlock"/],
  ['app.db?_busy_timeout=-1', 'DSN_INVALID_VALUE', '_busy_timeout', /"-1".*milliseconds from 0/],
  ['app.db?_busy_timeout=1.5', 'DSN_INVALID_VALUE', '_busy_timeout', /"1\.5"/],
  ['app.db?_busy_timeout=1e3', 'DSN_INVALID_VALUE', '_busy_timeout', /"1e3"/],
  ['app.db?_busy_timeout=2147483648', 'DSN_INVALID_VALUE', '_busy_timeout', /2147483648/],
  ['app.db?_timeout=abc', 'DSN_INVALID_VALUE', '_timeout', /"abc" of "_timeout"/],
  ['app.db?_stmt_cache_size=-5', 'DSN_INVALID_VALUE', '_stmt_cache_size', /"-5"/],
  ['app.db?_fk=2', 'DSN_INVALID_VALUE', '_fk', /Accepted: 1, yes, true, on \/ 0, no, false, off/],
  ['app.db?_sync=4', 'DSN_INVALID_VALUE', '_sync', /off, normal, full, extra \(or 0, 1, 2, 3\)/],
  ['app.db?_journal_mode=wal2', 'DSN_INVALID_VALUE', '_journal_mode', /"wal2"/],
  ['app.db?_locking_mode=shared', 'DSN_INVALID_VALUE', '_locking_mode', /normal, exclusive/],
  ['app.db?_vacuum=3', 'DSN_INVALID_VALUE', '_vacuum', /none, full, incremental/],
  ['app.db?_cache_size=big', 'DSN_INVALID_VALUE', '_cache_size', /"big"/],
  ['app.db?_secure_delete=faster', 'DSN_INVALID_VALUE', '_secure_delete', /or fast/],
  ['app.db?mode=memroy', 'DSN_INVALID_VALUE', 'mode', /ro, rw, rwc, memory/],
  ['app.db?vfs=unix-posix', 'DSN_INVALID_VALUE', 'vfs', /unix, unix-dotfile, unix-excl, unix-none/],
  ['app.db?_driver=sqlite3', 'DSN_INVALID_VALUE', '_driver', /native, node, wasm, auto/],
  ['app.db?immutable=maybe', 'DSN_INVALID_VALUE', 'immutable', /"maybe"/],
  ['app.db?modeof=', 'DSN_INVALID_VALUE', 'modeof', /file path/],
  ['app.db?_pragma=page_size(1000)', 'DSN_INVALID_VALUE', '_pragma', /power of two/],
  ['app.db?_pragma=page_size(131072)', 'DSN_INVALID_VALUE', '_pragma', /"131072" of _pragma page_size/],
  ['app.db?_pragma=mmap_size(-1)', 'DSN_INVALID_VALUE', '_pragma', />= 0/],
  ['app.db?_pragma=journal_size_limit(-2)', 'DSN_INVALID_VALUE', '_pragma', /-1 for no limit/],
  ['app.db?_pragma=temp_store(ram)', 'DSN_INVALID_VALUE', '_pragma', /default, file, memory/],
  // _pragma syntax: nothing but name(value) with a plain value; no SQL can ride along.
  ['app.db?_pragma=journal_mode(wal);drop table x', 'DSN_INVALID_VALUE', '_pragma', /not of the form name\(value\)/],
  ['app.db?_pragma=journal_mode(wal;drop table x)', 'DSN_INVALID_VALUE', '_pragma', /not a name, a signed integer or a quoted word/],
  ["app.db?_pragma=journal_mode('wal;x')", 'DSN_INVALID_VALUE', '_pragma', /not a name, a signed integer or a quoted word/],
  ['app.db?_pragma=journal_mode(w al)', 'DSN_INVALID_VALUE', '_pragma', /not a name/],
  ['app.db?_pragma=foreign_keys', 'DSN_INVALID_VALUE', '_pragma', /not of the form/],
  ['app.db?_pragma', 'DSN_INVALID_VALUE', '_pragma', /not of the form/],
  ['app.db?_pragma=(1)', 'DSN_INVALID_VALUE', '_pragma', /not of the form/],
  ['app.db?_pragma=busy_timeout(1)(2)', 'DSN_INVALID_VALUE', '_pragma', /not a name/],
  // Conflicts: one setting twice, through keys, aliases and _pragma.
  ['app.db?_fk=1&_foreign_keys=0', 'DSN_CONFLICT', '_foreign_keys', /"_fk=1" and "_foreign_keys=0" both set _foreign_keys, to different values/],
  ['app.db?_busy_timeout=3000&_pragma=busy_timeout(4000)', 'DSN_CONFLICT', '_pragma', /busy_timeout\(4000\).*different values/],
  ['app.db?_timeout=1&_busy_timeout=2', 'DSN_CONFLICT', '_busy_timeout', /different values/],
  ['app.db?_txlock=deferred&_txlock=immediate', 'DSN_CONFLICT', '_txlock', /"_txlock=deferred" and "_txlock=immediate"/],
  ['app.db?_pragma=temp_store(file)&_pragma=temp_store(memory)', 'DSN_CONFLICT', '_pragma', /_pragma=temp_store, to different values/],
  ['app.db?mode=ro&mode=rw', 'DSN_CONFLICT', 'mode', /different values/],
  ['file:x?mode=memory&mode=rwc', 'DSN_CONFLICT', 'mode', /different values/],
  // Conflicts: combinations that cannot mean anything.
  [':memory:?mode=ro', 'DSN_CONFLICT', 'mode', /private in-memory database, which is always read-write-create/],
  ['file::memory:?mode=rw', 'DSN_CONFLICT', 'mode', /always read-write-create/],
  ['?mode=ro', 'DSN_CONFLICT', 'mode', /temporary database/],
  [':memory:?immutable=1', 'DSN_CONFLICT', 'immutable', /only applies to a database file/],
  ['file:n?mode=memory&immutable=1', 'DSN_CONFLICT', 'immutable', /in-memory database "n"/],
  [':memory:?nolock=1', 'DSN_CONFLICT', 'nolock', /only applies to a database file/],
  [':memory:?vfs=unix-dotfile', 'DSN_CONFLICT', 'vfs', /only applies to a database file/],
  [':memory:?psow=1', 'DSN_CONFLICT', 'psow', /only applies/],
  [':memory:?modeof=/x', 'DSN_CONFLICT', 'modeof', /only applies/],
  ['?immutable=1', 'DSN_CONFLICT', 'immutable', /temporary database/],
  ['?modeof=/x', 'DSN_CONFLICT', 'modeof', /temporary database/],
  [':memory:?_journal_mode=wal', 'DSN_CONFLICT', '_journal_mode', /journal can only be memory or off/],
  ['file:n?mode=memory&_journal=delete', 'DSN_CONFLICT', '_journal', /memory or off/],
  ['app.db?immutable=1&mode=rw', 'DSN_CONFLICT', 'mode', /read-only, but "mode=rw" asks to write/],
  ['app.db?mode=rwc&immutable=yes', 'DSN_CONFLICT', 'mode', /"immutable=yes" makes the database read-only/],
  // mode=ro with WAL is decided at open from the file header (tests/drivers/go-compat.test.ts).
  ['app.db?immutable=1&_pragma=journal_mode(wal)', 'DSN_CONFLICT', 'immutable', /reads the main file only/],
  ['app.db?mode=ro&_pragma=application_id(7)', 'DSN_CONFLICT', 'mode', /writes the file header/],
  ['app.db?nolock=1&vfs=unix-dotfile', 'DSN_CONFLICT', 'nolock', /turns locking off/],
  ['app.db?mode=rw&modeof=/x', 'DSN_CONFLICT', 'mode', /"modeof=\/x" sets the permissions .* "mode=rw" never creates one/],
  ['app.db?modeof=/x&immutable=1', 'DSN_CONFLICT', 'immutable', /never creates one/],
  // Unsupported: understood, refused, with the reason.
  ['app.db?cache=shared', 'DSN_UNSUPPORTED', 'cache', /omit.*SQLITE_OMIT_SHARED_CACHE.*file:NAME\?mode=memory/],
  ['file::memory:?cache=shared', 'DSN_UNSUPPORTED', 'cache', /shared cache/],
  ['app.db?vfs=memdb', 'DSN_UNSUPPORTED', 'vfs', /in-memory/],
  ['app.db?_pragma=writable_schema(1)', 'DSN_UNSUPPORTED', '_pragma', /writable_schema is not on the allow-list/],
  ['app.db?_pragma=journal_mod(wal)', 'DSN_UNSUPPORTED', '_pragma', /Did you mean "journal_mode"/],
  ['app.db?_pragma=key(x)', 'DSN_UNSUPPORTED', '_pragma', /PRAGMA key is not supported: it sets an encryption key/],
  ...DSN_UNSUPPORTED_KEYS.map((u): [string, string, string, RegExp] => {
    const key = u.key.endsWith('*') ? `${u.key.slice(0, -1)}_user` : u.key;
    return [`app.db?${key}=x`, 'DSN_UNSUPPORTED', key, new RegExp(`"${key}" is not supported: .{20,}`)];
  }),
  ['app.db?_auth', 'DSN_UNSUPPORTED', '_auth', /user-authentication/],
  ['app.db?_loc=auto', 'DSN_UNSUPPORTED', '_loc', /time\.Time/],
  ['app.db?_mutex=no', 'DSN_UNSUPPORTED', '_mutex', /threading mode/],
  // URI structure.
  ['file://example.com/app.db', 'DSN_INVALID_URI', undefined, /host "example\.com"/],
  ['file://app.db', 'DSN_INVALID_URI', undefined, /host "app\.db".*file:app\.db/],
  ['file://localhost:8080/app.db', 'DSN_INVALID_URI', undefined, /a port/],
  ['file://user@localhost/app.db', 'DSN_INVALID_URI', undefined, /user information \("\.\.\.@"\)/],
  ['file:app.db#frag', 'DSN_INVALID_URI', undefined, /"#".*fragment/],
  ['file:app.db?_fk=1#frag', 'DSN_INVALID_URI', undefined, /"#"/],
  ['file:app.db#', 'DSN_INVALID_URI', undefined, /"#"/],
  ['app.db?_fk=1#x', 'DSN_INVALID_URI', undefined, /"#"/],
  ['file:app%zz.db', 'DSN_INVALID_URI', undefined, /"%zz"/],
  ['file:app%2.db', 'DSN_INVALID_URI', undefined, /not followed by two hex digits/],
  ['file:app%C3.db', 'DSN_INVALID_URI', undefined, /not valid UTF-8/],
  ['app.db?_txlock=%zz', 'DSN_INVALID_URI', '_txlock', /value of "_txlock"/],
  ['app.db?%zz=1', 'DSN_INVALID_URI', undefined, /option name/],
  ['app.db?=1', 'DSN_INVALID_URI', undefined, /empty option name/],
  // Other databases' URLs (more in schemes.test.ts).
  ['mysql://admin:hunter2@db.example.com:3306/app', 'DSN_UNSUPPORTED_SCHEME', undefined, /"mysql:\/\/", a MySQL server URL.*SQLite databases only/],
  ['sqlite:///data/app.db', 'DSN_UNSUPPORTED_SCHEME', undefined, /"file:\/data\/app\.db".*"file:data\/app\.db"/],
  // Paths.
  ['~/app.db', 'DSN_INVALID_PATH', undefined, /"~\/app\.db" starts with "~", which is not expanded/],
  ['~', 'DSN_INVALID_PATH', undefined, /not expanded/],
  ['~user/app.db', 'DSN_INVALID_PATH', undefined, /not expanded/],
  ['file:~/app.db', 'DSN_INVALID_PATH', undefined, /not expanded/],
  ['file:%7E/app.db', 'DSN_INVALID_PATH', undefined, /not expanded/],
  ['app.db?modeof=~/perm', 'DSN_INVALID_PATH', 'modeof', /not expanded/],
  ['data/', 'DSN_INVALID_PATH', undefined, /"data\/" names a directory/],
  ['.', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['..', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['a/..', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['/', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['file:///', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['file://localhost/?_fk=1', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['file:./', 'DSN_INVALID_PATH', undefined, /names a directory/],
  ['app.db\n', 'DSN_INVALID_PATH', undefined, /control character U\+000a.*trailing newline/s],
  ['app\u0000.db', 'DSN_INVALID_PATH', undefined, /U\+0000.*cut the name/],
  ['file:app%00.db', 'DSN_INVALID_PATH', undefined, /U\+0000/],
  ['app\ud800.db', 'DSN_INVALID_PATH', undefined, /not valid Unicode/],
  ['app.db?modeof=a%0Ab', 'DSN_INVALID_PATH', 'modeof', /control character/],
];

for (const [dsn, code, option, pattern] of rows) {
  test(`${JSON.stringify(dsn)} -> ${code}`, () => {
    const e = rejection(dsn);
    assert.is(e.code, code, e.message);
    assert.is(e.option, option, e.message);
    assert.match(e.message, pattern);
    assert.match(e.message, /Fix: /);
    assert.is(e.name, 'DsnError');
  });
}

test('every error code is produced by some row', () => {
  const produced = new Set(rows.map(([, code]) => code));
  for (const code of DSN_ERROR_CODES) assert.ok(produced.has(code), code);
});

test('messages quote the DSN with other values redacted, the offending one kept', () => {
  const e = rejection('app.db?_auth_user=admin&_txlock=sometimes&key=s3cret&_fk=1');
  // Stops at the first mistake, _auth_user, whose value is a secret and not needed.
  assert.is(e.code, 'DSN_UNSUPPORTED');
  assert.not.match(e.message, /admin|sometimes|s3cret/);
  assert.match(e.message, /"app\.db\?_auth_user=\*\*\*&_txlock=\*\*\*&key=\*\*\*&_fk=\*\*\*"/);

  const bad = rejection('file:/a.db?password=hunter2&_txlock=sometimes');
  assert.is(bad.code, 'DSN_UNKNOWN_OPTION'); // password is the first mistake
  assert.not.match(bad.message, /hunter2|sometimes/);

  const value = rejection('file:/a.db?_fk=1&_txlock=sometimes&_pragma=cache_size(42)');
  assert.match(value.message, /_txlock=sometimes/);
  assert.not.match(value.message, /cache_size\(42\)|_fk=1/);
  assert.is(value.dsn, 'file:/a.db?_fk=***&_txlock=sometimes&_pragma=***');

  const conflict = rejection('a.db?x_secret_free=1'.replace('x_secret_free=1', '_fk=1&_busy_timeout=77&_foreign_keys=0'));
  assert.match(conflict.message, /_fk=1&_busy_timeout=\*\*\*&_foreign_keys=0/);

  const pragmaKey = rejection('a.db?_pragma=key(topsecret)');
  assert.not.match(pragmaKey.message, /topsecret/);

  const fragment = rejection('file:a.db?_fk=1#token');
  assert.not.match(fragment.message, /token/);
  const early = rejection('file:a.db#tok?en=1');
  assert.not.match(early.message, /tok|en=1/);
  assert.is(early.dsn, 'file:a.db#***');
  const userinfo = rejection('file://admin:pw123@localhost/a.db?_fk=1');
  assert.not.match(userinfo.message, /admin|pw123/);
  assert.is(userinfo.dsn, 'file://***@localhost/a.db?_fk=***');
  const plainHash = rejection('a#b.db?_fk=1#tok');
  assert.is(plainHash.dsn, 'a#b.db?_fk=***#***');
});

test('a secret-looking value is hidden even where the offending value is quoted', () => {
  // A bad %-escape in a password's value: the value is the offending one, and still a secret.
  const escape = rejection('app.db?password=hun%ZZter2');
  assert.is(escape.code, 'DSN_INVALID_URI');
  assert.not.match(escape.message, /hun|ter2|%ZZ/);
  assert.is(escape.dsn, 'app.db?password=***');
  // A malformed _pragma naming a key pragma.
  for (const bad of ["_pragma=key%20'hunter2'", '_pragma=hexkey:hunter2', '_pragma=textkey']) {
    const e = rejection(`app.db?${bad}`);
    assert.not.match(e.message, /hunter2/, e.message);
  }
  // User information of any scheme.
  assert.is(rejection('postgres://admin:hunter2@h/db?password=x').dsn, 'postgres://***');
});

test('non-string input and a bad cwd are DsnError too', () => {
  for (const bad of [undefined, null, 42, {}]) {
    try {
      parseDsn(bad as unknown as string);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, DsnError);
      assert.is((e as DsnError).code, 'DSN_INVALID_VALUE');
    }
  }
  assert.throws(() => parseDsn('a.db', { cwd: '' }), (e: unknown) => e instanceof DsnError && /options\.cwd/.test((e as Error).message));
});

test('formatDsn refuses a hand-built config the parser would refuse', () => {
  const good = parseDsn('app.db', { cwd });
  const broken: DsnConfig[] = [
    { ...good, busyTimeout: -1 },
    { ...good, location: { kind: 'file', path: 'relative.db' } },
    { ...good, txlock: 'sometimes' as never },
    { ...good, location: { kind: 'file', path: '/a\ud800' } },
    { ...good, pragmas: { ...good.pragmas, page_size: 1000 } },
    { ...good, location: { kind: 'memory' }, mode: 'ro' },
  ];
  for (const config of broken) {
    assert.throws(() => formatDsn(config), (e: unknown) => e instanceof DsnError && e.code === 'DSN_INVALID_VALUE', JSON.stringify(config));
  }
  assert.is(formatDsn({ ...good }), formatDsn(good)); // an unfrozen copy is fine
});

test.run();
