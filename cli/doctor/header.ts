/**
 * Reads the 100-byte SQLite header of a database file directly from disk, BEFORE any driver
 * opens it. A driver that opens a damaged file either fails with a vague "file is not a database"
 * or, worse, "repairs" it (rolls back a journal, writes a header); reading the bytes first lets
 * `doctor` say exactly what is wrong and leave the file untouched.
 *
 * Layout: https://www.sqlite.org/fileformat2.html#the_database_header
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The 16-byte magic string every SQLite 3 database starts with. */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** What the header says, when it is readable. */
export interface HeaderFields {
  readonly pageSize: number;
  /** 1 = rollback journal (legacy), 2 = WAL. */
  readonly writeVersion: number;
  readonly readVersion: number;
  /** Page count stored in the header, or `null` when SQLite would ignore it (stale counter). */
  readonly headerPages: number | null;
  readonly freelistPages: number;
  readonly textEncoding: number;
  /** SQLite version number of the library that last wrote the file, e.g. 3053002. */
  readonly sqliteVersion: number;
}

/** The classification of a file by its first bytes and its size. */
export type HeaderState =
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-a-file'; readonly detail: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'truncated-header'; readonly size: number }
  | { readonly kind: 'not-a-database'; readonly size: number; readonly looksLike: string }
  | { readonly kind: 'bad-header'; readonly size: number; readonly problem: string }
  | { readonly kind: 'truncated'; readonly size: number; readonly fields: HeaderFields; readonly problem: string }
  | { readonly kind: 'ok'; readonly size: number; readonly fields: HeaderFields };

/** Reads and classifies the header of `file`. Never throws for a missing or unreadable file. */
export function readHeader(file: string): HeaderState {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { kind: 'not-a-file', detail: 'it is a directory' };
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'not-a-file', detail: (err as Error).message };
  }
  if (size === 0) return { kind: 'empty' };
  const buf = readPrefix(file, 100);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { kind: 'not-a-database', size, looksLike: guessContent(buf) };
  }
  if (buf.length < 100) return { kind: 'truncated-header', size };
  return classifyFields(buf, size);
}

function classifyFields(buf: Buffer, size: number): HeaderState {
  const raw = buf.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    return { kind: 'bad-header', size, problem: `page size field is ${raw}, not a power of two between 512 and 65536` };
  }
  if (buf[21] !== 64 || buf[22] !== 32 || buf[23] !== 32) {
    return { kind: 'bad-header', size, problem: 'payload fraction bytes (21-23) are not 64/32/32' };
  }
  const writeVersion = buf[18]!;
  const readVersion = buf[19]!;
  if (![1, 2].includes(writeVersion) || ![1, 2].includes(readVersion)) {
    return { kind: 'bad-header', size, problem: `file format versions are ${writeVersion}/${readVersion}, expected 1 or 2` };
  }
  // SQLite trusts the header's page count only when the change counter matches version-valid-for.
  const counterValid = buf.readUInt32BE(24) === buf.readUInt32BE(92);
  const stored = buf.readUInt32BE(28);
  const fields: HeaderFields = {
    pageSize,
    writeVersion,
    readVersion,
    headerPages: counterValid && stored > 0 ? stored : null,
    freelistPages: buf.readUInt32BE(36),
    textEncoding: buf.readUInt32BE(56),
    sqliteVersion: buf.readUInt32BE(96),
  };
  const problem = sizeProblem(fields, size);
  return problem ? { kind: 'truncated', size, fields, problem } : { kind: 'ok', size, fields };
}

/** Why the file size cannot hold the pages the header describes, or `null` when it can. */
function sizeProblem(f: HeaderFields, size: number): string | null {
  if (size < f.pageSize) {
    return `the file is ${size} bytes, smaller than one ${f.pageSize}-byte page`;
  }
  if (f.headerPages !== null && f.headerPages * f.pageSize > size) {
    const want = f.headerPages * f.pageSize;
    return `the header says ${f.headerPages} pages of ${f.pageSize} bytes (${want} bytes) but the file has ${size} bytes`;
  }
  if (size % f.pageSize !== 0) {
    return `the file size ${size} is not a multiple of the page size ${f.pageSize}`;
  }
  return null;
}

function readPrefix(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A short human guess at what a non-SQLite file contains, to point at the likely mix-up. */
function guessContent(buf: Buffer): string {
  if (buf.every((b) => b === 0)) return 'all zero bytes (a pre-allocated or zeroed file)';
  if (buf.subarray(0, 4).equals(Buffer.from([0x37, 0x7f, 0x06, 0x82])) || buf.subarray(0, 4).equals(Buffer.from([0x37, 0x7f, 0x06, 0x83]))) {
    return 'a SQLite WAL file (-wal), not the database itself';
  }
  if (buf.subarray(0, 8).equals(Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]))) {
    return 'a SQLite rollback journal (-journal), not the database itself';
  }
  if (buf.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))) return 'gzip-compressed data';
  if (buf.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'a zip archive';
  const printable = buf.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)).length;
  if (printable / buf.length > 0.95) {
    const text = buf.toString('latin1').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `text ("${text}${buf.length > 40 ? '…' : ''}")`;
  }
  return 'unrecognised binary data (garbage, or an encrypted database such as SQLCipher)';
}
