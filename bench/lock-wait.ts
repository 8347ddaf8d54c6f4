/**
 * CPU cost of waiting for another process's lock: a child process holds the write lock for
 * `waitMs`, this process's INSERT waits for it on the event loop, and the script prints the
 * process CPU time spent during the wait. Not part of `npm run bench` (one figure, seconds long).
 *
 *   node --import tsx bench/lock-wait.ts [native|wasm] [waitMs=3000]
 *
 * Under `strace -f -c` it also shows the syscalls of each poll (docs/performance.md).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DriverName } from '../drivers/types.js';
import { openTestDb, tmpDsn } from '../tests/core/support.js';

const driver = (process.argv[2] ?? 'wasm') as DriverName;
const waitMs = Number(process.argv[3] ?? 3000);
const holder = fileURLToPath(new URL('../tests/core/fixtures/lock-holder.ts', import.meta.url));
const { dsn } = tmpDsn('_busy_timeout=20000');
const db = await openTestDb(driver, dsn);
const child = fork(holder, [dsn, driver], { execArgv: ['--import', 'tsx'] });
await once(child, 'message');
setTimeout(() => child.send('release'), waitMs);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await db.insertInto('t').values({ v: 'waiter', n: 1 }).execute();
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`${driver}: waited ${wall.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms = ${((cpuMs / wall) * 100).toFixed(1)}% of a core (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)})`);
await once(child, 'exit');
await db.destroy();
