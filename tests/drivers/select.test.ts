// Driver selection: precedence (code > DSN > SQLITE_DRIVER > auto), the auto fallback tested for
// real in a child process where better-sqlite3 cannot be resolved, lazy loading of each driver,
// and native URI mode refused when another part of the process loaded the addon first (FACTS).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectDriver } from '../../drivers/index.js';
import { makeConfig } from '../helpers/config.js';
import { tmpDir } from '../helpers/tmp.js';
import { throwsCode } from './_util.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';
import { hasNodeSqlite } from '../helpers/matrix.js';
import { compiledDir, importable, programArgs, workerEntry } from '../helpers/entry.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = import.meta.resolve('tsx');
/**
 * Where the library's layers are copied from for a child's own project: the JavaScript npm test
 * compiled (../helpers/entry.ts), which the child runs on plain node, else the sources (tsx).
 */
const layers = compiledDir ?? root;
/** A module of this checkout as a child imports it: its compiled `.js` under npm test, else the `.ts`. */
const lib = (file: string) => JSON.stringify(importable(join(root, file)));

/**
 * Runs a snippet in a fresh Node process in `cwd`; returns its last stdout line as JSON. A `.ts`
 * snippet runs as entry.ts's programArgs runs a user's program (beside it, `<name>.mjs` when
 * compiled); a `.mjs` one runs on plain node under npm test.
 */
