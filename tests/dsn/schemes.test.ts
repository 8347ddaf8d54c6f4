// Issue 19: a DSN that is a URL of another database or service is refused with
// DSN_UNSUPPORTED_SCHEME (naming the scheme, never quoting the rest), `sqlite:`/`sqlite3:` get the
// exact file: rewrite, and names that merely contain ":" stay file paths. One row per form.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DsnError, parseDsn, type DsnLocation } from '../../dsn/index.js';
import { classifyDsn, FOREIGN_SCHEMES } from '../../dsn/scheme.js';

const test = suite('dsn schemes');
const cwd = '/srv/app';
const file = (path: string): DsnLocation => ({ kind: 'file', path });

function refusal(dsn: string): DsnError {
  try {
    const config = parseDsn(dsn, { cwd });
    throw new Error(`${JSON.stringify(dsn)} was accepted: ${JSON.stringify(config.location)}`);
  } catch (e) {
    assert.instance(e, DsnError, String(e));
    return e as DsnError;
  }
}

// [dsn, message pattern, quoted DSN]: refused as DSN_UNSUPPORTED_SCHEME.
const refused: Array<[string, RegExp, string]> = [
  // The examples.
  ['mysql://admin:hunter2@db.example.com:3306/app', /starts with "mysql:\/\/", a MySQL server URL/, 'mysql://***'],
  // Every `scheme://`, listed or not, any case.
  ['libsql://db.turso.io?authToken=abc', /libSQL\/Turso/, 'libsql://***'],
  ['https://db.example.com/v1?token=abc', /HTTPS URL/, 'https://***'],
  ['http://localhost:4001', /HTTP URL/, 'http://***'],
  ['wss://db.example.com', /WebSocket/, 'wss://***'],
  ['mongodb+srv://u:p@cluster0.example.net/db', /MongoDB/, 'mongodb+srv://***'],
  ['redis://:p@localhost:6379/0', /Redis/, 'redis://***'],
  ['ftp://files.example.com/app.db', /"ftp:" URL, which is not a SQLite file/, 'ftp://***'],
  ['s3://bucket/app.db', /"s3:" URL/, 's3://***'],
  ['x-custom.v2+tls://h', /"x-custom\.v2\+tls:" URL/, 'x-custom.v2+tls://***'],
  // Well-known database schemes without `//`.
  ['mysql:host=localhost;dbname=app;password=hunter2', /MySQL/, 'mysql:***'],
  ['pgsql:host=localhost;dbname=app', /PDO/, 'pgsql:***'],
  ['jdbc:sqlite:app.db', /JDBC/, 'jdbc:***'],
  ['jdbc:sqlserver://h;user=sa;password=hunter2', /JDBC/, 'jdbc:***'],
  ['http:app.db', /HTTP/, 'http:***'],
  // A file: URI SQLite would not read as one.
  ['FILE:///srv/app.db', /lower-case "file:"/, 'FILE://***'],
  [' file:///srv/app.db', /lower-case "file:" at the very start/, 'file://***'],
  // A server URL behind the file: prefix.
  ['file:mysql://admin:hunter2@h/app', /"file:" followed by "mysql:\/\/"/, 'file:mysql://***'],
];

for (const [dsn, pattern, quoted] of refused) {
  test(`${JSON.stringify(dsn)} -> DSN_UNSUPPORTED_SCHEME`, () => {
    const e = refusal(dsn);
    assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME', e.message);
    assert.match(e.message, pattern);
    assert.match(e.message, /this library opens SQLite databases only/);
    assert.match(e.message, /Accepted: a file path .* a file: URI/);
    assert.match(e.message, /Fix: /);
    // the PostgreSQL schemes createKysely opens are among the accepted forms (from the table of schemes)
    const accepted = e.message.slice(e.message.indexOf('Accepted: '), e.message.indexOf(' Fix: '));
    for (const scheme of ['postgres://', 'postgresql://']) assert.ok(accepted.includes(scheme), accepted);
    assert.is(e.dsn, quoted);
    assert.ok(e.message.includes(`(DSN: ${JSON.stringify(quoted)})`), e.message);
    // Nothing after the scheme is quoted: no user, password, host or query.
    for (const secret of ['admin', 'hunter2', 'secret', 'abc', 'user:', 'sslmod', 'example', 'cluster0', 'bucket']) {
      assert.not.ok(e.message.includes(secret), `${secret} in ${e.message}`);
    }
  });
}

