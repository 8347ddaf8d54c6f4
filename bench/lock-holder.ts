/**
 * The other process of the lock-wait benchmark (lock-wait.ts): holds the write lock of a database
 * on command. `hold` -> BEGIN IMMEDIATE and a write, then replies `locked`; `release` -> COMMIT,
 * then replies with the time the lock was free (ms on the shared `performance.timeOrigin` scale,
 * comparable across processes on one machine). Usage: fork with args <file> <driver>.
 */
import { openDatabase } from '../core/index.js';
import type { DriverName } from '../drivers/types.js';

const [file, driver] = process.argv.slice(2) as [string, DriverName];
const db = await openDatabase(`file:${file}?_busy_timeout=60000&_synchronous=off`, { driver });
const now = () => performance.timeOrigin + performance.now();

process.on('message', async (message) => {
  if (message === 'hold') {
    await db.execute('begin immediate');
    await db.execute('update counters set n = n + 1 where id = 1');
    process.send!('locked');
  } else if (message === 'release') {
    await db.execute('commit');
    process.send!({ releasedAt: now() });
  } else if (message === 'exit') {
    await db.close();
    process.exit(0);
  }
});
process.send!('ready');
