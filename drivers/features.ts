/**
 * Which optional SQLite features a driver's build has compiled in, found by trying each one
 * (`pragma compile_options` is not trusted: node-sqlite3-wasm's lists ENABLE_UPDATE_DELETE_LIMIT,
 * which its parser lacks). docs/drivers.md lists the result per driver; a test re-probes every
 * driver and fails when the list drifts.
 */
import { SqliteError } from './errors.js';
import type { Backend } from './types.js';

/** One optional feature and the statements that use it. */
export interface FeatureProbe {
  /** Stable name, the row key in docs/drivers.md. */
  readonly name: string;
  /** What the feature gives, for people. */
  readonly what: string;
  /** Run in order on a fresh connection; the feature is present when all succeed. */
  readonly sql: readonly string[];
}

/** The probes, in the order docs/drivers.md lists them. Every statement touches only `temp`. */
export const FEATURE_PROBES: readonly FeatureProbe[] = Object.freeze([
  { name: 'json', what: 'JSON functions (`json_extract`, `->>`, `json_each`, ...)', sql: [`select json_extract('{"a":1}', '$.a'), '{"a":1}' ->> 'a'`] },
  { name: 'jsonb', what: 'binary JSON (`jsonb()`, SQLite 3.45+)', sql: [`select jsonb('{}')`] },
  { name: 'math', what: 'math functions (`sqrt`, `ln`, `pow`, `pi`, ...)', sql: ['select sqrt(2), ln(2), pow(2, 3), pi()'] },
  { name: 'window', what: 'window functions', sql: ['select row_number() over ()'] },
  { name: 'fts5', what: 'full-text search, FTS5', sql: ['create virtual table temp.probe_fts5 using fts5(a)', 'drop table temp.probe_fts5'] },
  { name: 'fts4', what: 'full-text search, FTS4', sql: ['create virtual table temp.probe_fts4 using fts4(a)', 'drop table temp.probe_fts4'] },
  { name: 'fts3', what: 'full-text search, FTS3', sql: ['create virtual table temp.probe_fts3 using fts3(a)', 'drop table temp.probe_fts3'] },
  { name: 'rtree', what: 'R*Tree spatial index', sql: ['create virtual table temp.probe_rtree using rtree(id, x0, x1)', 'drop table temp.probe_rtree'] },
  { name: 'geopoly', what: 'Geopoly (polygons on R*Tree)', sql: ['create virtual table temp.probe_geopoly using geopoly()', 'drop table temp.probe_geopoly'] },
  { name: 'dbstat', what: 'the `dbstat` virtual table (space used per table and index)', sql: ['select count(*) from dbstat'] },
  { name: 'percentile', what: '`median()`, `percentile()` aggregates', sql: ['select median(1), percentile(1, 50)'] },
  { name: 'soundex', what: '`soundex()`', sql: [`select soundex('a')`] },
  { name: 'generate_series', what: 'the `generate_series` table-valued function', sql: ['select * from generate_series(1, 2)'] },
  {
    name: 'update-delete-limit',
    what: 'UPDATE/DELETE ... ORDER BY ... LIMIT in raw SQL (Kysely queries get it everywhere, see below)',
    sql: ['create table temp.probe_limit (x)', 'delete from temp.probe_limit order by x limit 1', 'drop table temp.probe_limit'],
  },
] satisfies FeatureProbe[]);

/** How SQLite says a feature is not compiled in (anything else is a real failure, thrown). */
const ABSENT = /no such (module|function|table)|syntax error/i;

/**
 * Runs every probe on `backend` (use a fresh `:memory:` connection: the probes create and drop
 * temp tables) and returns feature name -> present. Throws when a probe fails for another reason.
 */
export function probeFeatures(backend: Backend): Record<string, boolean> {
  const found: Record<string, boolean> = {};
  for (const probe of FEATURE_PROBES) found[probe.name] = runs(backend, probe);
  return found;
}

function runs(backend: Backend, probe: FeatureProbe): boolean {
  for (const sql of probe.sql) {
    try {
      backend.execute(sql, []);
    } catch (error) {
      if (error instanceof SqliteError && ABSENT.test(error.message)) return false;
      throw error;
    }
  }
  return true;
}
