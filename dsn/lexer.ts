import { dsnError, isSecretName } from './errors.js';
import { classifyDsn, refuseConnectionString, refuseForeignDsn, refusePostgresDsn } from './scheme.js';

/**
 * The pure first step of parsing: splits a DSN into where (the path text) and how (the list of
 * key/value pairs) without knowing any option. Like libsql-client-ts's `expandConfig`, it returns
 * plain records; the registry-driven resolve step gives them meaning.
 */

/** One `key=value` segment of the query. */
export interface DsnParam {
  /** Key after `%HH` decoding; compared case-sensitively. */
  readonly key: string;
  /** Value after `%HH` decoding; `undefined` when the segment has no `=`. */
  readonly value: string | undefined;
  /** Position of the segment among the `&`-separated segments (for redaction). */
  readonly index: number;
}

/** A DSN split into its parts. */
export interface DsnRecord {
  readonly input: string;
  /** `plain`: a filesystem path, not decoded. `uri`: a `file:` URI, path `%HH`-decoded. */
  readonly form: 'plain' | 'uri';
  /** The path text: `''` for a temporary database, `:memory:` for a private memory one. */
  readonly path: string;
  readonly params: readonly DsnParam[];
}

/**
 * Splits `input` into a {@link DsnRecord}; throws `DsnError` when the structure is invalid or the
 * DSN is a URL of another database (`postgres://...`, see scheme.ts).
 */
export function lexDsn(input: string): DsnRecord {
  const kind = classifyDsn(input);
  if (kind.kind === 'foreign') throw refuseForeignDsn(input, kind);
  if (kind.kind === 'postgres') throw refusePostgresDsn(input, kind);
  if (kind.kind === 'connection-string') throw refuseConnectionString(input, kind);
  if (input.startsWith('file:')) return lexUri(input);
  const q = input.indexOf('?');
  const path = q < 0 ? input : input.slice(0, q);
  checkPathText(input, path, 'path');
  const params = q < 0 ? [] : lexQuery(input, input.slice(q + 1));
  return Object.freeze({ input, form: 'plain', path, params });
}

function lexUri(input: string): DsnRecord {
  const hash = input.indexOf('#');
  if (hash >= 0) {
    throw dsnError(input, {
      code: 'DSN_INVALID_URI',
      problem: `The file: URI contains "#" at offset ${hash}; SQLite ends the file name and the options there (a URI fragment), so it would open a different file`,
      fix: 'remove the fragment, or write a "#" that belongs to the file name as %23.',
    });
  }
  const q = input.indexOf('?');
  let rawPath = q < 0 ? input.slice(5) : input.slice(5, q);
  if (rawPath.startsWith('//')) rawPath = stripAuthority(input, rawPath);
  const path = decode(input, rawPath, 'path');
  // `file:mysql://admin:pw@host/app` is a server URL behind a prefix, not a folder "mysql:".
  const inner = classifyDsn(path);
  if (inner.kind === 'foreign' && inner.hasAuthority) throw refuseForeignDsn(input, inner, 'file:');
  if (inner.kind === 'postgres') throw refuseForeignDsn(input, { kind: 'foreign', scheme: inner.scheme, hasAuthority: true }, 'file:');
  checkPathText(input, path, 'path');
  const params = q < 0 ? [] : lexQuery(input, input.slice(q + 1));
  return Object.freeze({ input, form: 'uri', path, params });
}

/** `file://HOST/path`: only an empty host or `localhost` names this machine. */
function stripAuthority(input: string, rawPath: string): string {
  const slash = rawPath.indexOf('/', 2);
  const authority = slash < 0 ? rawPath.slice(2) : rawPath.slice(2, slash);
  const rest = slash < 0 ? '' : rawPath.slice(slash);
  if (authority === '' || authority.toLowerCase() === 'localhost') return rest;
  // User info may hold a password: it is named, never quoted.
  const what = authority.includes('@')
    ? 'user information ("...@")'
    : authority.includes(':')
      ? `a port ("${authority}")`
      : `the host "${authority}"`;
  throw dsnError(input, {
    code: 'DSN_INVALID_URI',
    problem: `The file: URI names ${what} in its authority; SQLite opens local files only`,
    accepted: 'file:///abs/path, file://localhost/abs/path, file:/abs/path, file:relative/path',
    fix: authority.includes('@') || authority.includes(':')
      ? 'remove the authority and write file:/abs/path.'
      : `for a relative path write file:${authority}${rest}; for an absolute one file:///${authority}${rest}.`,
  });
}

