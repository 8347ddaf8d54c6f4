/**
 * `PRAGMA integrity_check`, with a progress indicator on large files.
 *
 * Neither driver exposes SQLite's progress handler, and one `PRAGMA integrity_check` is one
 * blocking call, so progress cannot be measured inside it. On a large file (or with
 * `--progress`) the check runs table by table instead (`PRAGMA integrity_check(<table>)` checks
 * the table's b-tree and every index on it), and the indicator counts TABLES CHECKED, not bytes or
 * pages: one big table holds the line still while it is checked. What the per-table mode does
 * not do is the whole-file accounting (freelist, pages used twice or never): the report says so.
 */
import type { Backend } from '../../drivers/types.js';
import { ProgressLine } from '../progress.js';
import { check, type CheckResult } from './report.js';

/** Files from this size up get the per-table check with progress. */
export const LARGE_FILE_BYTES = 64 * 1024 * 1024;

/** Runs one statement, returning the first column of every row as text. */
export type Query = (sql: string) => string[];

/** Options of {@link checkIntegrity}. */
export interface IntegrityOptions {
  readonly fileSize: number;
  /** Force the per-table mode with progress. */
  readonly progress: boolean;
  readonly stderr: NodeJS.WriteStream;
}

const quote = (name: string): string => `'${name.replace(/'/g, "''")}'`;

/**
 * Checks the whole database; problems are listed (at most 20) in the result. A file so damaged
 * that the check itself fails (SQLITE_CORRUPT while reading the schema) is a failed check too.
 */
export async function checkIntegrity(query: Query, options: IntegrityOptions): Promise<CheckResult> {
  try {
    return await runIntegrity(query, options);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return verdictOf('integrity_check', [`the check itself failed: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}`], 'aborted');
  }
}

async function runIntegrity(query: Query, options: IntegrityOptions): Promise<CheckResult> {
  const title = 'integrity_check';
  const perTable = options.progress || options.fileSize >= LARGE_FILE_BYTES;
  if (!perTable) {
    const rows = query('pragma integrity_check');
    return verdictOf(title, rows, 'whole file (every b-tree, index contents, freelist and page accounting)');
  }
  const tables = query("select name from sqlite_schema where type = 'table' order by name");
  const all = ['sqlite_schema', ...tables];
  const line = new ProgressLine(options.stderr, { plainIntervalMs: 2000 });
  const problems: string[] = [];
  const started = Date.now();
  for (let i = 0; i < all.length; i++) {
    const name = all[i]!;
    line.update(`integrity_check: table ${i + 1}/${all.length} (${name}), ${((Date.now() - started) / 1000).toFixed(0)} s elapsed`);
    // Yield so the line reaches the terminal before the next blocking pragma.
    await new Promise((resolve) => setImmediate(resolve));
    const rows = query(`pragma integrity_check(${quote(name)})`);
    if (!(rows.length === 1 && rows[0] === 'ok')) problems.push(...rows.map((r) => `${name}: ${r}`));
  }
  line.done(`integrity_check: ${all.length}/${all.length} tables checked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return verdictOf(
    title,
    problems.length === 0 ? ['ok'] : problems,
    `table by table, ${all.length} tables with their indexes (progress counted in tables; ` +
      'the freelist and unused-page accounting of a whole-file check are not covered in this mode)',
  );
}

function verdictOf(title: string, rows: string[], scope: string): CheckResult {
  if (rows.length === 1 && rows[0] === 'ok') return check('integrity', title, 'ok', `ok: ${scope}`, { data: { scope } });
  return check('integrity', title, 'fail', `${rows.length} problem(s) found (${scope}): ${rows.slice(0, 20).join('; ')}`, {
    fix: 'restore from a backup, or salvage the data with the sqlite3 shell: sqlite3 broken.db .recover | sqlite3 repaired.db',
    data: { scope, problems: rows.slice(0, 200) },
  });
}

/** `PRAGMA foreign_key_check`: rows that break a foreign key (data damage, not file damage). */
export function checkForeignKeys(query: (sql: string) => Record<string, unknown>[]): CheckResult {
  const rows = query('pragma foreign_key_check');
  if (rows.length === 0) return check('foreign-keys', 'foreign_key_check', 'ok', 'no row breaks a foreign key');
  const sample = rows.slice(0, 5).map((r) => `${r.table} rowid ${r.rowid} -> ${r.parent}`);
  return check('foreign-keys', 'foreign_key_check', 'warn', `${rows.length} row(s) break a foreign key, e.g. ${sample.join('; ')}`, {
    fix: 'the file is intact but the data is inconsistent: fix or delete those rows (they were written with foreign_keys off)',
    data: { violations: rows.length },
  });
}

/** A {@link Query} over a backend. */
export function queryOf(backend: Backend): Query {
  return (sql) => backend.execute(sql, []).rows.map((r) => String(Object.values(r)[0]));
}
