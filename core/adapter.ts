import { SqliteAdapter } from 'kysely';

/**
 * Kysely's SQLite adapter, plus one answer: "multiple connections: yes". The driver serializes
 * access itself (one FIFO lock per file, shared by every dialect in the process). Kysely 0.29
 * would otherwise wrap the driver in its own per-instance mutex, and a misused outer `db` inside a
 * transaction callback would then hang on that mutex before the driver could detect the misuse;
 * it also would not serialize two Kysely instances on one file, which our lock does.
 */
export class DualSqliteAdapter extends SqliteAdapter {
  // kysely 0.29 declares this member (so its types require `override`), 0.28 does not (so its
  // types forbid it); the package builds against either.
  // @ts-ignore TS4114 with kysely 0.29 types
  get supportsMultipleConnections(): boolean {
    return true;
  }
}