/** Splits `query` on `&` and the first `=`, `%HH`-decoding keys and values. */
function lexQuery(input: string, query: string): DsnParam[] {
  const params: DsnParam[] = [];
  const hash = query.indexOf('#');
  if (hash >= 0) {
    throw dsnError(input, {
      code: 'DSN_INVALID_URI',
      problem: 'The query contains "#", which SQLite and URI parsers treat as the start of a fragment',
      fix: 'remove it, or write a "#" that belongs to a value as %23.',
    });
  }
  query.split('&').forEach((segment, index) => {
    if (segment === '') return; // `a=1&&b=2` or a trailing `&`: nothing is lost.
    const eq = segment.indexOf('=');
    const rawKey = eq < 0 ? segment : segment.slice(0, eq);
    const key = decode(input, rawKey, 'key', index);
    if (key === '') {
      throw dsnError(input, {
        code: 'DSN_INVALID_URI',
        show: [index],
        problem: `Query segment ${index + 1} ("${segment}") has an empty option name`,
        fix: 'write key=value pairs separated by "&".',
      });
    }
    const value = eq < 0 ? undefined : decode(input, segment.slice(eq + 1), 'value', index, key);
    params.push(Object.freeze({ key, value, index }));
  });
  return Object.freeze(params) as DsnParam[];
}

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** `%HH` decoding (UTF-8), nothing else: `+` stays `+` as in SQLite. */
function decode(input: string, text: string, part: 'path' | 'key' | 'value', index?: number, key?: string): string {
  const show = index === undefined || part === 'key' ? [] : [index];
  const bad = BAD_ESCAPE.exec(text);
  let problem: string | undefined;
  // The bytes around a bad escape in a secret's value are part of the secret.
  const snippet = key !== undefined && isSecretName(key) ? '' : ` ("${text.slice(bad?.index, (bad?.index ?? 0) + 3)}")`;
  if (bad) problem = `The ${describe(part, key)} contains "%" not followed by two hex digits${snippet}`;
  else if (text.includes('%')) {
    try {
      return decodeURIComponent(text);
    } catch {
      problem = `The ${describe(part, key)} has %HH escapes that are not valid UTF-8`;
    }
  } else return text;
  const complaint = {
    code: 'DSN_INVALID_URI' as const,
    show,
    problem,
    fix: 'write a literal "%" as %25 and encode other bytes as UTF-8 %HH sequences.',
  };
  throw dsnError(input, key === undefined ? complaint : { ...complaint, option: key });
}

function describe(part: 'path' | 'key' | 'value', key: string | undefined): string {
  if (part === 'value') return `value of "${key}"`;
  return part === 'key' ? 'option name' : 'path';
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A path (or a path-valued option) that SQLite would silently truncate or that cannot be encoded.
 * Control characters are almost always a copy-paste accident (a trailing newline from a file).
 */
export function checkPathText(input: string, text: string, what: string, option?: string, index?: number): void {
  const control = CONTROL.exec(text);
  const base = { code: 'DSN_INVALID_PATH' as const, show: index === undefined ? [] : [index] };
  const withOption = option === undefined ? base : { ...base, option };
  if (control) {
    const cp = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw dsnError(input, {
      ...withOption,
      problem: `The ${what} contains the control character U+${cp} at offset ${control.index}${cp === '0000' ? ' (SQLite would cut the name there)' : ''}`,
      fix: 'remove it (a trailing newline from a config file is the usual cause).',
    });
  }
  if (LONE_SURROGATE.test(text)) {
    throw dsnError(input, {
      ...withOption,
      problem: `The ${what} is not valid Unicode (it contains a lone UTF-16 surrogate)`,
      fix: 'pass the path as a well-formed string.',
    });
  }
}
