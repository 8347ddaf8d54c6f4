#!/usr/bin/env node
// Runs every tests/**/*.test.ts file in its own child process (native addon state such as
// SQLITE_USE_URI and the per-process connection registry must not leak between files), a few at
// a time, and ends with the plain line "N passed, N failed" that CI reads.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildTestJs } from './build-js.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const testsDir = join(root, 'tests');
const jobs = Number(process.env.TEST_JOBS ?? Math.max(1, Math.min(2, availableParallelism())));
/**
 * A file that makes no progress for this long is killed (a hang). The budget is spent in
 * "unloaded" time: each second counts as much of a second as the machine had CPU to spare (cores
 * over the 1-minute load average), because on the shared 2-core machine at load 40 a 20 s file
 * took 7 minutes without anything being wrong. TEST_FILE_HARD_TIMEOUT_MS caps the wall time.
 */
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 300_000);
const fileHardTimeoutMs = Number(process.env.TEST_FILE_HARD_TIMEOUT_MS ?? 2_400_000);
const cores = availableParallelism();
const filters = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = findTests(testsDir).filter(
  (f) => filters.length === 0 || filters.some((p) => relative(root, f).includes(p)),
);

const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');
const count = (text, label) => {
  const m = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

/**
 * CPU seconds (user + system) of this process's finished children so far, from /proc/self/stat
 * (cutime + cstime, in clock ticks of 1/100 s on Linux): a child's figure includes its own
 * finished children. Unlike wall time it hardly moves with the machine's load, so it tells what a
 * file costs; undefined where /proc is missing. Two children reaped at the same instant may
 * swap their shares; the run's total is exact.
 */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
let cpuSeen = childCpuSeconds();

/**
 * The checkout compiled to JavaScript once per run (tests/build-js.mjs): the children that test
 * files start run it on plain node (tests/helpers/entry.ts), a quarter of the CPU of tsx per
 * child, and the test files load from it (tests/ts-loader.mjs). TEST_JS=0 runs everything through
 * tsx, as a test file run by hand does.
 */
const t0 = Date.now();
const cpu0 = childCpuSeconds();
const load0 = loadavg()[0];
let compiledDir;
if (process.env.TEST_JS !== '0' && files.length > 0) {
  const started = Date.now();
  compiledDir = await buildTestJs(root);
  cpuSeen = childCpuSeconds(); // the build's esbuild process is not the first file's
  process.stdout.write(`compiled the checkout for child processes in ${((Date.now() - started) / 1000).toFixed(1)} s: ${relative(root, compiledDir)}\n`);
}


/**
 * V8 flags for the test files' own processes: the later wasm tier-up of the short children
 * (SHORT_CHILD_FLAGS in tests/helpers/entry.ts, which says why; keep the two the same). Most files
 * open a few wasm databases and end within seconds, so V8's optimizing compile of SQLite's large
 * functions (~0.4 CPU s per file on Node 20) is never paid back. Not for the timing files, which
 * measure the waiting process's own CPU with the library as users run it.
 */
const TEST_FILE_FLAGS = ['--wasm-tiering-budget=100000000'];

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    // With a compiled tree the test file's own modules load from it too (ts-loader.mjs: their .ts
    // URLs, relative paths and stack traces stay as under tsx, at about a third of tsx's cost).
    const loader = compiledDir ? pathToFileURL(join(root, 'tests', 'ts-loader.mjs')).href : 'tsx';
    const child = spawn(process.execPath, [...(isSerial(file) ? [] : TEST_FILE_FLAGS), '--import', loader, file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', KDS_TEST_JS: compiledDir ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    // When uvu printed its summary: a file that exits long after it (a pending timer, an open
    // handle) costs wall time for nothing, and the line below says so.
    let reportedAt;
    child.stdout.on('data', (d) => {
      output += d;
      if (reportedAt === undefined && /^\s*Duration:/m.test(output)) reportedAt = Date.now();
    });
    child.stderr.on('data', (d) => (output += d));
    let budgetSpent = 0;
    let lastCheck = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      budgetSpent += (now - lastCheck) * Math.min(1, cores / Math.max(loadavg()[0], 0.01));
      lastCheck = now;
      if (budgetSpent < fileTimeoutMs && now - started < fileHardTimeoutMs) return;
      output += `\n[run.mjs] timed out after ${now - started} ms (${Math.round(budgetSpent)} ms of unloaded time), killing\n`;
      clearInterval(timer);
      child.kill('SIGKILL');
    }, 1000);
    let cpu;
    child.on('exit', () => {
      const now = childCpuSeconds();
      if (now !== undefined && cpuSeen !== undefined) cpu = now - cpuSeen;
      cpuSeen = now;
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const text = stripAnsi(output);
      const total = count(text, 'Total');
      const passed = count(text, 'Passed');
      const skipped = count(text, 'Skipped') ?? 0;
      let failed;
      if (total === undefined || passed === undefined) failed = 1; // crashed before reporting
      else failed = total - passed - skipped;
      if (code !== 0 && failed === 0) failed = 1; // non-zero exit is a failure however it counted
      const lingered = reportedAt === undefined ? 0 : Date.now() - reportedAt;
      resolve({ file, passed: passed ?? 0, failed, skipped, code, signal, text, ms: Date.now() - started, cpu, lingered });
    });
  });
}

