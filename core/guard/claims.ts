/**
 * Claim records: one small file per (file, process, thread) in a folder next to the database,
 * `<db>.dual-sqlite-claims/`. A claim says who has the file open, with which driver and lock
 * protocol, and (first line, fixed size, rewritten in place) whether that owner may be holding
 * SQLite's dot-file lock right now.
 *
 * Layout of a claim file: a 64-byte header, then one line of JSON.
 *   byte 0      state: '0' idle (holds no SQLite lock), '1' inside a statement or transaction
 *               (may hold the lock), 'W' waiting on SQLITE_BUSY behind the lock whose identity
 *               follows (so it does NOT hold that lock)
 *   bytes 1-62  lock identity for 'W' (`<inode>:<ctime ns>`), space padded
 *   byte 63     '\n'
 * The state byte is the only thing the hot path writes: one pwrite on an fd kept open.
 */
import {
  chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync,
  rmSync, statSync, unlinkSync, writeSync, writeFileSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { DriverName, LockProtocol } from '../../drivers/types.js';
import { parseOwner, type Owner } from './identity.js';
import { SideFileError } from './errors.js';

/** Bytes before the JSON body. */
export const HEADER_SIZE = 64;
const ID_WIDTH = HEADER_SIZE - 2;

/** What a claim says about its owner's hold on the lock. */
export type ClaimState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'waiting'; readonly lockId: string };

/** The JSON body of a claim. */
export interface ClaimBody {
  readonly v: 1;
  readonly owner: Owner;
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  readonly readOnly: boolean;
  /** Real path of the database (for people reading the folder). */
  readonly file: string;
  readonly createdAt: string;
}

/** One claim as read from disk. */
export interface Claim {
  readonly name: string;
  readonly path: string;
  readonly body: ClaimBody;
  readonly state: ClaimState;
  /** Last write to the claim (the kernel's clock, same one that stamps the lock directory). */
  readonly mtimeNs: bigint;
}

const CLAIMS_SUFFIX = '.dual-sqlite-claims';
/** Longest file name most file systems take (NAME_MAX on Linux for ext4, xfs, btrfs, tmpfs). */
const NAME_MAX = 255;
/** Bytes of the name's hash kept in a shortened claims folder name. */
const HASH_CHARS = 16;

/**
 * The claims folder of a database file: `<db>.dual-sqlite-claims`, or, when that name would be
 * longer than a file name may be (a database name of 237 bytes or more, which SQLite itself
 * takes), `<first bytes of the name>~<hash of the whole name>.dual-sqlite-claims`. The name is a
 * pure function of the real path, so every process finds the same folder.
 */
export function claimsDirOf(filename: string): string {
  return sidePathOf(filename, CLAIMS_SUFFIX);
}

/**
 * `<db><suffix>` for a side file the library keeps beside a database, shortened as
 * {@link claimsDirOf} describes when the name would pass the file name limit.
 */
