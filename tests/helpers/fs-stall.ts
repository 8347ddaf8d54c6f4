/**
 * A probe of the file system's own stalls, for tests that bound how long the event loop was
 * blocked. On a machine whose disk is busy (other processes fsyncing; CI runs several suites at
 * once), one metadata operation can block in the kernel for tens of milliseconds (ext4 makes it
 * wait for its journal). A lock attempt of the code under test (a `mkdir` of the wasm dot-file
 * lock, a header read, an `fcntl`) blocks the same way at the same moments: that is the machine's
 * load, not a blocking wait of the library. The probe, in a worker thread, runs the same kinds of
 * operation beside the database every 2 ms and records each that took over 2 ms, so a test can
 * discount, from a blocked stretch of its main thread, the stall the probe saw in the same window.
 * A real blocking wait (SQLite's own busy handler sleeping) is not discounted: the probe's
 * operations stay fast during it. Only the time an operation sat blocked in the kernel counts
 * (its wall time minus its run time and run-queue wait, from Linux schedstat).
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

/** One slow operation of the probe, in the main thread's `performance.now()` time (ms). */
export interface FsStall {
  readonly start: number;
  readonly end: number;
}

const PROBE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const stop = new Int32Array(workerData.stop);
const stalls = [];
const dir = workerData.dir + '/.fs-stall-probe-' + process.pid + '-' + workerData.id;
const buf = Buffer.alloc(100);
// Run time and run-queue wait of this thread (ns); the rest of an operation's wall time is time
// it sat blocked in the kernel. Only that counts: a worker waiting for a CPU on a loaded machine
// is not a file-system stall (the main thread's own run-queue wait is discounted separately).
let schedFd = -1;
try { schedFd = fs.openSync('/proc/thread-self/schedstat', 'r'); } catch {}
const schedBuf = Buffer.alloc(128);
const onCpuMs = () => {
  if (schedFd < 0) return 0;
  const n = fs.readSync(schedFd, schedBuf, 0, 128, 0);
  const [run, wait] = schedBuf.toString('latin1', 0, n).split(' ');
  return (Number(run) + Number(wait)) / 1e6;
};
const op = (fn) => {
  const c0 = onCpuMs();
  const t0 = performance.timeOrigin + performance.now();
  try { fn(); } catch {}
  const t1 = performance.timeOrigin + performance.now();
  const blocked = t1 - t0 - (onCpuMs() - c0);
  if (blocked > 2) stalls.push([t1 - blocked, t1]);
};
while (Atomics.load(stop, 0) === 0) {
  op(() => fs.mkdirSync(dir));
  op(() => fs.rmdirSync(dir));
  op(() => { const fd = fs.openSync(workerData.file, 'r'); try { fs.readSync(fd, buf, 0, 100, 0); fs.fstatSync(fd); } finally { fs.closeSync(fd); } });
  Atomics.wait(stop, 0, 0, 2);
}
try { fs.rmdirSync(dir); } catch {}
parentPort.postMessage(stalls);
`;

let probes = 0;

/** Starts the probe beside `file` (an existing file in the folder of the database under test). */
export function startFsStallProbe(file: string): { stop(): Promise<FsStall[]> } {
  const stop = new SharedArrayBuffer(4);
  const dir = file.slice(0, file.lastIndexOf('/'));
  const worker = new Worker(PROBE, { eval: true, workerData: { stop, dir, file, id: probes++ } });
  const result = new Promise<FsStall[]>((resolve, reject) => {
    worker.once('message', (stalls: [number, number][]) =>
      resolve(stalls.map(([s, e]) => ({ start: s - performance.timeOrigin, end: e - performance.timeOrigin }))),
    );
    worker.once('error', reject);
  });
  return {
    async stop() {
      Atomics.store(new Int32Array(stop), 0, 1);
      Atomics.notify(new Int32Array(stop), 0);
      const stalls = await result;
      await worker.terminate();
      return stalls;
    },
  };
}

/** The longest part of one probe stall inside [from, to] (ms): what the file system alone held up. */
export function longestStallIn(stalls: readonly FsStall[], from: number, to: number): number {
  return stalls.reduce((m, s) => Math.max(m, Math.min(to, s.end) - Math.max(from, s.start)), 0);
}