// Files named *.serial.test.ts assert timing bounds (event-loop stalls, lock waits, fairness),
// each calibrated in its own run (run-queue delay, an idle sibling, counts instead of times), so
// they must pass on a busy machine too. Still, no two of them run at once (each would be the
// other's worst neighbour: both spin up lock holders and measure the same window), and no more
// files run than there are jobs, so a timing file shares the machine with at most one other file.
// They used to run alone at the end, which left one of the two cores idle for 70 s of the run.
const isSerial = (f) => f.endsWith('.serial.test.ts');
/**
 * Wall times of the last run, per file (.cache/test-times.json): files start longest first, so
 * that the run does not end on one long file while the other job has nothing left (the docs
 * examples and the torture file, started last in name order, held the run ~2 minutes on one job).
 * Files with no time yet go first. The order changes nothing else: each file has its own process.
 */
const timesFile = join(root, '.cache', 'test-times.json');
let lastTimes = {};
try {
  lastTimes = JSON.parse(readFileSync(timesFile, 'utf8'));
} catch {
  // first run in this checkout: name order
}
const lastTime = (f) => lastTimes[relative(root, f)] ?? Number.MAX_SAFE_INTEGER;
const queue = [...files].sort((a, b) => lastTime(b) - lastTime(a));

const results = [];
/** The timing file running now, if any: the next one waits for it (see isSerial). */
let serialRunning;
async function worker() {
  for (;;) {
    const index = queue.findIndex((f) => !isSerial(f) || serialRunning === undefined);
    if (index === -1) {
      if (queue.length === 0) return;
      await serialRunning; // only timing files are left and one runs: take the next after it
      continue;
    }
    const [file] = queue.splice(index, 1);
    const running = runFile(file);
    if (isSerial(file)) serialRunning = running.finally(() => (serialRunning = undefined));
    const r = await running;
    results.push(r);
    const tag = r.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(
      `${tag} ${relative(root, file)}  (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${(r.ms / 1000).toFixed(1)} s${r.cpu === undefined ? '' : `, cpu ${r.cpu.toFixed(1)} s`}${r.lingered > 10_000 ? `, exited ${(r.lingered / 1000).toFixed(1)} s after its summary` : ''})\n`,
    );
    if (r.failed > 0) process.stdout.write(r.text.replace(/^/gm, '    | ') + '\n');
  }
}

await Promise.all(Array.from({ length: jobs }, worker));
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const passed = sum('passed');
const failed = sum('failed');
const skipped = sum('skipped');
const cpuAll = cpu0 === undefined ? undefined : childCpuSeconds() - cpu0;
// A file's figure sits beside its name, so the regex that CI reads from the last line is unchanged.
console.log(
  `\n${files.length} test files in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
    (cpuAll === undefined ? '' : `, ${cpuAll.toFixed(0)} CPU s`) +
    ` (load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, ${cores} cores)`,
);
if (files.length === 0 || passed === 0) {
  console.log('no tests ran');
  process.exitCode = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0) process.exitCode = 1;
try {
  const times = { ...lastTimes };
  for (const r of results) times[relative(root, r.file)] = r.ms;
  mkdirSync(dirname(timesFile), { recursive: true });
  writeFileSync(`${timesFile}.${process.pid}`, `${JSON.stringify(times, null, 1)}\n`);
  renameSync(`${timesFile}.${process.pid}`, timesFile);
} catch (error) {
  console.log(`(could not save the file times for the next run's order: ${error.message})`);
}