function child(cwd: string, file: string, code: string, env: Record<string, string | undefined> = {}): any {
  writeFileSync(join(cwd, file), code);
  const clean = { ...process.env, ...env };
  for (const k of ['SQLITE_DRIVER', 'SQLITE_USE_URI']) if (!(k in env)) delete clean[k];
  const path = join(cwd, file);
  const args = !file.endsWith('.mjs') ? programArgs(path) : compiledDir ? [path] : ['--import', tsx, path];
  const r = spawnSync(process.execPath, args, { cwd, env: clean, encoding: 'utf8', timeout: SPAWN_HANG_MS });
  assert.is(r.status, 0, `child failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

const precedence = suite('drivers: selection precedence');
const cfg = (driver?: 'native' | 'wasm' | 'auto') => makeConfig(driver as never, { kind: 'memory' });
const table: Array<[string, Parameters<typeof selectDriver>, string, string]> = [
  ['code beats DSN and env', [cfg('native'), { driver: 'wasm', env: { SQLITE_DRIVER: 'native' } }], 'wasm', 'code'],
  ['DSN beats env', [cfg('wasm'), { env: { SQLITE_DRIVER: 'native' } }], 'wasm', 'dsn'],
  ['env when nothing else', [cfg(), { env: { SQLITE_DRIVER: 'wasm' } }], 'wasm', 'env'],
  ['env is case-insensitive and trimmed', [cfg(), { env: { SQLITE_DRIVER: ' WASM ' } }], 'wasm', 'env'],
  ['auto by default: native loads here', [cfg(), { env: {} }], 'native', 'auto'],
  ['empty env value counts as unset', [cfg(), { env: { SQLITE_DRIVER: '' } }], 'native', 'auto'],
  ['DSN auto resolves to native here', [cfg('auto'), { env: { SQLITE_DRIVER: 'wasm' } }], 'native', 'dsn'],
  ['code auto beats a DSN choice', [cfg('wasm'), { driver: 'auto', env: {} }], 'native', 'code'],
];
for (const [name, args, driver, source] of table) {
  precedence(`${name} -> ${driver} (${source})`, () => {
    const s = selectDriver(...args);
    assert.is(s.driver, driver);
    assert.is(s.source, source);
    assert.type(s.reason, 'string');
    assert.ok(Object.isFrozen(s));
  });
}
precedence('auto says why', () => {
  assert.match(selectDriver(cfg(), { env: {} }).reason, /auto: better-sqlite3 loaded, using native/);
});
precedence('a bad SQLITE_DRIVER is DRIVER_INVALID_CHOICE naming it', () => {
  throwsCode(() => selectDriver(cfg(), { env: { SQLITE_DRIVER: 'sqlite' } }), 'DRIVER_INVALID_CHOICE', /SQLITE_DRIVER is "sqlite".*native, node, wasm or auto/);
});

// node:sqlite exists from Node 22.13 (without a flag): on Node 20 the choice is a coded error
// that says which Node it needs; on 22 and 24 it loads. The suite runs on both kinds of Node.
for (const [where, args] of [
  ['code', [cfg(), { driver: 'node', env: {} }]],
  ['DSN', [cfg('node' as never), { env: {} }]],
  ['SQLITE_DRIVER', [cfg(), { env: { SQLITE_DRIVER: 'node' } }]],
] as Array<[string, Parameters<typeof selectDriver>]>) {
  precedence(`node chosen by ${where}: ${hasNodeSqlite() ? 'loads here' : 'DRIVER_UNAVAILABLE naming the Node version it needs'}`, () => {
    if (hasNodeSqlite()) {
      assert.is(selectDriver(...args).driver, 'node');
    } else {
      const err = throwsCode(() => selectDriver(...args), 'DRIVER_UNAVAILABLE', /driver "node" needs Node's built-in node:sqlite.*does not exist in Node v20.*needs Node 22\.13\.0 or later/);
      assert.instance(err.cause, Error);
    }
  });
}

precedence('auto prefers native over node', () => {
  assert.is(selectDriver(cfg(), { env: {} }).driver, 'native');
});
precedence('the process environment is the default', () => {
  const saved = process.env.SQLITE_DRIVER;
  process.env.SQLITE_DRIVER = 'wasm';
  try {
    assert.is(selectDriver(cfg()).source, 'env');
  } finally {
    if (saved === undefined) delete process.env.SQLITE_DRIVER;
    else process.env.SQLITE_DRIVER = saved;
  }
});
precedence.run();

/** This package's own dependencies (pg-connection-string): every install of it has them. */
function ownDependencies(): string[] {
  return Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {});
}

const fallback = suite('drivers: fallback where better-sqlite3 cannot load (child process)');
fallback('auto falls back to wasm with the reason; explicit native is DriverUnavailableError with cause and hint', () => {
  // a copy of the layers in a folder whose node_modules has node-sqlite3-wasm only: resolving
  // better-sqlite3 from there genuinely fails (no mock, no patched resolver)
  const dir = tmpDir('kds-nonative-');
  cpSync(join(layers, 'drivers'), join(dir, 'drivers'), { recursive: true });
  cpSync(join(layers, 'dsn'), join(dir, 'dsn'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const dep of ['node-sqlite3-wasm', ...ownDependencies()]) symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const out = child(
    dir,
    'child.ts',
    `
import { createRequire } from 'node:module';
import { openBackend, selectDriver } from './drivers/index.js';
const cfg = (driver?: string) => ({ location: { kind: 'memory' }, mode: 'rwc', ...(driver ? { driver } : {}), txlock: 'immediate',
  busyTimeout: 5000, stmtCacheSize: 128, immutable: false, nolock: false,
  pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 } }) as any;
const out: any = {};
try { createRequire(import.meta.url)('better-sqlite3'); out.sanity = 'loaded'; } catch (e: any) { out.sanity = e.code; }
out.auto = selectDriver(cfg(), {});
const b = openBackend(cfg(), {});
out.opened = { driver: b.selection.driver, rows: b.execute('select 41 + 1 as v', []).rows };
b.close();
try { openBackend(cfg('native'), {}); } catch (e: any) {
  out.native = { name: e.name, code: e.code, message: e.message, causeCode: e.cause?.code, attempts: e.attempts };
}
try { selectDriver(cfg(), { env: { SQLITE_DRIVER: 'native' } }); } catch (e: any) { out.envNative = e.code; }
console.log(JSON.stringify(out));
`,
  );
  assert.is(out.sanity, 'MODULE_NOT_FOUND', 'the setup really hides better-sqlite3');
  // next in line is node:sqlite where this Node has it, else wasm, and the reason names each skip
  const next = hasNodeSqlite() ? 'node' : 'wasm';
  assert.is(out.auto.driver, next);
  assert.is(out.auto.source, 'auto');
  assert.match(out.auto.reason, new RegExp(`native skipped: better-sqlite3 failed to load \\(Cannot find module 'better-sqlite3'.*; fix: \`npm install better-sqlite3@\\^12\`.*\\)${next === 'wasm' ? '; node skipped: .*node:sqlite.*fix: run on Node 22\\.13\\+' : ''}.*; using ${next}`));
  assert.equal(out.opened, { driver: next, rows: [{ v: 42 }] });
  assert.is(out.native.name, 'DriverUnavailableError');
  assert.is(out.native.code, 'DRIVER_UNAVAILABLE');
  assert.is(out.native.causeCode, 'MODULE_NOT_FOUND');
  assert.match(out.native.message, /npm install better-sqlite3.*_driver=node/);
  assert.is(out.native.attempts?.length, 1);
  assert.is(out.envNative, 'DRIVER_UNAVAILABLE');
});

