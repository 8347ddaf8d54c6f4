// Worker for select.test.ts: opens a native connection with vfs=unix-dotfile from a worker thread
// (the first native open of its process) and reports the outcome to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { openBackend } from '../../drivers/index.js';
import { makeConfig } from '../helpers/config.js';

try {
  const b = openBackend(makeConfig('native', workerData.file as string, { vfs: 'unix-dotfile' }));
  parentPort!.postMessage({ lockProtocol: b.lockProtocol });
  b.close();
} catch (e) {
  parentPort!.postMessage({ code: (e as { code?: string }).code, message: (e as Error).message });
}
