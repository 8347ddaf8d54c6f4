import type { TextEncoding } from './types.js';

/**
 * Value types of the option registry: each turns the (already lowercased) text of a value into
 * a typed value, and back into its one canonical spelling.
 */

/** A value that is understood but refused, with the code and reason to report. */
export class Rejection {
  constructor(
    readonly code: 'DSN_INVALID_VALUE' | 'DSN_UNSUPPORTED' | 'DSN_INVALID_PATH',
    readonly reason: string,
    readonly fix?: string,
  ) {}
}

/** What a value parser may look at besides the text. */
export interface ValueContext {
  /** Absolute directory that relative paths are resolved against. */
  readonly cwd: string;
  readonly resolvePath: (cwd: string, path: string) => string;
}

/** How one option's values are read and written. */
export interface ValueType<T> {
  /** Human description of the accepted values, used in errors and docs. */
  readonly accepts: string;
  /** Values keep their case (paths); otherwise the text arrives lowercased. */
  readonly caseSensitive?: boolean;
  /** The typed value, `undefined` for a plain "not accepted", or a {@link Rejection}. */
  parse(text: string, ctx: ValueContext): T | Rejection | undefined;
  /** The canonical spelling of `value` (lowercase). */
  format(value: T): string;
}

const INTEGER = /^[+-]?[0-9]+$/;

/** Integer in `[min, max]`; leading zeros and `+` are accepted, `-0` is `0`. */
export function integer(min: number, max: number, accepts?: string): ValueType<number> {
  return {
    accepts: accepts ?? `an integer from ${min} to ${max}`,
    parse(text) {
      if (!INTEGER.test(text)) return undefined;
      const n = Number(text) + 0;
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
    },
    format: (n) => String(n),
  };
}

/**
 * `_busy_timeout`: milliseconds from 0. A negative value is refused with what SQLite would do
 * with it (treat it as 0: no waiting), since mattn/go-sqlite3 hands any integer to SQLite.
 */
export const busyTimeout: ValueType<number> = {
  accepts: 'an integer number of milliseconds from 0 to 2147483647',
  parse(text, ctx) {
    const n = integer(0, 2_147_483_647).parse(text, ctx);
    if (n !== undefined || !/^-[0-9]+$/.test(text) || Number(text) === 0) return n;
    return new Rejection(
      'DSN_INVALID_VALUE',
      'SQLite treats a negative busy timeout as 0, so a lock held by another connection would fail at once with SQLITE_BUSY (mattn/go-sqlite3 passes the value on unchanged)',
      'write _busy_timeout=0 to fail at once like that, or a number of milliseconds to wait.',
    );
  },
  format: (n) => String(n),
};

/** SQLite's `PRAGMA encoding` spellings (`UTF8`, `UTF-16le`, ...) to the canonical lowercase. */
const ENCODINGS: Readonly<Record<string, TextEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16': 'utf-16',
  utf16: 'utf-16',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
};

/** `encoding`: the text encoding of a new database. */
export const textEncoding: ValueType<TextEncoding> = {
  accepts: 'utf-8, utf-16, utf-16le, utf-16be (also without the hyphen)',
  parse: (text) => (Object.hasOwn(ENCODINGS, text) ? ENCODINGS[text] : undefined),
  format: (v) => v,
};

const TRUE = new Set(['1', 'yes', 'true', 'on']);
const FALSE = new Set(['0', 'no', 'false', 'off']);

/** SQLite's and mattn's boolean spellings. */
export const boolean: ValueType<boolean> = {
  accepts: '1, yes, true, on / 0, no, false, off',
  parse: (text) => (TRUE.has(text) ? true : FALSE.has(text) ? false : undefined),
  format: (b) => (b ? '1' : '0'),
};

/**
 * One of `names`; `numbered` says that the decimal index is a synonym (SQLite's `synchronous=2`
 * is `full`), `refused` maps values that are understood but refused to their reason.
 */
export function oneOf<T extends string>(
  names: readonly T[],
  opts: { numbered?: boolean; refused?: Readonly<Record<string, Rejection>> } = {},
): ValueType<T> {
  const list = names.join(', ');
  return {
    accepts: opts.numbered ? `${list} (or ${names.map((_, i) => i).join(', ')})` : list,
    parse(text) {
      if ((names as readonly string[]).includes(text)) return text as T;
      if (opts.numbered && /^[0-9]$/.test(text) && Number(text) < names.length) return names[Number(text)];
      return opts.refused?.[text];
    },
    format: (v) => v,
  };
}

/** `secure_delete`: a boolean or `fast`. */
export const secureDelete: ValueType<boolean | 'fast'> = {
  accepts: `${boolean.accepts}, or fast`,
  parse: (text, ctx) => (text === 'fast' ? 'fast' : boolean.parse(text, ctx)),
  format: (v) => (v === 'fast' ? 'fast' : boolean.format(v)),
};

const PAGE_RANGE = integer(512, 65536);

/** `page_size`: a power of two from 512 to 65536. */
export const pageSize: ValueType<number> = {
  accepts: 'a power of two from 512 to 65536',
  parse(text, ctx) {
    const n = PAGE_RANGE.parse(text, ctx);
    return typeof n === 'number' && (n & (n - 1)) === 0 ? n : undefined;
  },
  format: (n) => String(n),
};

/** A filesystem path option (`modeof`): case kept, not `~`-expanded, made absolute. */
export const absolutePath: ValueType<string> = {
  accepts: 'a file path (relative paths are resolved against cwd)',
  caseSensitive: true,
  parse(text, ctx) {
    if (text === '') return undefined;
    if (text.startsWith('~')) return tildeRejection(text);
    if (/[\u0000-\u001f\u007f]/.test(text) || /\p{Cs}/u.test(text)) {
      return new Rejection('DSN_INVALID_PATH', 'the path contains a control character or is not valid Unicode', 'remove the stray character.');
    }
    return ctx.resolvePath(ctx.cwd, text);
  },
  format: (p) => p,
};

/** `~` is shell syntax: nothing here expands it, and guessing would open the wrong file. */
export function tildeRejection(text: string): Rejection {
  return new Rejection(
    'DSN_INVALID_PATH',
    `"${text}" starts with "~", which is not expanded (there is no shell here; it would name a directory literally called "~")`,
    'write the absolute path (e.g. path.join(os.homedir(), ...)), or "./~..." for a file whose name really starts with "~".',
  );
}