fallback('each driver loads lazily: using one never loads the other two', () => {
  const dir = tmpDir('kds-lazy-');
  const probe = (driver: string) => `
import { createRequire } from 'node:module';
const { openBackend } = await import(${lib('drivers/index.ts')});
const cfg = { location: { kind: 'memory' }, mode: 'rwc', driver: '${driver}', txlock: 'immediate', busyTimeout: 5000,
  stmtCacheSize: 128, immutable: false, nolock: false,
  pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 } };
const { driversLoaded } = await import(${lib('drivers/load.ts')});
const b = openBackend(cfg);
b.execute('select 1', []);
b.close();
// node-sqlite3-wasm is loaded outside the module cache (drivers/wasm-fs.ts): its loader says
const cache = Object.keys(createRequire(import.meta.url).cache);
const node = (process as any).moduleLoadList?.includes('NativeModule sqlite') ?? false;
console.log(JSON.stringify({ native: cache.some((k) => k.includes('/better-sqlite3/')), wasm: driversLoaded().wasm, node }));
`;
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  assert.equal(child(dir, 'wasm.ts', probe('wasm')), { native: false, wasm: true, node: false });
  assert.equal(child(dir, 'native.ts', probe('native')), { native: true, wasm: false, node: false });
  if (hasNodeSqlite()) assert.equal(child(dir, 'node.ts', probe('node')), { native: false, wasm: false, node: true });
});