// `postgres:` without `//` is a mistyped PostgreSQL URL, which createKysely opens since issue 18:
// the message must not say "SQLite databases only" and must give the `//` spelling.
for (const [dsn, quoted] of [['postgres:dbname', 'postgres:***'], ['postgresql:/u:secret@h/db', 'postgresql:***'], ['Postgres:app', 'Postgres:***']] as const) {
  test(`${JSON.stringify(dsn)} -> DSN_UNSUPPORTED_SCHEME naming the postgres:// spelling`, () => {
    const e = refusal(dsn);
    assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME', e.message);
    assert.match(e.message, /a PostgreSQL server URL missing its "\/\/"/);
    assert.not.match(e.message, /SQLite databases only/);
    assert.match(e.message, /Fix: write the URL with "\/\/": postgres(ql)?:\/\/user:password@host:5432\/database, and open it with createKysely/);
    assert.is(e.dsn, quoted);
    assert.not.ok(e.message.includes('secret'), e.message);
  });
}

// PostgreSQL URLs (issue 18): createKysely opens them; the SQLite-only parser refuses them with
// the same code, saying where they go, and quoting no more than the scheme.
const postgres: Array<[string, string]> = [
  ['postgres://user:secret@127.0.0.1:5432/db?_txlock=immediate', 'postgres://***'],
  ['postgres://user:secret@host/db?sslmod=require', 'postgres://***'],
  ['postgresql://u@h/db', 'postgresql://***'],
  ['POSTGRES://u@h/db', 'POSTGRES://***'],
  ['  postgres://u:p@h/db', 'postgres://***'], // leading blanks from a config file
  ['postgresql:///db?host=/var/run/postgresql', 'postgresql://***'],
];
for (const [dsn, quoted] of postgres) {
  test(`${JSON.stringify(dsn)} -> DSN_UNSUPPORTED_SCHEME from the SQLite parser, pointing at createKysely`, () => {
    const e = refusal(dsn);
    assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME', e.message);
    assert.match(e.message, /a PostgreSQL server URL; this entry point opens SQLite files only/);
    assert.match(e.message, /Fix: open it with createKysely\(url\)/);
    assert.is(e.dsn, quoted);
    for (const secret of ['secret', 'user:', 'u:p', 'sslmod', '127.0.0.1', 'host=']) assert.not.ok(e.message.includes(secret), `${secret} in ${e.message}`);
  });
}

// sqlite: and sqlite3: in other ecosystems' spellings: refused with the exact rewrite(s).
const rewrites: Array<[string, string[]]> = [
  ['sqlite:app.db', ['file:app.db']],
  ['sqlite:data/app.db?mode=ro', ['file:data/app.db?mode=ro']],
  ['sqlite3:db/development.sqlite3', ['file:db/development.sqlite3']],
  ['sqlite://data.db', ['file:data.db']],
  ['sqlite3://data/app.db?_txlock=immediate', ['file:data/app.db?_txlock=immediate']],
  ['sqlite:////srv/app.db', ['file:/srv/app.db']],
  ['sqlite:///data/app.db', ['file:/data/app.db', 'file:data/app.db']], // sqlx/Rails vs SQLAlchemy
  ['sqlite::memory:', [':memory:']],
  ['sqlite://:memory:', [':memory:']],
  ['SQLite:app.db', ['file:app.db']],
  ['sqlite:app.db?_auth_pass=hunter2&mode=ro', ['file:app.db?_auth_pass=***&mode=ro']],
];

for (const [dsn, spellings] of rewrites) {
  test(`${JSON.stringify(dsn)} -> refused with the rewrite ${spellings.join(' or ')}`, () => {
    const e = refusal(dsn);
    assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME', e.message);
    for (const s of spellings) assert.ok(e.message.includes(`"${s}"`), `${s} not in ${e.message}`);
    assert.not.ok(e.message.includes('hunter2'), e.message);
    // Each rewrite means what the message says: it parses.
    for (const s of spellings) parseDsn(s.replace('_auth_pass=***&', ''), { cwd });
  });
}

test('sqlite: with user information gets no rewrite and quotes nothing of it', () => {
  const e = refusal('sqlite://admin:hunter2@host/app.db');
  assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME');
  assert.match(e.message, /user information/);
  assert.not.match(e.message, /admin|hunter2|host\/app/);
});

