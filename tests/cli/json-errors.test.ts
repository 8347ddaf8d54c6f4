// `--json`: every command that takes it prints its errors as one JSON object on stdout
// ({ ok: false, code, message, ...details }) and exits non-zero; bad arguments included. Before,
// only backup and restore did: inspect, doctor and copy-check printed text. One table over the
// commands, per driver (the commands that open a file take --driver); the first row runs in a real
// child process, the rest through the same main() in this process (cliInProcess).
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { both, cli, cliInProcess } from './run-cli.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';

interface Row {
  readonly args: (dir: string, driver: string) => string[];
  readonly code: string;
  readonly exit: number;
  readonly says: RegExp;
}

const rows: Row[] = [
  { args: (_d, driver) => ['inspect', 'app.db?_txlok=immediate', '--driver', driver, '--json'], code: 'DSN_UNKNOWN_OPTION', exit: 2, says: /did you mean "_txlock"/i },
  { args: () => ['inspect', '--json'], code: 'CLI_USAGE', exit: 2, says: /missing <dsn>/ },
  { args: () => ['inspect', 'postgres://u:hunter2@h/db', '--driver', 'native', '--json'], code: 'CLI_USAGE', exit: 2, says: /--driver picks a SQLite binding/ },
  { args: (_d, driver) => ['doctor', ':memory:', '--driver', driver, '--json'], code: 'CLI_USAGE', exit: 2, says: /doctor examines database files/ },
  { args: (_d, driver) => ['doctor', 'mysql://u:hunter2@h/db', '--driver', driver, '--json'], code: 'DSN_UNSUPPORTED_SCHEME', exit: 2, says: /MySQL server URL/ },
  { args: () => ['doctor', 'a.db', '--bogus', '--json'], code: 'CLI_USAGE', exit: 2, says: /unknown option "--bogus"/ },
  { args: (d) => ['copy-check', join(d, 'a.db'), 'mysql://u:hunter2@h/db', '--json'], code: 'DSN_UNSUPPORTED_SCHEME', exit: 2, says: /not a PostgreSQL URL/ },
  { args: () => ['copy-check', '--json'], code: 'CLI_USAGE', exit: 2, says: /give the SQLite DSN and the PostgreSQL URL/ },
  { args: (d, driver) => ['backup', join(d, 'missing.db'), join(d, 'b.db'), '--driver', driver, '--json'], code: 'DATABASE_NOT_FOUND', exit: 1, says: /missing\.db/ },
  { args: () => ['backup', 'only-one.db', '--json'], code: 'CLI_USAGE', exit: 2, says: /give the database DSN and the destination/ },
  { args: (d, driver) => ['restore', join(d, 'no-backup.db'), join(d, 'a.db'), '--driver', driver, '--json'], code: 'BACKUP_NOT_FOUND', exit: 1, says: /there is no file at/ },
  { args: () => ['restore', '--recover', '--json'], code: 'CLI_USAGE', exit: 2, says: /takes one argument/ },
];

matrix('cli: --json errors', (test, driver) => {
  for (const [i, row] of rows.entries()) {
    const dir = tmpDir();
    const args = row.args(dir, driver);
    test(`${args.slice(0, 2).join(' ')} ... --json: ${row.code}, exit ${row.exit}`, async () => {
      const r = i === 0 && driver === 'native' ? cli(args, { cwd: dir }) : await cliInProcess(args, { cwd: dir });
      assert.is(r.code, row.exit, both(r));
      let body: { ok?: unknown; code?: unknown; message?: unknown } = {};
      assert.not.throws(() => (body = JSON.parse(r.stdout) as typeof body), `stdout is not one JSON object:\n${both(r)}`);
      assert.is(body.ok, false);
      assert.is(body.code, row.code, both(r));
      assert.match(String(body.message), row.says);
      assert.not.match(r.stdout + r.stderr, /hunter2/);
    });
  }
});
