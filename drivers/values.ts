/**
 * Value mapping shared by both drivers, so parameters bind and rows read back identically:
 * - parameters: `boolean` -> 1/0, `Date` -> ISO-8601 string, `bigint` within int64, numbers,
 *   strings (without NUL characters or lone surrogates), `null`, `Uint8Array` (a `Buffer` is
 *   one); `undefined`, `NaN` and anything else is refused
 *   with `INVALID_PARAMETER` naming the index (better-sqlite3 would bind `undefined` as NULL,
 *   node-sqlite3-wasm throws, so neither native behaviour can stand for both);
 * - integer-valued numbers bind as SQLite integers on both (better-sqlite3 binds every number as
 *   a double, so `3 / ?` with 2 gave 1.5 there and 1 on wasm; it gets them as `bigint`);
 * - results: integers within +-2^53 as `number`, beyond as `bigint`; blobs as `Buffer` (a
 *   `Uint8Array` subclass: what better-sqlite3 returns and what Kysely's types and codegen
 *   expect for blob columns), text as string, NULL as null;
 * - rows are plain objects holding every column, including one named `__proto__` (an own
 *   property, where a plain assignment would set the prototype or be ignored).
 */
import { StatementError } from './errors.js';
import type { Row } from './types.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** A value either driver binds the same way. */
export type BindValue = number | bigint | string | Uint8Array | null;

/** Maps and validates positional parameters; returns the input array itself when nothing changes. */
export function toBindValues(params: readonly unknown[], sql: string): BindValue[] {
  let out: BindValue[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    const mapped = toBindValue(v, i, sql);
    if (mapped !== v && out === undefined) out = params.slice(0, i) as BindValue[];
    if (out !== undefined) out.push(mapped);
  }
  return out ?? (params as BindValue[]);
}

function toBindValue(v: unknown, i: number, sql: string): BindValue {
  switch (typeof v) {
    case 'number':
      // SQLite binds NaN as NULL without a word; +-Infinity is a REAL it stores and reads back
      if (Number.isNaN(v)) throw invalid(i, 'is NaN, which SQLite would silently store as NULL', 'pass null for SQL NULL, or check the computation that produced NaN', sql);
      return v;
    case 'string':
      // node-sqlite3-wasm binds text NUL-terminated (cutting at the first \0), and the two builds
      // read back lone surrogates differently: refuse both rather than store different data
      if (v.includes('\0')) throw invalid(i, 'contains a NUL character (\\0), which the wasm driver would cut off', 'store such data as a Uint8Array blob', sql);
      if (!(v as string & { isWellFormed(): boolean }).isWellFormed()) {
        throw invalid(i, 'contains a lone UTF-16 surrogate, which is not valid Unicode text', 'fix the string (String.prototype.toWellFormed) or store it as a blob', sql);
      }
      return v;
    case 'boolean':
      return v ? 1 : 0;
    case 'bigint':
      if (v < INT64_MIN || v > INT64_MAX) throw invalid(i, `${v}n is outside SQLite's 64-bit integer range`, 'store it as text', sql);
      return v;
    case 'undefined':
      throw invalid(i, 'is undefined', 'pass null for SQL NULL', sql);
    case 'object':
      if (v === null || v instanceof Uint8Array) return v;
      if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) throw invalid(i, 'is an invalid Date', 'pass a valid Date or null', sql);
        return v.toISOString();
      }
      throw invalid(i, `is an object (${v.constructor?.name ?? 'Object'})`, 'pass a number, bigint, string, Uint8Array, boolean, Date or null', sql);
    default:
      throw invalid(i, `is a ${typeof v}`, 'pass a number, bigint, string, Uint8Array, boolean, Date or null', sql);
  }
}

function invalid(i: number, what: string, fix: string, sql: string): StatementError {
  return new StatementError('INVALID_PARAMETER', `parameter ${i + 1} (index ${i}) ${what}; ${fix}`, sql);
}

/**
 * Normalizes a row read with better-sqlite3's safe integers: every integer arrives as `bigint`
 * (the only way to see values beyond 2^53 unrounded), so the safe ones become numbers.
 */
export function normalizeNativeRow(row: Row): Row {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'bigint' && v >= SAFE_MIN && v <= SAFE_MAX) row[k] = Number(v);
  }
  return row;
}

/** The column name a plain assignment cannot create (it sets or ignores the prototype). */
export const PROTO_COLUMN = '__proto__';

/**
 * Builds a row from column names and the values of one result row (in column order), as an own
 * property for every name. Only needed when a name is {@link PROTO_COLUMN}; a later duplicate
 * name wins, as in both drivers' own rows.
 */
export function rowFromValues(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === PROTO_COLUMN) Object.defineProperty(row, name, { value: values[i], enumerable: true, writable: true, configurable: true });
    else row[name] = values[i];
  }
  return row;
}

/**
 * A `Buffer` view on the bytes of `blob` (no copy).
 * @internal drivers' helper; kept out of the published declarations (`Buffer` would make them
 * need `@types/node`).
 */
export function asBuffer(blob: Uint8Array): Buffer {
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** `bigint` rowids within +-2^53 as numbers (both drivers report rowids through this). */
export function normalizeInteger(v: number | bigint): number | bigint {
  return typeof v === 'bigint' && v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
}

/**
 * better-sqlite3 binds every JS number with `sqlite3_bind_double`; node-sqlite3-wasm binds safe
 * integers as integers. Handing better-sqlite3 a `bigint` makes it bind an integer too.
 */
export function toNativeIntegers(values: readonly BindValue[]): readonly BindValue[] {
  let out: BindValue[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      out ??= values.slice();
      out[i] = BigInt(v);
    }
  }
  return out ?? values;
}

/**
 * Normalizes a row from `node:sqlite` read with `setReadBigInts(true)`: integers as in
 * {@link normalizeNativeRow}, blobs (node:sqlite gives plain `Uint8Array`s) as `Buffer` views,
 * and a plain object instead of node:sqlite's null-prototype one, so rows compare, spread and
 * serialize like the other drivers' (a {@link PROTO_COLUMN} column stays an own property).
 */
export function normalizeNodeRow(row: Row): Row {
  const out: Row = {};
  for (const k in row) {
    let v = row[k];
    if (typeof v === 'bigint') {
      if (v >= SAFE_MIN && v <= SAFE_MAX) v = Number(v);
    } else if (v instanceof Uint8Array) {
      v = asBuffer(v);
    }
    if (k === PROTO_COLUMN) Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
