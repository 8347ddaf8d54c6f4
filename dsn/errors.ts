import { DualSqliteError } from './base-error.js';

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
 */
export type DsnErrorCode =
  | 'DSN_UNKNOWN_OPTION'
  | 'DSN_INVALID_VALUE'
  | 'DSN_CONFLICT'
  | 'DSN_UNSUPPORTED'
  | 'DSN_INVALID_URI'
  | 'DSN_INVALID_PATH';

/** Every {@link DsnErrorCode}, for exhaustive tests and docs. */
export const DSN_ERROR_CODES: readonly DsnErrorCode[] = Object.freeze([
  'DSN_UNKNOWN_OPTION',
  'DSN_INVALID_VALUE',
  'DSN_CONFLICT',
  'DSN_UNSUPPORTED',
  'DSN_INVALID_URI',
  'DSN_INVALID_PATH',
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
 * Copies `input` with every query value replaced by `***`, except the values of the query
 * segments whose positions (0-based, counting `&`-separated segments) are in `show`, and with any
 * fragment hidden. Works on the raw text so it can quote even a DSN that failed to lex.
 */
export function redactDsn(input: string, show: ReadonlySet<number> = new Set()): string {
  const q = input.indexOf('?');
  // In a file: URI a fragment may start before the query; in a plain path "#" is a file-name
  // character until the query begins.
  const hash = input.startsWith('file:') ? input.indexOf('#') : q < 0 ? -1 : input.indexOf('#', q);
  let body = hash < 0 ? input : input.slice(0, hash);
  // `file://user:password@host/...`: the user information is as secret as a query value.
  if (body.startsWith('file://')) body = body.replace(/^file:\/\/[^/?]*@/, 'file://***@');
  const tail = hash < 0 ? '' : '#***';
  const start = body.indexOf('?');
  if (start < 0) return body + tail;
  const segments = body
    .slice(start + 1)
    .split('&')
    .map((segment, i) => {
      const eq = segment.indexOf('=');
      return eq < 0 || show.has(i) ? segment : `${segment.slice(0, eq)}=***`;
    });
  return `${body.slice(0, start)}?${segments.join('&')}${tail}`;
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
}

/** Builds the {@link DsnError} for `complaint` about `input`. */
export function dsnError(input: string, complaint: Complaint): DsnError {
  const dsn = redactDsn(input, new Set(complaint.show ?? []));
  const accepted = complaint.accepted === undefined ? '' : ` Accepted: ${complaint.accepted}.`;
  // JSON quoting keeps control characters and quotes in the DSN visible and unambiguous.
  const message = `${complaint.problem} (DSN: ${JSON.stringify(dsn)}).${accepted} Fix: ${complaint.fix}`;
  const details: { option?: string; dsn: string } = { dsn };
  if (complaint.option !== undefined) details.option = complaint.option;
  return new DsnError(complaint.code, message, details);
}