// Names with ":" that are not URLs stay file paths; "./" makes any of the above a file.
const paths: Array<[string, DsnLocation]> = [
  ['notes:2024.db', file('/srv/app/notes:2024.db')],
  ['12:30.db', file('/srv/app/12:30.db')],
  ['backup:latest/app.db', file('/srv/app/backup:latest/app.db')],
  ['C:/data/app.db', file('/srv/app/C:/data/app.db')], // one letter: a Windows drive, not a scheme
  ['c://data/app.db', file('/srv/app/c:/data/app.db')],
  ['C:\\data\\app.db', file('/srv/app/C:\\data\\app.db')],
  ['FILE:app.db', file('/srv/app/FILE:app.db')], // SQLite reads it as a file name too
  ['./mysql:/admin/app', file('/srv/app/mysql:/admin/app')],
  ['./postgres://h/db', file('/srv/app/postgres:/h/db')],
  ['./sqlite:app.db', file('/srv/app/sqlite:app.db')],
  ['file:./sqlite:app.db', file('/srv/app/sqlite:app.db')],
  ['file:./postgres:db', file('/srv/app/postgres:db')],
  ['/abs/mysql://x.db', file('/abs/mysql:/x.db')],
  [':memory:', { kind: 'memory' }],
  ['file::memory:', { kind: 'memory' }],
];

for (const [dsn, location] of paths) {
  test(`${JSON.stringify(dsn)} stays a SQLite DSN`, () => {
    assert.equal(parseDsn(dsn, { cwd }).location, location);
  });
}

test('the refusal is decided in one place: classifyDsn', () => {
  assert.equal(classifyDsn('postgres://h/db'), { kind: 'postgres', scheme: 'postgres' });
  assert.equal(classifyDsn('PostgreSQL://h/db'), { kind: 'postgres', scheme: 'PostgreSQL' });
  assert.equal(classifyDsn('postgresql:db'), { kind: 'foreign', scheme: 'postgresql', hasAuthority: false });
  assert.equal(classifyDsn('app.db'), { kind: 'sqlite' });
  assert.equal(classifyDsn('file:app.db'), { kind: 'sqlite' });
  for (const scheme of Object.keys(FOREIGN_SCHEMES)) {
    assert.is(classifyDsn(`${scheme}:x`).kind, 'foreign', scheme);
    assert.is(refusal(`${scheme}:x`).code, 'DSN_UNSUPPORTED_SCHEME', scheme);
  }
});

// Non-URL connection strings of other databases: refused with the format named, the secret as
// "***", and the exact rewrite where the string names a local file. [dsn, format pattern, quoted
// DSN, rewrite or undefined].
const connectionStrings: Array<[string, RegExp, string, string | undefined]> = [
  ['root:hunter2@tcp(127.0.0.1:3306)/app?parseTime=true', /go-sql-driver\/mysql/, '***@tcp(127.0.0.1:3306)/app?parseTime=***', undefined],
  ['root:hunter2@unix(/var/run/mysqld.sock)/app', /go-sql-driver\/mysql/, '***@unix(/var/run/mysqld.sock)/app', undefined],
  ['hunter2@tcp(db:3306)/app?password=hunter2', /go-sql-driver\/mysql/, '***@tcp(db:3306)/app?password=***', undefined],
  ['user:hunter2@localhost/db', /server address with user and password/, '***@localhost/db', undefined],
  ['admin:hunter2@10.0.0.5:5432', /server address with user and password/, '***@10.0.0.5:5432', undefined],
  ['app:hunter2@db:5432/app', /server address with user and password/, '***@db:5432/app', undefined],
  ['app:hunter2@[::1]:5432/app', /server address with user and password/, '***@[::1]:5432/app', undefined],
  ['host=localhost user=app password=hunter2 dbname=app', /PostgreSQL \(libpq\)/, 'host=localhost user=*** password=*** dbname=app', undefined],
  ["host=db port=5432 password='hun ter2' sslmode=require", /libpq/, 'host=db port=5432 password=*** sslmode=require', undefined],
  ['password=hunter2', /connection string/, 'password=***', undefined], // ADO.NET and libpq alike
  ['Data Source=app.db;Password=hunter2', /ADO\.NET\/ODBC/, 'Data Source=app.db;Password=***', 'app.db'],
  ['Data Source=app.db', /ADO\.NET\/ODBC/, 'Data Source=app.db', 'app.db'],
  ['Data Source=:memory:;Version=3;', /ADO\.NET\/ODBC/, 'Data Source=:memory:;Version=3', ':memory:'],
  ['DataSource=data/app.db;Mode=ReadWriteCreate', /ADO\.NET\/ODBC/, 'DataSource=data/app.db;Mode=ReadWriteCreate', 'data/app.db'],
  ['Server=tcp:db,1433;Initial Catalog=app;User Id=sa;Pwd=hunter2;', /ADO\.NET\/ODBC/, 'Server=tcp:db,1433;Initial Catalog=app;User Id=***;Pwd=***', undefined],
  ['Driver={SQLite3 ODBC Driver};Database=app.db;Uid=hunter2', /ADO\.NET\/ODBC/, 'Driver={SQLite3 ODBC Driver};Database=app.db;Uid=***', undefined],
];

