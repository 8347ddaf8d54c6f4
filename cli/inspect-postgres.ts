/**
 * `dual-sqlite inspect postgres://...`: the same explanation for a PostgreSQL DSN, without
 * connecting: the canonical form (password as `***`), where it connects, and every allow-listed
 * key with its value or what happens when it is not set. Nothing of SQLite (driver, locking).
 */
import { formatPostgresDsn, parsePostgresDsn, POSTGRES_DSN_OPTIONS, type PostgresTarget } from '../dsn/index.js';
import { println, type CliIo } from './io.js';

/** One key of the allow-list as `inspect` reports it. */
export interface PostgresInspectedSetting {
  readonly key: string;
  /** The canonical value, or `null` when the DSN does not set it. */
  readonly value: string | null;
  /** What happens when it is not set. */
  readonly unset: string;
  readonly target: PostgresTarget;
  /** Whether the value is read back after connecting. */
  readonly readBack: boolean;
  readonly description: string;
}

/** The machine-readable result of `inspect --json` for a PostgreSQL DSN. */
export interface PostgresInspectReport {
  readonly engine: 'postgres';
  /**
   * The input as the canonical form with the input's own scheme (`postgresql://` stays so): user
   * information as `***` (never the password).
   */
  readonly input: string;
  readonly canonical: string;
  readonly server: { readonly host: string; readonly port: number; readonly database: string | null; readonly user: 'set' | 'not set'; readonly password: 'set' | 'not set' };
  readonly settings: readonly PostgresInspectedSetting[];
}

/** Builds the report (throws `DsnError` for an invalid DSN). */
export function inspectPostgres(input: string): PostgresInspectReport {
  const config = parsePostgresDsn(input);
  const canonical = formatPostgresDsn(config);
  return {
    engine: 'postgres',
    input: `${/^\s*([^:]+):/.exec(input)![1]}${canonical.slice(canonical.indexOf(':'))}`,
    canonical,
    server: {
      host: config.host,
      port: config.port,
      database: config.database ?? null,
      user: config.user === undefined ? 'not set' : 'set',
      password: config.password ? 'set' : 'not set',
    },
    settings: POSTGRES_DSN_OPTIONS.map((o) => ({
      key: o.key,
      value: config.settings[o.key] === undefined ? null : o.type.format(config.settings[o.key]),
      unset: o.unset,
      target: o.target,
      readBack: o.show !== undefined,
      description: o.description,
    })),
  };
}

/** Prints `report` for people. */
export function printPostgresReport(r: PostgresInspectReport, io: CliIo): void {
  const out = (s = ''): void => println(io.stdout, s);
  out(`canonical   ${r.canonical}`);
  out(`engine      PostgreSQL (Kysely's PostgresDialect over pg; connects on the first query)`);
  out(`server      ${r.server.host}:${r.server.port}, database ${r.server.database ?? "(the user's name: PostgreSQL's default)"}, user ${r.server.user === 'set' ? 'set (not shown)' : "not set (pg's default: PGUSER or the OS user)"}, password ${r.server.password}`);
  out();
  out('settings (* = set by this DSN; r = read back after connecting):');
  const w = Math.max(...r.settings.map((s) => s.key.length));
  for (const s of r.settings) {
    out(`  ${s.value === null ? ' ' : '*'}${s.readBack ? 'r' : ' '} ${s.key.padEnd(w)}  ${s.value ?? `not set: ${s.unset}`}`);
  }
}
