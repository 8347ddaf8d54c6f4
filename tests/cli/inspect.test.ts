// `dual-sqlite inspect` in a child process: good DSNs print the canonical form, every setting and
// the driver decision; bad DSNs print the DsnError and exit 2; driver precedence is reported.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { DSN_OPTIONS, normalizeDsn } from '../../dsn/index.js';
import { openDatabase } from '../../index.js';
import { hasDriverNote } from '../../cli/driver-notes.js';
import { both, cli, cliInProcess, root, type CliOptions, type CliRun } from './run-cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { existsSync } from 'node:fs';

const test = suite('cli: inspect');

/**
 * Case `i` of a table: the first in a child process (the real exit code and streams), the others
 * through the same main() in this process, as the tables below do (see cliInProcess).
 */
const firstInChild = (i: number, args: string[], options: Pick<CliOptions, 'cwd' | 'env'> = {}): Promise<CliRun> =>
  i === 0 ? Promise.resolve(cli(args, options)) : cliInProcess(args, options);

const good: [string, RegExp][] = [
  [':memory:', /private in-memory database/],
  ['app.db?_txlock=deferred&_fk=0', /\* _txlock\s+deferred/],
  ['file:data.db?_pragma=busy_timeout(3000)&_journal=wal', /\* _journal_mode\s+wal/],
  ['file:shared?mode=memory', /in-memory database "shared"/],
];

