/**
 * The reader process of the span-wait measurement (forked by span-wait.ts): bursts of sequential
 * point SELECTs through our dialect's handle, each burst one macrotask (then a yield to the event
 * loop, as a server handling one request per turn would), with or without read spans, until the
 * parent says stop. Reports how many reads it ran.
 *
 * Usage: node --import tsx bench/span-reader.ts <file> <driver> <0|1 spans> <reads per burst>
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { openDatabase } from '../core/index.js';
import type { DriverName } from '../drivers/types.js';
import { ITEM_ROWS } from './schema.js';

const [file, driver, spans, burst] = process.argv.slice(2) as [string, DriverName, string, string];
const db = await openDatabase(`file:${file}?_read_spans=${spans}&_busy_timeout=60000&_synchronous=off`, { driver });
let stop = false;
process.once('message', () => (stop = true));
process.send!({ ready: true });
let reads = 0;
let id = 1;
while (!stop) {
  for (let i = 0; i < Number(burst); i++) {
    await db.execute('select * from items where id = ?', [id]);
    id = (id * 7919) % ITEM_ROWS + 1;
    reads++;
  }
  await yieldLoop();
}
await db.close();
process.send!({ reads }, () => process.exit(0));
