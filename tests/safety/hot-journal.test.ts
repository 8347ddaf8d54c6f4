/**
 * A writer killed with part of its transaction already written into the database file must be
 * rolled back by whoever recovers its lock. node-sqlite3-wasm never finds a journal hot on its
 * own (its VFS counts the caller's own lock as someone else's reserved lock), so the guard plays
 * the journal back under the stale lock (core/guard/hot-journal.ts). Before that fix the wasm
 * case kept 2,944 of 3,000 uncommitted updates.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matrix, onUnixVfs } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { nodeArgs } from '../helpers/entry.js';
import { openDatabase } from '../../core/index.js';
import { playBackHotJournal } from '../../core/guard/hot-journal.js';

const writer = fileURLToPath(new URL('./fixtures/spill-writer.ts', import.meta.url));
const ROWS = 3000;

matrix('hot journal of a killed dot-file writer', (test, driver) => {
  // Native and node join the dot-file protocol; SQLite's own unix-dotfile VFS rolls back by itself, so
  // the same assertions hold on both drivers.
  const vfs = onUnixVfs(driver) ? '&vfs=unix-dotfile' : '';

  test('pages spilled into the file before the kill are rolled back; nothing else changes', async () => {
    const file = tmpDbPath();
    const seed = await openDatabase(`file:${file}?_busy_timeout=5000${vfs}`, { driver });
    await seed.execute('create table t (id integer primary key, v text)');
    await seed.execute('create index t_v on t (v)');
    await seed.execute('begin immediate');
    for (let i = 0; i < ROWS; i++) await seed.execute('insert into t (v) values (?)', [`x${i}`.padEnd(300, '.')]);
    await seed.execute('commit');
    await seed.close();
    const sizeBefore = statSync(file).size;

    const child = spawn(process.execPath, [...nodeArgs(writer), `file:${file}?_cache_size=8${vfs}`, driver], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('spilled') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(existsSync(`${file}-journal`), 'the killed writer left its journal');
    assert.ok(existsSync(`${file}.lock`), 'the killed writer left its dot-file lock');

    const db = await openDatabase(`file:${file}?_busy_timeout=5000${vfs}`, { driver });
    const [row] = (await db.execute("select count(*) n, sum(v like 'y%') y from t")).rows;
    const [check] = (await db.execute('pragma integrity_check')).rows;
    await db.close();
    assert.equal(row, { n: ROWS, y: 0 }, 'the uncommitted update is gone');
    assert.equal(check, { integrity_check: 'ok' });
    assert.is(existsSync(`${file}-journal`), false);
    assert.is(statSync(file).size, sizeBefore, 'the file is back to its size before the transaction');
  });
});

// Driver-independent: the playback reads and writes files only.
const notHot = suite('hot journal playback: journals that are not hot');
{
  const test = notHot;
  test('a journal without a valid header is deleted and the database left as it is', () => {
    const file = tmpDbPath();
    const content = Buffer.alloc(4096, 7);
    writeFileSync(file, content);
    writeFileSync(`${file}-journal`, Buffer.alloc(1024, 0));
    const result = playBackHotJournal(file);
    assert.equal(result, { pages: 0, removed: true });
    assert.is(existsSync(`${file}-journal`), false);
    assert.ok(statSync(file).size === 4096);
  });

  test('no journal: nothing to do', () => {
    assert.equal(playBackHotJournal(tmpDbPath()), { pages: 0, removed: false });
  });
}
notHot.run();
