/**
 * The DSN layer: pure parsing, validation and canonical formatting of SQLite connection strings.
 * No I/O, nothing about drivers.
 */
export type * from './types.js';
export { DRIVER_NAMES, DRIVER_CHOICES } from './types.js';
export { DsnError, DSN_ERROR_CODES, type DsnErrorCode } from './errors.js';
export { parseDsn, formatDsn, normalizeDsn, type ParseDsnOptions } from './parse.js';
export { classifyDsn, FOREIGN_SCHEMES, type DsnKind, type ForeignScheme } from './scheme.js';
export {
  DSN_OPTIONS,
  DSN_UNSUPPORTED_KEYS,
  DSN_ACCEPTED_KEYS,
  DSN_ACCEPTED_PRAGMAS,
  DSN_REFUSED_PRAGMAS,
  type RefusedPragma,
  type DsnOption,
  type DsnTarget,
  type DsnEquivalents,
  type UnsupportedKey,
} from './registry.js';
export type { ValueType } from './values.js';
export { lexDsn, type DsnRecord, type DsnParam } from './lexer.js';
export { encodePath as encodeDsnPath } from './format.js';
export { renderDsnOptionTable } from './doc-table.js';
export { GO_DIFFERENCES, GO_DRIVER_NAMES, goNotes, type GoDifference, type GoDriver, type GoDsnView, type GoNote } from './go-drivers.js';
export { parsePostgresDsn, formatPostgresDsn, isPostgresDsn, Secret, type PostgresDsnConfig, type PostgresSettings } from './postgres.js';
export { POSTGRES_DSN_OPTIONS, POSTGRES_ACCEPTED_KEYS, POSTGRES_URL_KEYS, renderPostgresOptionTable, type PostgresDsnOption, type PostgresTarget } from './postgres-registry.js';
export { filePathProblem, refusePostgresDsn } from './scheme.js';