if (hasNodeSqlite()) {
  // The decision documented in docs/drivers.md: loading node:sqlite for the user drops its
  // ExperimentalWarning, and only that one, only while loading; a user's own import keeps it.
  fallback('node:sqlite loaded by the driver prints no ExperimentalWarning; other warnings and a user\'s own import still do', () => {
    const dir = tmpDir('kds-warn-');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const run = (file: string, code: string) => {
      writeFileSync(join(dir, file), code);
      const r = spawnSync(process.execPath, ['--import', tsx, join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.is(r.status, 0, r.stderr);
      return r;
    };
    const ours = run('ours.ts', `
const before = process.emitWarning;
const { openBackend } = await import(${JSON.stringify(join(root, 'drivers/index.ts'))});
const cfg = { location: { kind: 'memory' }, mode: 'rwc', driver: 'node', txlock: 'immediate', busyTimeout: 5000,
  stmtCacheSize: 128, immutable: false, nolock: false,
  pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 } };
openBackend(cfg).close();
process.emitWarning('another experiment', 'ExperimentalWarning');
console.log(JSON.stringify({ restored: process.emitWarning === before }));
`);
    assert.not.match(ours.stderr, /SQLite is an experimental feature/);
    assert.match(ours.stderr, /ExperimentalWarning: another experiment/);
    assert.equal(JSON.parse(ours.stdout.trim()), { restored: true });
    const theirs = run('theirs.ts', `import 'node:sqlite';\nconsole.log('{}');\n`);
    // A user's own import keeps Node's warning where Node prints one: 22.x does (measured on
    // 22.23); 24.22 prints none for node:sqlite at all, so there is nothing to keep or drop there.
    const warns = /ExperimentalWarning: SQLite is an experimental feature/.test(theirs.stderr);
    if (process.versions.node.startsWith('22.')) assert.ok(warns, `a plain import of node:sqlite on Node 22 should warn: ${theirs.stderr}`);
    else console.log(`  Node ${process.versions.node}: a plain import of node:sqlite ${warns ? 'warns' : 'prints no ExperimentalWarning'}`);
  });
}

fallback('native URI options are refused, not mis-opened, when the addon was loaded earlier without SQLITE_USE_URI', () => {
  const dir = tmpDir('kds-nouri-');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const out = child(
    dir,
    'child.ts',
    `
import { createRequire } from 'node:module';
const Database = createRequire(${JSON.stringify(join(root, 'package.json'))})('better-sqlite3');
new Database(':memory:').close(); // someone else loads the addon first, URI mode off
const { openBackend } = await import(${lib('drivers/index.ts')});
const cfg = (extra: object) => ({ location: { kind: 'file', path: ${JSON.stringify(join(dir, 'a.db'))} }, mode: 'rwc', driver: 'native',
  txlock: 'immediate', busyTimeout: 5000, stmtCacheSize: 128, immutable: false, nolock: false,
  pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 }, ...extra });
const out: any = {};
try { openBackend(cfg({ vfs: 'unix-dotfile' })); out.opened = true; } catch (e: any) { out.code = e.code; out.message = e.message; }
const plain = openBackend(cfg({}));
plain.execute('create table t (x)', []);
plain.close();
console.log(JSON.stringify(out));
`,
  );
  assert.is(out.code, 'NATIVE_URI_MODE_OFF');
  assert.match(out.message, /already loaded.*SQLITE_USE_URI=1/);
  assert.equal(readdirSync(dir).filter((f) => !f.startsWith('child.')).sort(), ['a.db', 'package.json'], 'no file named after a URI');
});

fallback('with SQLITE_USE_URI=1 in the environment, URI options work even if the addon loaded first', () => {
  const dir = tmpDir('kds-uri-env-');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const out = child(
    dir,
    'child.ts',
    `
import { createRequire } from 'node:module';
const Database = createRequire(${JSON.stringify(join(root, 'package.json'))})('better-sqlite3');
new Database(':memory:').close();
const { openBackend } = await import(${lib('drivers/index.ts')});
const b = openBackend({ location: { kind: 'file', path: ${JSON.stringify(join(dir, 'a.db'))} }, mode: 'rwc', driver: 'native', vfs: 'unix-dotfile',
  txlock: 'immediate', busyTimeout: 5000, stmtCacheSize: 128, immutable: false, nolock: false,
  pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 } });
b.execute('create table t (x)', []);
console.log(JSON.stringify({ lock: b.lockProtocol }));
b.close();
`,
    { SQLITE_USE_URI: '1' },
  );
  assert.equal(out, { lock: 'dotfile' });
  assert.equal(readdirSync(dir).filter((f) => !f.startsWith('child.')).sort(), ['a.db', 'package.json']);
});
fallback('a first native open from a worker thread cannot turn URI mode on: refused with the reason; fine with SQLITE_USE_URI=1', () => {
  const dir = tmpDir('kds-uri-worker-');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const entry = fileURLToPath(workerEntry(join(root, 'tests/drivers/uri-worker.ts'), new URL('./uri-worker-entry.mjs', import.meta.url)));
  const script = `
import { Worker } from 'node:worker_threads';
const w = new Worker(${JSON.stringify(entry)}, { workerData: { file: ${JSON.stringify(join(dir, 'w.db'))} } });
w.on('message', (m) => console.log(JSON.stringify(m)));
`;
  const off = child(dir, 'child.mjs', script);
  assert.is(off.code, 'NATIVE_URI_MODE_OFF');
  assert.match(off.message, /worker thread/);
  assert.equal(readdirSync(dir).sort(), ['child.mjs', 'package.json'], 'nothing created');
  assert.equal(child(dir, 'child.mjs', script, { SQLITE_USE_URI: '1' }), { lockProtocol: 'dotfile' });
});

/**
 * A copy of the library in a folder whose node_modules holds a better-sqlite3 whose addon does not
 * load in the child: `garbage` replaces every compiled .node of the package by text (a damaged
 * install, e.g. an interrupted download: dlopen fails for real with "invalid ELF header"; a
 * truncated ELF file would crash the process with SIGBUS instead), `real` keeps this machine's
 * build (loaded by another Node version it is a real ABI mismatch). node-sqlite3-wasm is present
 * or absent. Works for better-sqlite3 12 (build/Release) and 13 (prebuilds/).
 */
function brokenNativeProject(addon: 'garbage' | 'real', withWasm: boolean): string {
  const dir = tmpDir('kds-badnative-');
  for (const layer of ['drivers', 'dsn', 'core']) cpSync(join(layers, layer), join(dir, layer), { recursive: true });
  const modules = join(dir, 'node_modules');
  const source = join(root, 'node_modules/better-sqlite3');
  const pkg = join(modules, 'better-sqlite3');
  // the sources and the build's object files are not needed to load it (and are large)
  const skip = /\/(deps|src|obj|obj\.target)(\/|$)|\.a$/;
  cpSync(source, pkg, { recursive: true, filter: (from) => !skip.test(from.slice(source.length)) });
  if (addon === 'garbage') for (const file of nodeFiles(pkg)) writeFileSync(file, Buffer.alloc(4096, 'not a shared object '));
  const deps = Object.keys(JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).dependencies ?? {});
  for (const dep of [...deps, 'file-uri-to-path', 'kysely', ...ownDependencies(), ...(withWasm ? ['node-sqlite3-wasm'] : [])]) {
    if (existsSync(join(root, 'node_modules', dep))) symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return dir;
}

function nodeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node')).map((f) => join(dir, f));
}

const autoProbe = `
import { openDatabase } from './core/index.js';
const events: any[] = [];
const log = (e: any) => events.push({ level: e.level, event: e.event, message: e.message });
const out: any = {};
try {
  const a = await openDatabase(':memory:', { log });
  const b = await openDatabase(':memory:', { log });
  out.selection = a.selection;
  out.rows = (await a.execute('select 41 + 1 as v')).rows;
  await a.close();
  await b.close();
} catch (e: any) {
  out.error = { name: e.name, code: e.code, message: e.message, attempts: e.attempts };
}
out.events = events;
console.log(JSON.stringify(out));
`;

fallback('auto with a damaged better-sqlite3 and no node-sqlite3-wasm: each driver tried, why it failed, its fix', () => {
  const out = child(brokenNativeProject('garbage', false), 'child.ts', autoProbe);
  if (hasNodeSqlite()) {
    // node:sqlite is next in line on this Node: it is used, and the reason says why native was not
    assert.is(out.selection?.driver, 'node', JSON.stringify(out));
    assert.match(out.selection.reason, /native skipped: .*invalid ELF header.*fix: `npm rebuild better-sqlite3`/);
    return;
  }
  assert.is(out.error?.code, 'DRIVER_UNAVAILABLE', JSON.stringify(out));
  assert.equal(out.error.attempts.map((a: any) => a.driver), ['native', 'node', 'wasm']);
  assert.match(out.error.message, /native needs better-sqlite3, which failed to load: .*invalid ELF header/);
  assert.match(out.error.message, /fix: `npm rebuild better-sqlite3`/);
  assert.match(out.error.message, /wasm needs node-sqlite3-wasm, which failed to load: Cannot find module 'node-sqlite3-wasm'/);
  assert.match(out.error.message, /fix: `npm install node-sqlite3-wasm`/);
});

fallback('auto with a damaged better-sqlite3 falls back to wasm: the reason says why, one warn event', () => {
  const out = child(brokenNativeProject('garbage', true), 'child.ts', autoProbe);
  assert.is(out.error, undefined, JSON.stringify(out.error));
  const next = hasNodeSqlite() ? 'node' : 'wasm';
  assert.is(out.selection.driver, next);
  assert.equal(out.rows, [{ v: 42 }]);
  assert.match(out.selection.reason, new RegExp(`native skipped: better-sqlite3 failed to load \\(.*; fix: \`npm rebuild better-sqlite3\`.*\\); using ${next}`));
  assert.equal(out.selection.skipped.map((a: any) => a.driver), next === 'wasm' ? ['native', 'node'] : ['native']);
  assert.equal(out.events.map((e: any) => [e.level, e.event]), [['warn', 'driver-fallback']], 'one warning for two opens');
  assert.is(out.events[0].message, out.selection.reason);
});

// A real ABI mismatch needs a second Node of another major version loading the better-sqlite3
// built here (12 compiles a per-ABI addon; 13's prebuilt N-API addon loads on any version, so there
// is nothing to test). KDS_OTHER_NODE names that binary; otherwise the Node-matrix cache
// (.cache/node/<version>/package/bin/node, scripts/node-matrix.mjs) is searched.
const other = otherNode();
const perAbiAddon = existsSync(join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
if (other && perAbiAddon) {
  fallback(`auto under another Node ABI (${other.version} loading this ${process.version} addon): names the mismatch and \`npm rebuild better-sqlite3\``, () => {
    const dir = brokenNativeProject('real', false);
    writeFileSync(join(dir, 'child.ts'), autoProbe);
    const r = spawnSync(other.node, ['--import', tsx, join(dir, 'child.ts')], { cwd: dir, encoding: 'utf8', timeout: SPAWN_HANG_MS });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // Node 22.13+ has node:sqlite, next in line after native: auto uses it and says why native was skipped
    const text: string = out.error?.message ?? out.selection?.reason ?? '';
    assert.ok(out.error?.code === 'DRIVER_UNAVAILABLE' || out.selection?.driver === 'node', JSON.stringify(out));
    assert.match(text, /NODE_MODULE_VERSION/);
    assert.match(text, /fix: `npm rebuild better-sqlite3` \(its addon was built for another Node\.js version; this is v\d+\./);
  });
} else {
  console.log(
    `skipped: the real ABI-mismatch test needs ${perAbiAddon ? 'a Node binary of another major version (KDS_OTHER_NODE, or the node-matrix cache .cache/node/)' : 'a per-ABI better-sqlite3 build (12.x); 13.x loads on every Node'}; the damaged-addon tests above run everywhere`,
  );
}

/** A Node binary whose major version differs from this one, or undefined. */
function otherNode(): { node: string; version: string } | undefined {
  const mine = process.versions.node.split('.')[0];
  const candidates = process.env.KDS_OTHER_NODE ? [process.env.KDS_OTHER_NODE] : [];
  // the checkout's cache, or the cache this copy lives in when the matrix runs it in .cache/node/<v>/tree
  for (const cache of [join(root, '.cache/node'), join(root, '..', '..')]) {
    if (!existsSync(cache)) continue;
    for (const v of readdirSync(cache)) candidates.push(join(cache, v, 'package/bin/node'));
  }
  for (const node of candidates) {
    if (!existsSync(node)) continue;
    const r = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' });
    const version = r.stdout?.trim();
    if (r.status === 0 && version && version.slice(1).split('.')[0] !== mine) return { node, version };
  }
  return undefined;
}
fallback.run();
