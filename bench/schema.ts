/**
 * The benchmark database: one schema and one deterministic data set, built once with the native
 * driver and copied for each contender so every contender starts from byte-identical files and
 * no two contenders (or lock protocols) ever touch the same file.
 */
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Generated } from 'kysely';

const require = createRequire(import.meta.url);

/** Rows in `items`, the table the point SELECTs read. */
export const ITEM_ROWS = 10_000;

/** Kysely table types of the benchmark schema. */
export interface BenchDB {
  items: { id: number; name: string; price: number; qty: number; created_at: string };
  events: { id: Generated<number>; item_id: number; kind: string; at: number };
  counters: { id: number; n: number };
}

/** The schema's statements (the in-memory rows create it too). */
export const SCHEMA = [
  `create table items (id integer primary key, name text not null, price real not null,
     qty integer not null, created_at text not null)`,
  `create table events (id integer primary key, item_id integer not null, kind text not null,
     at integer not null)`,
  `create table counters (id integer primary key, n integer not null)`,
  `insert into counters (id, n) values (1, 0)`,
];

/** Writes the template database (schema + {@link ITEM_ROWS} items) to `file`. */
export function createTemplate(file: string): void {
  const Database = require('better-sqlite3');
  const db = new Database(file);
  try {
    for (const sql of SCHEMA) db.exec(sql);
    const insert = db.prepare('insert into items (id, name, price, qty, created_at) values (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= ITEM_ROWS; id++) {
        insert.run(id, `item-${id}`, (id % 997) / 10, id % 50, '2026-01-01T00:00:00.000Z');
      }
    })();
  } finally {
    db.close();
  }
}

/** Copies the template to a contender's own file (the template is closed, journal mode delete). */
export function copyTemplate(template: string, file: string): string {
  copyFileSync(template, file);
  return file;
}
