/**
 * After moving a SQLite database into PostgreSQL (with pgloader, docs/postgres.md), checks the
 * copy: every SQLite table exists in PostgreSQL with the same number of rows. Row counts catch
 * the failures that matter in practice (a table pgloader skipped, rows it rejected for a type it
 * could not convert, a copy taken while writers were still running); it does not compare values.
 */
import { sql } from 'kysely';
import { createKysely } from '../core/create-kysely.js';
import { createPostgresKysely } from './create-kysely.js';

/** One SQLite table and its counterpart. */
export interface TableCount {
  /** The SQLite table name. */
  readonly table: string;
  /** The PostgreSQL table it was matched to (pgloader lower-cases names), or `null` when missing. */
  readonly postgresTable: string | null;
  readonly sqliteRows: number;
  /** `null` when the table is missing in PostgreSQL. */
  readonly postgresRows: number | null;
  readonly match: boolean;
}

/** The result of {@link checkCopy}. */
export interface CopyCheck {
  /** Every table matched with equal row counts. */
  readonly ok: boolean;
  readonly tables: readonly TableCount[];
  /** The PostgreSQL schema compared. */
  readonly schema: string;
}

/**
 * Counts the rows of every table of the SQLite database `sqliteDsn` (any SQLite DSN; opened like
 * every other, with this library's locking) and of the table of the same name (compared without
 * case) in `schema` (default `public`) of the PostgreSQL database `postgresUrl`.
 *
 * @throws DsnError for a bad DSN; the errors of either engine when it cannot be read.
 */
export async function checkCopy(sqliteDsn: string, postgresUrl: string, options: { schema?: string } = {}): Promise<CopyCheck> {
  const schema = options.schema ?? 'public';
  const lite = createKysely<any>(sqliteDsn);
  const pg = createPostgresKysely<any>(postgresUrl, {});
  try {
    const names = (await sql<{ name: string }>`select name from sqlite_schema where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`.execute(lite)).rows.map((r) => r.name);
    const pgTables = (await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${schema} and table_type = 'BASE TABLE'`.execute(pg)).rows.map((r) => r.table_name);
    const tables: TableCount[] = [];
    for (const table of names) {
      const sqliteRows = Number((await sql<{ n: number }>`select count(*) as n from ${sql.id(table)}`.execute(lite)).rows[0]!.n);
      const postgresTable = pgTables.find((t) => t === table) ?? pgTables.find((t) => t.toLowerCase() === table.toLowerCase()) ?? null;
      const postgresRows = postgresTable === null ? null : Number((await sql<{ n: string }>`select count(*) as n from ${sql.id(schema, postgresTable)}`.execute(pg)).rows[0]!.n);
      tables.push(Object.freeze({ table, postgresTable, sqliteRows, postgresRows, match: postgresRows === sqliteRows }));
    }
    return Object.freeze({ ok: tables.every((t) => t.match), tables: Object.freeze(tables), schema });
  } finally {
    await lite.destroy();
    await pg.destroy();
  }
}
