// `dual-sqlite demo --seconds 2` on each driver, in a child process with real worker processes:
// it must pass, report zero SQLITE_BUSY, and the rows it claims to have verified must really be
// in the file (checked again here, independently of the demo's own verification).
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openDatabase } from '../../index.js';
import { suite } from 'uvu';
import { matrix, matrixDrivers } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { both, cli, cliAsync } from './run-cli.js';

matrix('cli: demo', (test, driver) => {
  test('a 2-second run passes, with 0 SQLITE_BUSY and every acknowledged commit in the file', async () => {
    const cwd = tmpDir();
    const r = await cliAsync(['demo', '--driver', driver, '--seconds', '2', '--agents', '3', '--tasks', '4'], { cwd });
    assert.is(r.code, 0, both(r));
    assert.match(r.stdout, /verdict: PASS/);
    assert.match(r.stdout, new RegExp(`driver\\s+${driver} \\(code:`));
    assert.match(r.stdout, /SQLITE_BUSY seen\s+0 /);
    assert.match(r.stdout, /integrity_check\s+ok/);
    const m = /rows verified\s+([\d,]+) of ([\d,]+) acknowledged commits found row by row; 0 missing, 0 unexpected/.exec(r.stdout);
    assert.ok(m, both(r));
    const verified = Number(m![1]!.replace(/,/g, ''));
    assert.is(verified, Number(m![2]!.replace(/,/g, '')));
    assert.ok(verified > 0, 'the agents committed nothing');
    // Not a TTY: plain progress lines, no carriage returns.
    assert.not.match(r.stderr, /\r/);
    assert.match(r.stderr, /^demo \d+\.\d\/2 s {2}commits/m);

    // Independent check: the default file exists where the README says, with exactly those rows.
    const runId = /run id\s+(\S+)/.exec(r.stdout)![1]!;
    const db = await openDatabase(join(cwd, 'data/demo.db'), { driver });
    const rows = await db.execute('select count(*) as n, count(distinct agent) as agents from demo_rows where run_id = ?', [runId]);
    const run = await db.execute('select commits_reported from demo_runs where run_id = ?', [runId]);
    await db.close();
    assert.equal(rows.rows[0], { n: verified, agents: 3 });
    assert.equal(run.rows[0], { commits_reported: verified });
  });

  test('bad arguments exit 2 before any agent starts', () => {
    for (const args of [['--agents', '0'], ['--seconds', 'soon'], ['--dsn', ':memory:'], ['--dsn', 'x.db?_txlok=1'], ['--driver', 'sqlite4']]) {
      const r = cli(['demo', ...args], { cwd: tmpDir() });
      assert.is(r.code, 2, `${args.join(' ')}: ${both(r)}`);
    }
  });
});

// Both drivers on one file at once, on the lock protocol they share: the guarantee users pick the
// library for. Runs only when the matrix includes both drivers.
const mixed = suite('cli: demo --driver mixed');
if (matrixDrivers().length === 2) {
  mixed('native (vfs=unix-dotfile) and wasm agents write one file: PASS, both drivers committed', async () => {
    const cwd = tmpDir();
    const r = await cliAsync(['demo', '--driver', 'mixed', '--seconds', '2', '--agents', '2', '--tasks', '4'], { cwd });
    assert.is(r.code, 0, both(r));
    assert.match(r.stdout, /verdict: PASS/);
    assert.match(r.stdout, /SQLITE_BUSY seen\s+0 /);
    const perAgent = /per agent process\s+#0 native ([\d,]+), #1 wasm ([\d,]+)/.exec(r.stdout);
    assert.ok(perAgent, both(r));
    assert.ok(Number(perAgent![1]!.replace(/,/g, '')) > 0 && Number(perAgent![2]!.replace(/,/g, '')) > 0, 'both drivers must have committed');
  });
  mixed('mixed refuses a DSN with another lock protocol', () => {
    const r = cli(['demo', '--driver', 'mixed', '--dsn', 'x.db?vfs=unix'], { cwd: tmpDir() });
    assert.is(r.code, 2, both(r));
    assert.match(r.stderr, /vfs=unix/);
  });
}
mixed.run();