for (const [i, [dsn, shows]] of good.entries()) {
  test(`valid DSN ${JSON.stringify(dsn)}: exit 0, canonical form, settings`, async () => {
    const cwd = tmpDir();
    const r = await firstInChild(i, ['inspect', dsn], { cwd });
    assert.is(r.code, 0, both(r));
    assert.ok(r.stdout.includes(`canonical   ${normalizeDsn(dsn, { cwd })}`), both(r));
    assert.match(r.stdout, shows);
    assert.match(r.stdout, /_busy_timeout\s+\d+/);
    assert.match(r.stdout, /driver\s+(native|node|wasm) \(decided by auto/);
  });
}

const bad: [string, string, RegExp][] = [
  ['app.db?_txlok=immediate', 'DSN_UNKNOWN_OPTION', /did you mean "_txlock"/i],
  ['app.db?_busy_timeout=soon', 'DSN_INVALID_VALUE', /_busy_timeout/],
  ['app.db?_txlock=deferred&_txlock=immediate', 'DSN_CONFLICT', /_txlock/],
  ['app.db?cache=shared', 'DSN_UNSUPPORTED', /shared cache/i],
  ['file://otherhost/app.db', 'DSN_INVALID_URI', /otherhost/],
  ['app.db?_pragma=journal_mode(wal);drop table x', 'DSN_INVALID_VALUE|DSN_UNSUPPORTED', /journal_mode/],
  // Issue 19: a server URL is refused, and its password is never printed.
  ['mysql://admin:hunter2@db.example.com:3306/app', 'DSN_UNSUPPORTED_SCHEME', /^(?![\s\S]*hunter2)[\s\S]*"mysql:\/\/", a MySQL server URL/],
  ['sqlite:///data/app.db', 'DSN_UNSUPPORTED_SCHEME', /"file:\/data\/app\.db"/],
  // The accepted forms come from the table of schemes: PostgreSQL's are among them.
  ['redis://u:hunter2@h:6379', 'DSN_UNSUPPORTED_SCHEME', /^(?![\s\S]*hunter2)[\s\S]*Accepted: [^\n]*a file path[^\n]*postgres:\/\/ or postgresql:\/\//],
  // A bad port is named with the range; the input is quoted with its own scheme.
  ['postgresql://u:hunter2@h:99999/db', 'DSN_INVALID_URI', /^(?![\s\S]*hunter2)[\s\S]*port 99999 is not a TCP port \(DSN: "postgresql:\/\/\*\*\*"\)[\s\S]*from 1 to 65535/],
];

// The first case of each table in a child process (the real exit code and streams), the others
// through the same main() in this process: a child costs about 2 CPU s of start-up (cliInProcess).
for (const [i, [dsn, code, says]] of bad.entries()) {
  test(`invalid DSN ${JSON.stringify(dsn)}: exit 2 with ${code}`, async () => {
    const r = i === 0 ? cli(['inspect', dsn], { cwd: tmpDir() }) : await cliInProcess(['inspect', dsn], { cwd: tmpDir() });
    assert.is(r.code, 2, both(r));
    assert.match(r.stderr, new RegExp(`\\[(${code})\\]`));
    assert.match(r.stderr, says);
    assert.is(r.stdout, '');
  });
}

// A URL is shown with its own scheme wherever it is rebuilt redacted (it was always "postgres://").
const ownScheme: [string[], RegExp][] = [
  [['copy-check', 'app.db', 'mysql://u:hunter2@h/db'], /\[DSN_UNSUPPORTED_SCHEME\].*starts with "mysql:\/\/", not a PostgreSQL URL \(DSN: "mysql:\/\/\*\*\*"\).*Accepted: postgres:\/\/ or postgresql:\/\//],
  [['copy-check', 'app.db', 'postgresql://u:hunter2@h:0/db'], /\[DSN_INVALID_URI\].*port 0 .*\(DSN: "postgresql:\/\/\*\*\*"\)/],
  [['copy-check', 'app.db', 'host=h password=hunter2'], /\[DSN_UNSUPPORTED_SCHEME\].*not a PostgreSQL URL.*\(DSN: "\*\*\*"\)/],
];
for (const [args, says] of ownScheme) {
  test(`${args.join(' ')}: the URL keeps its own scheme, redacted`, async () => {
    const r = await cliInProcess(args, { cwd: tmpDir() });
    assert.is(r.code, 2, both(r));
    assert.match(r.stderr, says);
    assert.not.match(r.stderr + r.stdout, /hunter2|"postgres:\/\//);
  });
}

test('inspect --json of a postgresql:// URL gives the input with its own scheme', async () => {
  const r = await cliInProcess(['inspect', 'postgresql://u:hunter2@h/db', '--json']);
  const report = JSON.parse(r.stdout) as { input: string; canonical: string };
  assert.equal([report.input, report.canonical], ['postgresql://***@h:5432/db', 'postgres://***@h:5432/db']);
});

// Issue 16: where the Go driver whose spelling the DSN uses would read it differently.
const goNotes: [string, RegExp[], RegExp[]][] = [
  ['app.db?_journal=WAL', [/mattn\/go-sqlite3 would use synchronous=NORMAL here/, /mattn\/go-sqlite3 would apply its _ keys/], [/ncruces/]],
  ['file:app.db?_pragma=journal_mode(wal)', [/modernc\.org\/sqlite would use a busy timeout of 0 here/, /ncruces\/go-sqlite3 would use a busy timeout of 60000 ms/], [/mattn/]],
  ['?_txlock=immediate', [/would open a file literally named \?\.\.\. in the working directory/], []],
  ['file:app.db?_txlock=immediate&_sync=full&_fk=1&_stmt_cache_size=128&_busy_timeout=5000', [], [/^Go drivers/m]],
];
for (const [i, [dsn, shows, hides]] of goNotes.entries()) {
  test(`Go-driver notes for ${JSON.stringify(dsn)}`, async () => {
    const run = (args: string[]) => (i === 0 ? Promise.resolve(cli(args, { cwd: tmpDir() })) : cliInProcess(args, { cwd: tmpDir() }));
    const r = await run(['inspect', dsn]);
    assert.is(r.code, 0, both(r));
    for (const re of shows) assert.match(r.stdout, re);
    for (const re of hides) assert.not.match(r.stdout, re);
    const json = JSON.parse((await run(['inspect', dsn, '--json'])).stdout);
    assert.is(json.goDrivers.length > 0, shows.length > 0);
  });
}

test('--json carries the canonical DSN, the settings and the driver decision', () => {
  const r = cli(['inspect', 'x.db?_sync=normal', '--json'], { cwd: tmpDir() });
  assert.is(r.code, 0, both(r));
  const report = JSON.parse(r.stdout);
  assert.match(report.canonical, /^file:\/.*x\.db\?/);
  const sync = report.settings.find((s: { key: string }) => s.key === '_synchronous');
  assert.equal([sync.value, sync.isDefault], ['normal', false]);
  assert.is(report.location.exists, false);
});

// Precedence: code option (--driver) > DSN _driver > SQLITE_DRIVER > auto.
const precedence: [string, string[], string | undefined, string, string][] = [
  ['auto when nothing chooses', ['x.db'], undefined, 'auto', 'native'],
  ['SQLITE_DRIVER', ['x.db'], 'wasm', 'env', 'wasm'],
  ['the DSN beats SQLITE_DRIVER', ['x.db?_driver=native'], 'wasm', 'dsn', 'native'],
  ['--driver beats the DSN', ['x.db?_driver=native', '--driver', 'wasm'], 'native', 'code', 'wasm'],
];
for (const [i, [name, args, env, source, driver]] of precedence.entries()) {
  test(`driver decision: ${name}`, async () => {
    const r = await firstInChild(i, ['inspect', ...args, '--json'], { cwd: tmpDir(), env: { SQLITE_DRIVER: env } });
    assert.is(r.code, 0, both(r));
    const report = JSON.parse(r.stdout);
    assert.equal([report.driver.source, report.driver.driver], [source, driver], r.stdout);
  });
}

test('an invalid SQLITE_DRIVER is reported as the driver answer, the DSN part still printed', async () => {
  const r = await cliInProcess(['inspect', 'x.db', '--json'], { cwd: tmpDir(), env: { SQLITE_DRIVER: 'sqlite4' } });
  assert.is(r.code, 0, both(r));
  const report = JSON.parse(r.stdout);
  assert.is(report.driver.code, 'DRIVER_INVALID_CHOICE');
  assert.match(report.driver.error, /sqlite4/);
});

test('usage errors exit 2: missing DSN, unknown flag, bad --driver, unknown command, stray argument', async () => {
  for (const [i, args] of [['inspect'], ['inspect', 'x.db', '--frobnicate'], ['inspect', 'x.db', '--driver', 'sqlite4'], ['frobnicate'], ['inspect', 'a.db', 'b.db']].entries()) {
    const r = await firstInChild(i, args, { cwd: root });
    assert.is(r.code, 2, `${args.join(' ')}: ${both(r)}`);
    assert.ok(r.stderr.length > 0, args.join(' '));
  }
});

test('help exits 0 and names every command', () => {
  const r = cli(['--help']);
  assert.is(r.code, 0, both(r));
  for (const c of ['inspect', 'doctor', 'demo']) assert.ok(r.stdout.includes(`dual-sqlite ${c}`), c);
});

// inspect's "cannot open this DSN" on wasm must agree with what the wasm driver really does.
for (const [i, query] of ['vfs=unix-none', 'vfs=unix-dotfile', 'immutable=1', 'nolock=1', 'psow=1', '_fk=1'].entries()) {
  test(`inspect's wasm verdict for ${query} matches the real wasm driver`, async () => {
    const cwd = tmpDir();
    const dsn = `${join(cwd, 'x.db')}?${query}`;
    const r = await firstInChild(i, ['inspect', dsn, '--json'], { cwd });
    assert.ok(r.code === 0 || r.code === 1, both(r)); // 1: the auto-chosen driver refuses it here (see below)
    const saysRefused = /cannot open this DSN/.test(JSON.parse(r.stdout).lockProtocol.wasm);
    let refused = false;
    try {
      await (await openDatabase(dsn, { driver: 'wasm' })).close();
    } catch (error) {
      refused = (error as { code?: string }).code === 'DRIVER_UNSUPPORTED_OPTION';
      if (!refused) throw error;
    }
    assert.is(saysRefused, refused);
  });
}

// inspect with a chosen driver says whether that driver would refuse to open the DSN, with the
// same code openDatabase throws, and exits 1 then; it never creates the file.
const opens: string[] = ['x.db', 'x.db?_journal_mode=wal', 'x.db?_journal_mode=wal&_locking_mode=exclusive', 'x.db?mode=rw', 'x.db?immutable=1', 'x.db?vfs=unix-dotfile'];
for (const driver of matrixDrivers()) {
  for (const [i, query] of opens.entries()) {
    test(`inspect --driver ${driver} ${query}: the refusal (or none) is what openDatabase does`, async () => {
      const cwd = tmpDir();
      const dsn = join(cwd, query);
      const r = await firstInChild(i, ['inspect', dsn, '--driver', driver, '--json'], { cwd });
      const report = JSON.parse(r.stdout);
      assert.not.ok(existsSync(join(cwd, 'x.db')), 'inspect must not create the file');
      let thrown: string | undefined;
      try {
        await (await openDatabase(dsn, { driver })).close();
      } catch (error) {
        thrown = (error as { code?: string }).code ?? String(error);
      }
      assert.is(report.refusal?.code, thrown, both(r));
      assert.is(r.code, thrown === undefined ? 0 : 1, both(r));
      // The text form once per driver.
      if (thrown !== undefined && query === 'x.db?mode=rw') assert.match((await cliInProcess(['inspect', dsn, '--driver', driver], { cwd })).stdout, new RegExp(`refused     \\[${thrown}\\] `));
    });
  }
}

test('every registry setting has a note on what each driver does with it', () => {
  for (const o of DSN_OPTIONS) {
    if (o.target === undefined) continue;
    assert.ok(hasDriverNote(o.target), `no driver note for ${o.target}`);
  }
});

test.run();