export function sidePathOf(filename: string, suffix: string): string {
  const name = basename(filename);
  if (Buffer.byteLength(name) + suffix.length <= NAME_MAX) return `${filename}${suffix}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_CHARS);
  const room = NAME_MAX - suffix.length - HASH_CHARS - 1;
  return join(dirname(filename), `${utf8Prefix(name, room)}~${hash}${suffix}`);
}

/** The longest prefix of `s` that fits in `bytes` UTF-8 bytes without splitting a character. */
function utf8Prefix(s: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    used += Buffer.byteLength(ch);
    if (used > bytes) break;
    out += ch;
  }
  return out;
}

function header(state: string, lockId = ''): Buffer {
  return Buffer.from(state + lockId.padEnd(ID_WIDTH, ' ').slice(0, ID_WIDTH) + '\n', 'latin1');
}

function parseState(head: string): ClaimState | null {
  switch (head[0]) {
    case '0':
      return { kind: 'idle' };
    case '1':
      return { kind: 'busy' };
    case 'W':
      return { kind: 'waiting', lockId: head.slice(1, 1 + ID_WIDTH).trim() };
    default:
      return null;
  }
}

const READ_CHUNK = 4096;

function readClaimFile(dir: string, name: string): Claim | null {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null; // removed between readdir and open: its owner released it
  }
  try {
    const mtimeNs = fstatSync(fd, { bigint: true }).mtimeNs;
    const buf = Buffer.alloc(READ_CHUNK);
    const n = readSync(fd, buf, 0, READ_CHUNK, 0);
    const text = buf.toString('utf8', 0, n);
    const state = parseState(text.slice(0, HEADER_SIZE));
    const raw = JSON.parse(text.slice(HEADER_SIZE)) as Record<string, unknown>;
    const owner = parseOwner(raw.owner);
    if (!state || !owner || raw.v !== 1) return null;
    return { name, path, state, mtimeNs, body: { ...(raw as unknown as ClaimBody), owner } };
  } catch {
    return null; // not a claim we understand; never written half (claims are renamed into place)
  } finally {
    closeSync(fd);
  }
}

/** Every readable claim in `dir` (an empty list when the folder does not exist). */
export function readClaims(dir: string): Claim[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Claim[] = [];
  for (const name of names) {
    if (!name.endsWith('.claim')) continue;
    const c = readClaimFile(dir, name);
    if (c) out.push(c);
  }
  return out;
}

/** What {@link ensureClaimsDir} did. */
// Spelled without NodeJS.ErrnoException: published declarations must not need @types/node.
export type ClaimsDirResult = 'created' | 'existed' | { readonly notWritable: Error & { readonly code?: string } };

/**
 * Creates the claims folder (shared like `database` when given). `notWritable` (the OS error) when the file system does not let us (a directory
 * we may not write, a read-only mount). The database's directory always exists here, so a plain
 * mkdir is enough; a recursive one must not be used: on a read-only mount Node 20 answers it with
 * ENOENT instead of EROFS. Throws {@link SideFileError} for anything else (e.g. a regular file
 * where the folder belongs).
 */
export function ensureClaimsDir(dir: string, database?: string): ClaimsDirResult {
  try {
    mkdirSync(dir);
    if (database !== undefined) shareLikeDatabase(dir, database);
    return 'created';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return { notWritable: err as NodeJS.ErrnoException };
    if (code === 'EEXIST') {
      let isDir = false;
      try {
        isDir = lstatSync(dir).isDirectory();
      } catch {
        /* removed meanwhile: the caller retries */
      }
      if (isDir) {
        if (database !== undefined) shareLikeDatabase(dir, database);
        return 'existed';
      }
      throw new SideFileError(dir, 'create the claims folder', err, 'something that is not a folder is in its place: move or remove it (the library keeps its claim records there)');
    }
    throw new SideFileError(dir, 'create the claims folder', err);
  }
}

/** Group and other permission bits of a folder. */
const GROUP_RWX = 0o070;
const OTHER_RWX = 0o007;

/**
 * Lets every user who may write the database also write claims: mkdir's mode is cut by the umask,
 * so a folder made by one user is usually 0755, and another user who may write the database
 * (a 0666 file, a shared group) could not announce itself there. The group or other class gets
 * rwx on the folder when it has write permission on the database file, whose own mode already
 * honours its creator's umask. Also done by the folder's owner for an existing folder, since a
 * database is often made shared (chmod 666) after its first open made the folder. Best effort: a
 * failure leaves the folder as it is, and an open that then cannot write its claim fails loudly
 * (see the guard).
 */
function shareLikeDatabase(dir: string, database: string): void {
  try {
    const dbMode = statSync(database).mode;
    const extra = (dbMode & 0o020 ? GROUP_RWX : 0) | (dbMode & 0o002 ? OTHER_RWX : 0);
    if (!extra) return;
    const st = statSync(dir);
    const mode = st.mode & 0o7777;
    if ((mode & extra) !== extra && st.uid === process.geteuid?.()) chmodSync(dir, mode | extra);
  } catch {
    /* the database does not exist yet (created by this open), or chmod refused */
  }
}

/**
 * This thread's own claim on one file. The fd stays open so that the hot path is a single
 * pwrite; the file is written under a temporary name and renamed into place so that readers
 * never see half a claim.
 */
export class OwnClaim {
  readonly path: string;
  readonly name: string;
  #fd: number;
  /** The state byte (and lock id) last written, to skip redundant writes. */
  #state = '0';
  #lockId = '';

  constructor(dir: string, body: ClaimBody) {
    const o = body.owner;
    this.name = `${o.pid}-${o.tid}-${randomBytes(4).toString('hex')}.claim`;
    this.path = join(dir, this.name);
    const tmp = join(dir, `.${this.name}.tmp`);
    writeFileSync(tmp, Buffer.concat([header('0'), Buffer.from(JSON.stringify(body) + '\n')]), { flag: 'wx' });
    this.#fd = openSync(tmp, 'r+');
    try {
      renameSync(tmp, this.path);
    } catch (err) {
      closeSync(this.#fd);
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** May hold the lock from now on (before a statement outside a transaction). */
  setBusy(): void {
    if (this.#state === '1') return;
    this.#write1('1');
  }

  /** Holds no lock (after a statement once outside a transaction). */
  setIdle(): void {
    if (this.#state === '0') return;
    this.#write1('0');
  }

  /** Waiting behind lock `lockId`, which this owner therefore does not hold. */
  setWaiting(lockId: string): void {
    if (this.#state === 'W' && this.#lockId === lockId) return;
    if (this.#lockId !== lockId) {
      // Readers must never pair 'W' with a lock id it was not written for: go through '1'
      // (conservative: "may hold"), write the id, then flip the state byte. The same id is still
      // on disk after setBusy/setIdle (they write byte 0 only), so a waiter that polls behind
      // one lock flips the state byte alone.
      if (this.#state !== '1') this.#write1('1');
      writeSync(this.#fd, header('1', lockId), 1, ID_WIDTH, 1);
      this.#lockId = lockId;
    }
    this.#write1('W');
  }

  get state(): string {
    return this.#state;
  }

  #write1(s: string): void {
    writeSync(this.#fd, s, 0, 'latin1');
    this.#state = s;
  }

  /** Deletes the claim. Idempotent, never throws. */
  remove(): void {
    if (this.#fd >= 0) {
      try {
        closeSync(this.#fd);
      } catch {
        /* already closed */
      }
      this.#fd = -1;
    }
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

/** Removes temporary files older than `maxAgeMs` that a killed writer left (never a live one's). */
export function sweepTemporaries(dir: string, maxAgeMs: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith('.tmp') && !name.startsWith('stale-')) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > maxAgeMs) rmSync(path, { recursive: true, force: true });
    } catch {
      /* raced with another sweeper */
    }
  }
}
