/**
 * After connecting, the server settings the DSN asked for are read back: a pooler that drops
 * startup parameters, or a server-side policy (a login event trigger, a setting forced by an
 * extension), would otherwise leave the application running with settings it never asked for,
 * without a word.
 */
import type { PostgresDsnConfig } from '../dsn/postgres.js';
import { POSTGRES_DSN_OPTIONS } from '../dsn/postgres-registry.js';
import { PostgresSettingError } from './errors.js';

/** Runs one query on the new connection. */
export type RunQuery = (sql: string, parameters: unknown[]) => Promise<{ rows: Array<{ name: string; setting: string }> }>;

/**
 * Reads `pg_settings` (the values `SHOW` shows, in their base unit: milliseconds for the
 * timeouts) for every server setting of the DSN; throws `SETTING_NOT_APPLIED` on a mismatch.
 */
export async function readBackSettings(query: RunQuery, dsn: PostgresDsnConfig): Promise<void> {
  const wanted = POSTGRES_DSN_OPTIONS.filter((o) => o.target === 'server' && o.show !== undefined && dsn.settings[o.key] !== undefined);
  if (wanted.length === 0) return;
  const { rows } = await query('select name, setting from pg_settings where name = any($1)', [wanted.map((o) => o.show!)]);
  const actual = new Map(rows.map((r) => [r.name, r.setting]));
  for (const o of wanted) {
    const want = String(dsn.settings[o.key]);
    const got = actual.get(o.show!) ?? '(not reported)';
    if (got !== want) throw new PostgresSettingError(o.show!, want, got);
  }
}
