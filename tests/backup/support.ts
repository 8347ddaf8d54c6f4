/** Shared parts of the backup tests: the schema, writer processes, and checks of a copy. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { nodeArgs } from '../helpers/entry.js';

const writerScript = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));

/** One lock protocol (and journal mode) under test, as the DSN that selects it. */
export interface Protocol {
  readonly name: string;
  readonly dsn: (path: string) => string;
}

/**
 * The protocols a driver can use: wasm has dot-file locking only; the others POSIX locks in
 * rollback-journal and WAL mode, and native also dot-file locking (`vfs=unix-dotfile`).
 */
export function protocolsOf(driver: DriverName): Protocol[] {
  if (driver === 'wasm') return [{ name: 'dotfile (wasm)', dsn: (p) => p }];
  const posix: Protocol[] = [
    { name: 'posix, rollback journal', dsn: (p) => p },
    { name: 'posix, WAL', dsn: (p) => `${p}?_journal=wal` },
  ];
  return driver === 'native' ? [...posix, { name: 'dotfile (vfs=unix-dotfile)', dsn: (p) => `file:${p}?vfs=unix-dotfile` }] : posix;
}

/** Creates the writers' tables. */
export async function createSchema(dsn: string, driver: DriverName): Promise<void> {
  const db = await openDatabase(dsn, { driver });
  try {
    await db.execute('create table if not exists a (writer text, seq integer, pad text, primary key (writer, seq))');
    await db.execute('create table if not exists b (writer text, seq integer, primary key (writer, seq))');
    // About 2 MB already there, so the copy takes long enough for the writers to meet it.
    await db.execute('create table if not exists bulk (x text)');
    await db.execute("insert into bulk select printf('%.500c', 'z') from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 4000) select i from n)");
  } finally {
    await db.close();
  }
}

/** What a writer process reported when it ended. */
export interface WriterReport {
  readonly busy: number;
  readonly otherErrors: number;
  readonly maxTxMs: number;
  readonly commits: number;
  /** Attempts made while a backup's temporary copy existed in the watched folder, and how many met SQLITE_BUSY. */
  readonly attemptsInWindow: number;
  readonly busyInWindow: number;
}

/** A running writer (or holder) process. */
export class Writer {
  readonly child: ChildProcess;
  readonly id: string;
  /** Highest seq whose COMMIT this process has acknowledged so far. */
  acked = 0;
  stderr = '';
  #report: WriterReport | undefined;
  readonly #exited: Promise<void>;
  #waiters: { n: number; resolve: () => void }[] = [];

  constructor(dsn: string, driver: DriverName, id: string, mode: 'write' | 'hold' = 'write', watchDir?: string) {
    this.id = id;
    const args = [...nodeArgs(writerScript), dsn, driver, id, mode, ...(watchDir ? [watchDir] : [])];
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ack ')) this.acked = Number(line.slice(4));
        else if (line === 'holding') this.acked = 1;
        else if (line.startsWith('done ')) this.#report = JSON.parse(line.slice(5)) as WriterReport;
      }
      this.#waiters = this.#waiters.filter((w) => (this.acked >= w.n ? (w.resolve(), false) : true));
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.#exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  /** Resolves once `n` commits (or the "holding" line) were acknowledged. */
  until(n: number): Promise<void> {
    if (this.acked >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ n, resolve });
      this.child.once('exit', (code) => reject(new Error(`writer ${this.id} exited (${code}) before ${n} commits: ${this.stderr}`)));
    });
  }

  /** Stops a writer (SIGTERM: it finishes its transaction) and returns its report. */
  async stop(): Promise<WriterReport> {
    this.child.kill('SIGTERM');
    await this.#exited;
    if (!this.#report) throw new Error(`writer ${this.id} ended without a report: ${this.stderr}`);
    return this.#report;
  }

  /** Kills a holder. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.#exited;
  }
}

/** Every problem found in a copy: missing acknowledged commits, half transactions, integrity. */
export async function checkCopy(path: string, driver: DriverName, ackedBefore: ReadonlyMap<string, number>): Promise<string[]> {
  const db = await openDatabase(path, { driver });
  try {
    const problems: string[] = [];
    const integrity = (await db.execute('pragma integrity_check')).rows.map((r) => String(Object.values(r)[0]));
    if (integrity.join() !== 'ok') problems.push(`integrity_check: ${integrity.join('; ')}`);
    for (const [writer, acked] of ackedBefore) {
      const { rows } = await db.execute('select count(*) as n from a join b using (writer, seq) where writer = ? and seq <= ?', [writer, acked]);
      if (Number(rows[0]!.n) !== acked) problems.push(`writer ${writer}: ${rows[0]!.n} of the ${acked} commits acknowledged before the backup`);
    }
    const half = (await db.execute(
      'select (select count(*) from a left join b using (writer, seq) where b.seq is null) + (select count(*) from b left join a using (writer, seq) where a.seq is null) as n',
    )).rows[0]!.n;
    if (Number(half) !== 0) problems.push(`${half} half transaction(s): a row in one table without its partner`);
    return problems;
  } finally {
    await db.close();
  }
}
