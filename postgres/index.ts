/** The PostgreSQL engine (issue 18): the dialect `createKysely('postgres://...')` builds, and its errors. */
export { PostgresDsnDialect, type PostgresDsnDialectConfig } from './dialect.js';
export { createPostgresKysely, POSTGRES_KYSELY_OPTIONS, type PostgresKyselyOptions } from './create-kysely.js';
export { PostgresError, PgUnavailableError, PgConnectError, PostgresSettingError, postgresErrorKind, pgConnectKind, PG_CONNECT_KINDS, type PgConnectKind } from './errors.js';
export { checkCopy, type CopyCheck, type TableCount } from './copy-check.js';
