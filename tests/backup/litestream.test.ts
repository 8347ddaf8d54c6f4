// Litestream (v0.3.13 from the npm package @flydotio/litestream-linux-x64, a devDependency):
// native (and any driver with WAL across processes): replicate a WAL database to a local file:// replica while two writer processes commit,
// SIGKILL Litestream (a crash, no final sync), restore the replica to a new path and find every
// commit acknowledged before the last completed sync. wasm: it cannot take part, because
// Litestream needs WAL shared between processes and the wasm driver has no shared memory; the
// library refuses the replicated file with a coded error (the documented driver difference).
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { openDatabase } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { checkCopy, createSchema, Writer } from './support.js';

const require = createRequire(import.meta.url);
const LITESTREAM = join(dirname(require.resolve('@flydotio/litestream-linux-x64/package.json')), 'litestream');

/** The settings Litestream needs, as one DSN: WAL, and a busy timeout for its checkpoints. */
const dsnOf = (path: string): string => `${path}?_journal=wal&_busy_timeout=5000`;

function config(dir: string, db: string): string {
  const file = join(dir, 'litestream.yml');
  writeFileSync(
    file,
    ['dbs:', `  - path: ${db}`, '    monitor-interval: 100ms', '    replicas:', `      - url: file://${join(dir, 'replica')}`, '        sync-interval: 100ms', ''].join('\n'),
  );
  return file;
}

/** Litestream's log, with a way to wait for the Nth "wal segment written" (a completed sync). */
class Replicator {
  readonly child: ChildProcess;
  log = '';
  #waiters: { n: number; resolve: () => void }[] = [];

  constructor(configFile: string) {
    this.child = spawn(LITESTREAM, ['replicate', '-config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d: Buffer): void => {
      this.log += d.toString();
      this.#waiters = this.#waiters.filter((w) => (this.count('msg="write wal segment"') >= w.n && this.count('msg="wal segment written"') >= w.n ? (w.resolve(), false) : true));
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  count(marker: string): number {
    return this.log.split(marker).length - 1;
  }

  /** Resolves once `n` syncs have started and completed. */
  syncs(n: number): Promise<void> {
    if (this.count('msg="write wal segment"') >= n && this.count('msg="wal segment written"') >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ n, resolve });
      this.child.once('exit', (code) => reject(new Error(`litestream exited (${code}):\n${this.log}`)));
    });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

matrix('litestream', (test, driver) => {
  if (driver !== 'wasm') {
    test('the binary from the npm package runs (v0.3.13)', () => {
      const r = spawnSync(LITESTREAM, ['version'], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stdout, /^v0\.3\.13/);
    });

    test('replicate while two writer processes commit, SIGKILL it, restore: every commit acknowledged before the last sync is there', async () => {
      const dir = tmpDir();
      const db = join(dir, 'live.db');
      await createSchema(dsnOf(db), driver);
      const replicator = new Replicator(config(dir, db));
      const writers = [new Writer(dsnOf(db), driver, 'w1'), new Writer(dsnOf(db), driver, 'w2')];
      const ackedBefore = new Map<string, number>();
      try {
        await replicator.syncs(1);
        await Promise.all(writers.map((w) => w.until(30)));
        for (const w of writers) ackedBefore.set(w.id, w.acked);
        // A sync that STARTS after this point ships a WAL copy taken after it (Litestream copies the
        // WAL to its shadow WAL, then ships that): wait for two more started and completed syncs.
        const started = replicator.count('msg="write wal segment"');
        await replicator.syncs(started + 2);
        await replicator.kill();
      } finally {
        await replicator.kill();
        var reports = await Promise.all(writers.map((w) => w.stop()));
      }
      for (const r of reports) assert.is(r.busy, 0, 'writers must not see SQLITE_BUSY beside Litestream');
      const restored = join(dir, 'restored.db');
      const r = spawnSync(LITESTREAM, ['restore', '-o', restored, `file://${join(dir, 'replica')}`], { encoding: 'utf8' });
      assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.equal(await checkCopy(restored, driver, ackedBefore), []);
      const total = Math.max(...reports.map((x) => x.commits));
      console.log(`  [${driver}] litestream: ${[...ackedBefore.values()].join('+')} commits acknowledged before the checked sync, ${total}+ by the end; restore holds them all`);
    });
  } else {
    test('a database replicated by Litestream is in WAL mode: the wasm driver refuses it with WASM_WAL_FILE', async () => {
      const dir = tmpDir();
      const db = join(dir, 'live.db');
      await createSchema(dsnOf(db), 'native');
      const replicator = new Replicator(config(dir, db));
      try {
        await replicator.syncs(1);
        const error = await openDatabase(db, { driver: 'wasm' }).then(
          async (h) => (await h.close(), null),
          (e: unknown) => e as { code?: string; message: string },
        );
        assert.is(error?.code, 'WASM_WAL_FILE');
        assert.match(error!.message, /WAL mode/);
        const wal = await openDatabase(dsnOf(join(dir, 'other.db')), { driver: 'wasm' }).then(
          async (h) => (await h.close(), null),
          (e: unknown) => e as { code?: string },
        );
        assert.is(wal?.code, 'DRIVER_UNSUPPORTED_OPTION', 'and WAL cannot be turned on from wasm');
      } finally {
        await replicator.kill();
      }
    });
  }
});
