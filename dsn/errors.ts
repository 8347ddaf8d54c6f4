import { DualSqliteError } from './base-error.js';
import { findOptionByKey, findOptionByPragma } from './registry.js';

/**
 * Machine-readable reasons a DSN is rejected.
 *
 * - `DSN_UNKNOWN_OPTION`: a query key that no registry entry knows (typo, wrong case).
 * - `DSN_INVALID_VALUE`: a known key with a value outside what it accepts.
 * - `DSN_CONFLICT`: two settings that contradict each other (same setting twice with different
 *   values, or a combination such as `mode=ro` on a memory database).
 * - `DSN_UNSUPPORTED`: a key or value that is understood but deliberately not supported here
 *   (Go-only keys, `cache=shared`, a pragma outside the allow-list).
 * - `DSN_INVALID_URI`: the `file:` URI structure itself is wrong (authority, port, user,
 *   fragment, bad `%` escape).
 * - `DSN_INVALID_PATH`: the path cannot be used as written (`~` not expanded, control
 *   characters, text that is not valid Unicode).
 * - `DSN_UNSUPPORTED_SCHEME`: the DSN is a URL of another database or service (`postgres://`,
 *   `mysql://`, `libsql://`, `sqlite://`, ...), not a SQLite file.
 */
export type DsnErrorCode =
  | 'DSN_UNKNOWN_OPTION'
  | 'DSN_INVALID_VALUE'
  | 'DSN_CONFLICT'
  | 'DSN_UNSUPPORTED'
  | 'DSN_INVALID_URI'
  | 'DSN_INVALID_PATH'
  | 'DSN_UNSUPPORTED_SCHEME';

/** Every {@link DsnErrorCode}, for exhaustive tests and docs. */
export const DSN_ERROR_CODES: readonly DsnErrorCode[] = Object.freeze([
  'DSN_UNKNOWN_OPTION',
  'DSN_INVALID_VALUE',
  'DSN_CONFLICT',
  'DSN_UNSUPPORTED',
  'DSN_INVALID_URI',
  'DSN_INVALID_PATH',
  'DSN_UNSUPPORTED_SCHEME',
]);

/**
 * Thrown by `parseDsn`, `normalizeDsn` and `formatDsn` for any input they reject. The message
 * quotes the DSN with every query value replaced by `***` except the offending one, because a DSN
 * may carry secrets (a password, a key) in schemes added later.
 */
export class DsnError extends DualSqliteError {
  declare readonly code: DsnErrorCode;
  /** The query key the error is about (as written in the DSN), when there is one. */
  readonly option: string | undefined;
  /** The DSN as quoted in the message: query values redacted except the offending ones. */
  readonly dsn: string;

  constructor(
    code: DsnErrorCode,
    message: string,
    details: { option?: string; dsn?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.option = details.option;
    this.dsn = details.dsn ?? '';
  }
}

/**
 * Names that mark a value as a secret wherever it appears (`password`, `pwd`, `authToken`,
 * `auth_token`, `token`, `key`, `hexkey`, `textkey`, `secret`, `sslpassword`, ...). Registry keys
 * and pragmas (`_foreign_keys`) are never secrets: their values are settings.
 */
const SECRET_NAME = /pass|pwd|secret|token|key|auth|cred|cookie|session|sig|salt|private/i;

/** True when the value of query key `key` (or of `_pragma` name `key`) must never be quoted. */
export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key) && findOptionByKey(key) === undefined && findOptionByPragma(key) === undefined;
}

/** True when a `_pragma` value names a secret-looking pragma (`key(...)`, `hexkey=...`). */
export function isSecretPragma(value: string): boolean {
  const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(value)?.[1];
  return name !== undefined && isSecretName(name);
}

/**
 * Copies `input` with every query value replaced by `***`, except the values of the query
 * segments whose positions (0-based, counting `&`-separated segments) are in `show` (or all of
 * them for `'all'`); a secret-looking key's value is hidden even then. URL user information
 * (`scheme://user:password@`) and any fragment are hidden too. Works on the raw text so it can
 * quote even a DSN that failed to lex.
 */
export function redactDsn(input: string, show: ReadonlySet<number> | 'all' = new Set()): string {
  const q = input.indexOf('?');
  // In a file: URI a fragment may start before the query; in a plain path "#" is a file-name
  // character until the query begins.
  const hash = input.startsWith('file:') ? input.indexOf('#') : q < 0 ? -1 : input.indexOf('#', q);
  let body = hash < 0 ? input : input.slice(0, hash);
  // `scheme://user:password@host/...`: the user information is as secret as a query value.
  body = body.replace(/^(\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
  const tail = hash < 0 ? '' : '#***';
  const start = body.indexOf('?');
  if (start < 0) return body + tail;
  const segments = body
    .slice(start + 1)
    .split('&')
    .map((segment, i) => {
      const eq = segment.indexOf('=');
      if (eq < 0) return segment;
      const key = segment.slice(0, eq);
      const value = segment.slice(eq + 1);
      const secret = isSecretName(safeDecode(key)) || (safeDecode(key) === '_pragma' && isSecretPragma(safeDecode(value)));
      return !secret && (show === 'all' || show.has(i)) ? segment : `${key}=***`;
    });
  return `${body.slice(0, start)}?${segments.join('&')}${tail}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What a rejection says, assembled into one message of a fixed shape. */
export interface Complaint {
  readonly code: DsnErrorCode;
  /** The query key, as written. */
  readonly option?: string;
  /** Query segment positions whose values may be quoted (the offending ones). */
  readonly show?: readonly number[];
  /** What is wrong, naming the bad value. */
  readonly problem: string;
  /** What is accepted instead. */
  readonly accepted?: string;
  /** How to fix it. */
  readonly fix: string;
  /** The DSN as the message quotes it, instead of the redacted input (for foreign URLs). */
  readonly quote?: string;
}

/** Builds the {@link DsnError} for `complaint` about `input`. */
export function dsnError(input: string, complaint: Complaint): DsnError {
  const dsn = complaint.quote ?? redactDsn(input, new Set(complaint.show ?? []));
  const accepted = complaint.accepted === undefined ? '' : ` Accepted: ${complaint.accepted}.`;
  // JSON quoting keeps control characters and quotes in the DSN visible and unambiguous.
  const message = `${complaint.problem} (DSN: ${JSON.stringify(dsn)}).${accepted} Fix: ${complaint.fix}`;
  const details: { option?: string; dsn: string } = { dsn };
  if (complaint.option !== undefined) details.option = complaint.option;
  return new DsnError(complaint.code, message, details);
}
