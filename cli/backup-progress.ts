/**
 * The progress line of `dual-sqlite backup`. `VACUUM INTO` is one blocking SQLite call that
 * reports nothing (neither driver exposes SQLite's progress handler) and it blocks this thread, so
 * the line is drawn by a worker thread that watches the temporary copy grow on disk against the
 * expected size (the source's used pages) and writes straight to file descriptor 2 (the main
 * thread's streams cannot flush while it is blocked).
 */
import { Worker } from 'node:worker_threads';

/** Files from this size up get the progress line (smaller copies take well under a second). */
export const PROGRESS_FROM_BYTES = 64 * 1024 * 1024;

const WATCHER = `
const { statSync, writeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { file, expected, tty, plainMs } = workerData;
const started = Date.now();
let lastPlain = 0;
const mb = (n) => (n / 1048576).toFixed(1);
setInterval(() => {
  let size = 0;
  try { size = statSync(file).size; } catch {}
  const pct = expected > 0 ? Math.min(99, Math.floor((size / expected) * 100)) : 0;
  const line = 'backup: copying ' + mb(size) + ' of ~' + mb(expected) + ' MB (' + pct + '%), ' + ((Date.now() - started) / 1000).toFixed(0) + ' s';
  if (tty) writeSync(2, '\\r' + line + '   ');
  else if (Date.now() - lastPlain >= plainMs) { lastPlain = Date.now(); writeSync(2, line + '\\n'); }
}, 250);
`;

/** A running watcher; `stop()` ends it and finishes the line. */
export interface CopyWatcher {
  stop(): Promise<void>;
}

/** Starts watching `file` grow towards `expectedBytes`, drawing on stderr. */
export function watchCopy(file: string, expectedBytes: number, stderr: NodeJS.WriteStream): CopyWatcher {
  const tty = stderr.isTTY === true;
  const worker = new Worker(WATCHER, { eval: true, workerData: { file, expected: expectedBytes, tty, plainMs: 2000 } });
  worker.unref();
  return {
    async stop() {
      await worker.terminate();
      if (tty) stderr.write('\n');
    },
  };
}
