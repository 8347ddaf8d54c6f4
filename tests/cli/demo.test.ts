// `dual-sqlite demo --seconds 2` on each driver, in a child process with real worker processes:
// it must pass, report zero SQLITE_BUSY, and the rows it claims to have verified must really be
// in the file (checked again here, independently of the demo's own verification).
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openDatabase } from '../../index.js';
import { suite } from 'uvu';
import { matrix, matrixDrivers } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { both, cli, cliAsync, cliInProcess } from './run-cli.js';
import { DRIVER_CHOICES } from '../../cli/args.js';
import { DEMO_DRIVER_CHOICES, DEMO_NUMBERS } from '../../cli/demo/flags.js';

matrix('cli: demo', (test, driver) => {
  test('a 2-second run passes, with 0 SQLITE_BUSY and every acknowledged commit in the file', async () => {
    const cwd = tmpDir();
    const r = await cliAsync(['demo', '--driver', driver, '--seconds', '2', '--agents', '3', '--tasks', '4'], { cwd });
    assert.is(r.code, 0, both(r));
    assert.match(r.stdout, /verdict: PASS/);
    // --driver on the command line is named as the source (it was reported as chosen "in code")
    assert.match(r.stdout, new RegExp(`driver\\s+${driver} \\(command line: --driver ${driver}\\)`));
    // each figure says what it means and whether it is within the library's promise
    assert.match(r.stdout, /lock waits .*\n\s+what: time from asking for a transaction/);
    assert.match(r.stdout, /promise: lock waits never block the event loop: ok, SQLite's own busy timeout read back as 0 ms in all 3 agents/);
    assert.match(r.stdout, /SQLITE_BUSY seen\s+0 \(promise: 0, .*\): ok/);
    assert.match(r.stdout, /event-loop stall\s+max [\d.]+ ms, p99 [\d.]+ ms in the worst agent process\n\s+what: the longest time an agent's event loop did not turn/);
    assert.match(r.stdout, /promise: none on statement time \(shown for information\); (lock waits of up to|no lock wait in this run)/);
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

});

// Bad arguments: exit 2 before any agent starts, with a message naming the flag, the value and
// what is accepted; never parseArgs' own text.
const args = suite('cli: demo arguments');
const BAD: [string[], RegExp][] = [
  [['--seconds', '-1'], /--seconds "-1" must be a number above 0 and at most 86400 \(how long the agents write, in seconds; default 8\)/],
  [['--seconds', '0'], /--seconds "0" must be a number above 0/],
  [['--seconds', 'soon'], /--seconds "soon" must be a number above 0/],
  [['--seconds'], /--seconds needs a value/],
  [['--agents', '0'], /--agents "0" must be a whole number from 1 to 64/],
  [['--agents', '2.5'], /--agents "2\.5" must be a whole number/],
  [['--agents', '1e1'], /--agents "1e1" must be a whole number/],
  [['--tasks', '1001'], /--tasks "1001" must be a whole number from 1 to 1000/],
  [['--think-ms', '-5'], /--think-ms "-5" must be a number from 0 to 60000/],
  [['--think-ms=0x10'], /--think-ms "0x10" must be a number/],
  [['--bogus', '1'], /unknown option "--bogus"; the options are --dsn, --driver, --agents, --tasks, --seconds, --think-ms/],
  [['--driver', 'sqlite4'], /--driver "sqlite4" is not one of the choices: native \(.*\), node \(.*\), wasm \(.*\), auto \(.*\), mixed \(/],
  [['--dsn', ':memory:'], /not a file database/],
  [['--dsn', 'x.db?_txlok=1'], /_txlok/],
];
args('bad values: exit 2 and a message naming the flag, the value and what is accepted', async () => {
  // The first case in a child process (the exit code and stderr of the real process), the rest
  // through the same main() in this process (see cliInProcess).
  for (const [i, [argv, message]] of BAD.entries()) {
    const r = i === 0 ? cli(['demo', ...argv], { cwd: tmpDir() }) : await cliInProcess(['demo', ...argv], { cwd: tmpDir() });
    assert.is(r.code, 2, `${argv.join(' ')}: ${both(r)}`);
    assert.match(r.stderr, message, argv.join(' '));
    assert.not.match(r.stderr, /ERR_PARSE_ARGS|argument is ambiguous|Did you forget|Unknown option '-/, argv.join(' '));
  }
});
args('--think-ms 0 and 0.0 are accepted (back to back), as are --seconds=2.5 forms', async () => {
  // a bad --dsn after the numbers stops the run before any agent starts: only the numbers are checked here
  for (const argv of [['--think-ms', '0'], ['--think-ms', '0.0'], ['--seconds=2.5']]) {
    const r = await cliInProcess(['demo', ...argv, '--dsn', ':memory:'], { cwd: tmpDir() });
    assert.match(r.stderr, /not a file database/, `${argv.join(' ')}: ${both(r)}`);
  }
});
args('--help, `dual-sqlite help` and the bad --driver error list every choice and every numeric flag', async () => {
  // The texts, through main() in this process: the bad-values case above runs a child process.
  const help = (await cliInProcess(['demo', '--help'])).stdout;
  const top = (await cliInProcess(['help'])).stdout;
  const bad = (await cliInProcess(['demo', '--driver', 'x'], { cwd: tmpDir() })).stderr;
  const values = DEMO_DRIVER_CHOICES.map((c) => c.value);
  assert.ok(values.includes('mixed'));
  assert.ok(DRIVER_CHOICES.every((c) => values.includes(c.value)), 'the demo offers every driver');
  for (const text of [help, top]) assert.ok(text.includes(`--driver ${values.join('|')}`), text);
  for (const c of DEMO_DRIVER_CHOICES) {
    assert.match(help, new RegExp(`^\\s+${c.value}\\s+\\S`, 'm'), `help explains ${c.value}`);
    assert.ok(bad.includes(`${c.value} (`), `the error lists ${c.value}: ${bad}`);
  }
  for (const f of Object.values(DEMO_NUMBERS)) {
    assert.match(help, new RegExp(`--${f.name}\\s.*\\(default ${f.fallback}\\)`), `help gives --${f.name}'s range and default`);
    assert.ok(top.includes(`[--${f.name} `), `dual-sqlite help lists --${f.name}`);
  }
});
args.run();

// Several drivers on one file at once, on the lock protocol they share: the guarantee users pick
// the library for. Runs only when the matrix includes native and wasm (and node for the third case).
const mixed = suite('cli: demo --driver mixed');
if (matrixDrivers().includes('native') && matrixDrivers().includes('wasm')) {
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
  if (matrixDrivers().includes('node')) {
    mixed('with node:sqlite here, the third agent is node: native, wasm and node agents all commit on one file', async () => {
      const cwd = tmpDir();
      const r = await cliAsync(['demo', '--driver', 'mixed', '--seconds', '2', '--agents', '3', '--tasks', '4'], { cwd });
      assert.is(r.code, 0, both(r));
      assert.match(r.stdout, /verdict: PASS/);
      assert.match(r.stdout, /agents take native, wasm, node in turn/);
      const perAgent = /per agent process\s+#0 native ([\d,]+), #1 wasm ([\d,]+), #2 node ([\d,]+)/.exec(r.stdout);
      assert.ok(perAgent, both(r));
      for (const n of perAgent!.slice(1)) assert.ok(Number(n!.replace(/,/g, '')) > 0, `every driver must have committed: ${perAgent![0]}`);
    });
  }
  mixed('mixed refuses a DSN with another lock protocol', async () => {
    // refused before any agent starts: through main() in this process (see cliInProcess)
    const r = await cliInProcess(['demo', '--driver', 'mixed', '--dsn', 'x.db?vfs=unix'], { cwd: tmpDir() });
    assert.is(r.code, 2, both(r));
    assert.match(r.stderr, /vfs=unix/);
  });
}
mixed.run();
