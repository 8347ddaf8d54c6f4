/**
 * `dual-sqlite copy-check <sqlite-dsn> <postgres-url>`: after pgloader copied a SQLite database
 * into PostgreSQL, compares the row count of every table (docs/postgres.md, "Moving the data").
 */
import { checkCopy } from '../postgres/copy-check.js';
import { EXIT, parse, UsageError } from './args.js';
import { println, type CliIo } from './io.js';

/** Help text of `dual-sqlite copy-check`. */
export const HELP = `dual-sqlite copy-check: check a copy of a SQLite database in PostgreSQL, table by table

Usage: dual-sqlite copy-check <sqlite-dsn> <postgres-url> [--schema public] [--json]

Counts the rows of every table of the SQLite database and of the table of the same name (compared
without case: pgloader lower-cases names) in the PostgreSQL schema (default public). Run it after
pgloader, while nothing writes the SQLite file. Values are not compared.
Exit code 0 when every table is there with the same number of rows, 1 otherwise, 2 for bad arguments.`;

/** `--json` is an option: main() prints this command's errors as JSON with it. */
export const JSON_FLAG = true;

/** Runs `copy-check`; returns the exit code. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('copy-check', args, { schema: { type: 'string' }, json: { type: 'boolean' } }, 2);
  const [sqliteDsn, postgresUrl] = positionals;
  if (sqliteDsn === undefined || postgresUrl === undefined) {
    throw new UsageError('copy-check: give the SQLite DSN and the PostgreSQL URL, e.g. dual-sqlite copy-check app.db "postgres://user@host/app".');
  }
  const result = await checkCopy(sqliteDsn, postgresUrl, values.schema === undefined ? {} : { schema: values.schema });
  if (values.json) println(io.stdout, JSON.stringify(result, null, 2));
  else {
    const w = Math.max(5, ...result.tables.map((t) => t.table.length));
    println(io.stdout, `${'table'.padEnd(w)}  ${'sqlite'.padStart(10)}  ${'postgres'.padStart(10)}`);
    for (const t of result.tables) {
      const pg = t.postgresRows === null ? `missing in ${result.schema}` : String(t.postgresRows);
      println(io.stdout, `${t.table.padEnd(w)}  ${String(t.sqliteRows).padStart(10)}  ${pg.padStart(10)}  ${t.match ? 'ok' : 'DIFFERENT'}`);
    }
    println(io.stdout, result.ok ? `copy-check: ok, ${result.tables.length} tables with equal row counts` : 'copy-check: FAIL, see the rows marked DIFFERENT');
  }
  return result.ok ? EXIT.OK : EXIT.PROBLEM;
}