for (const [dsn, pattern, quoted, rewrite] of connectionStrings) {
  test(`${JSON.stringify(dsn)} -> DSN_UNSUPPORTED_SCHEME naming the format`, () => {
    const e = refusal(dsn);
    assert.is(e.code, 'DSN_UNSUPPORTED_SCHEME', e.message);
    assert.match(e.message, pattern);
    assert.match(e.message, /not a SQLite file; this library opens SQLite databases only/);
    assert.match(e.message, /Accepted: a file path .* a file: URI/);
    assert.is(e.dsn, quoted);
    assert.not.ok(e.message.includes('hunter2'), e.message);
    assert.not.ok(e.message.includes('hun ter2'), e.message);
    if (rewrite === undefined) {
      assert.match(e.message, /Fix: use a SQLite DSN/);
    } else {
      assert.ok(e.message.includes(`Fix: write "${rewrite}"`), e.message);
      parseDsn(rewrite, { cwd }); // the rewrite is a valid SQLite DSN
    }
    assert.is(classifyDsn(dsn).kind, 'connection-string');
  });
}

// Names with "@", "=", ";" that are not connection strings stay files; "./" and "file:" keep a
// name that looks like one reachable.
const notConnectionStrings: Array<[string, DsnLocation]> = [
  ['me@example.com.db', file('/srv/app/me@example.com.db')],
  ['notes:v2@draft.db', file('/srv/app/notes:v2@draft.db')], // no "/" or port after the "host"
  ['a:b@a/x.db', file('/srv/app/a:b@a/x.db')], // a bare word before "/" may be a folder
  ['u:p@db.example.com', file('/srv/app/u:p@db.example.com')],
  ['backups/user@host/app.db', file('/srv/app/backups/user@host/app.db')],
  ['a=b c=d.db', file('/srv/app/a=b c=d.db')], // not libpq keywords
  ['host=web.db', file('/srv/app/host=web.db')], // one non-secret libpq keyword
  ['Database=app.db', file('/srv/app/Database=app.db')], // one weak ADO keyword, no ";"
  ['report;final.db', file('/srv/app/report;final.db')],
  ['x;y=1.db', file('/srv/app/x;y=1.db')],
  ['mode=ro.db', file('/srv/app/mode=ro.db')],
  ['size=10 MB;v2.db', file('/srv/app/size=10 MB;v2.db')],
  ['2024-01-01 a=b;c=d.db', file('/srv/app/2024-01-01 a=b;c=d.db')],
  ['./Data Source=app.db;Password=x', file('/srv/app/Data Source=app.db;Password=x')],
  ['./user:pw@localhost/db', file('/srv/app/user:pw@localhost/db')],
  ['./root:pw@tcp(h:3306)/app', file('/srv/app/root:pw@tcp(h:3306)/app')],
  ['file:host=localhost user=app password=x', file('/srv/app/host=localhost user=app password=x')],
  ['file:Data%20Source=app.db;Password=x', file('/srv/app/Data Source=app.db;Password=x')],
  ['/abs/user:pw@localhost/db', file('/abs/user:pw@localhost/db')],
];

for (const [dsn, location] of notConnectionStrings) {
  test(`${JSON.stringify(dsn)} is a file name, not a connection string`, () => {
    assert.equal(parseDsn(dsn, { cwd }).location, location);
  });
}

test('an unknown key shows its own value unless the key looks secret', () => {
  const plain = refusal('app.db?_txlok=immediate&_fk=1');
  assert.is(plain.code, 'DSN_UNKNOWN_OPTION');
  assert.is(plain.dsn, 'app.db?_txlok=immediate&_fk=***');
  const secret = refusal('app.db?authTokn=hunter2');
  assert.is(secret.code, 'DSN_UNKNOWN_OPTION');
  assert.is(secret.dsn, 'app.db?authTokn=***');
});

test.run();
