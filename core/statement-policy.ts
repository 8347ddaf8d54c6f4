/**
 * Statements the dialect refuses because their effect would contradict the transaction or the DSN
 * they run under: transaction control sent as raw SQL inside a transaction, statements SQLite
 * cannot run (or silently ignores) inside a transaction, and journal-mode changes anywhere.
 *
 * The check runs on user SQL only: the dialect's own BEGIN/COMMIT/SAVEPOINT statements are marked
 * in control.ts and pass untouched, although they run through the same `executeQuery`.
 */
import type { CompiledQuery } from 'kysely';
import { classifyStatement, mayNeedClassifying, scanSql } from '../drivers/sql-scan.js';
import { isControlQuery } from './control.js';
import { JournalModeChangeError, RawTransactionControlError, StatementInTransactionError } from './errors.js';

/** True for the dialect's own statements (control.ts): never refused. */
export function isOwn(query: CompiledQuery): boolean {
  return isControlQuery(query);
}

/**
 * Throws when user SQL must not run here (see the file comment); returns otherwise. Cheap for the
 * statements Kysely builds (one look at the first character), a scan only for the few verbs that
 * can be refused.
 */
export function checkUserStatement(query: CompiledQuery, inTransaction: boolean): void {
  const sql = query.sql;
  if (!mayNeedClassifying(sql) || isControlQuery(query)) return;
  const what = classifyStatement(scanSql(sql));
  switch (what.kind) {
    case 'pragma-set':
      if (what.name === 'journal_mode') throw new JournalModeChangeError(sql);
      if (inTransaction && what.name === 'foreign_keys') {
        throw new StatementInTransactionError(
          sql,
          'SQLite ignores a change of foreign_keys inside a transaction without an error, so the statements after it would still run with the old setting',
          'to rebuild a table inside a migration, run "PRAGMA defer_foreign_keys = ON" first (checks wait until COMMIT), copy the rows aside, ' +
            'drop and re-create the table under its own name, copy the rows back and check with "PRAGMA foreign_key_check" ' +
            '(docs/migrations.md shows it); to change the setting of the connection, set _foreign_keys in the DSN',
        );
      }
      return;
    case 'vacuum':
      if (!inTransaction) return;
      throw new StatementInTransactionError(
        sql,
        'SQLite cannot VACUUM inside a transaction',
        'run it on its own, outside any transaction and outside migrations (e.g. sql`vacuum`.execute(db) in a maintenance step)',
      );
    case 'transaction-control':
      if (inTransaction) throw new RawTransactionControlError(sql, what.verb);
      return;
    default:
      return;
  }
}
