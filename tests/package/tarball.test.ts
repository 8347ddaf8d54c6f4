/**
 * The package as users get it: `npm pack` (which builds first, `prepack`), then a fresh app in a
 * temporary folder installs the tarball with kysely and both drivers the way the README says, and
 * - a TypeScript consumer compiled by `tsc` for `nodenext`, once as ESM (`.mts`) and once as
 *   CommonJS (`.cts`, which `require()`s the package), type-checks and runs the README program;
 * - the public declarations type-check with no ambient types (`types: []`, no `@types/node` in the
 *   app, lib es2022 + dom): no published `.d.ts` may need Node's types, which the package does not
 *   declare as a dependency (a canary with NodeJS, Buffer and node:fs must fail the same check);
 * - `npx dual-sqlite --help` runs the packed CLI.
 * It runs on whatever Node runs it; scripts/node-matrix.mjs runs it on Node 20, 22 and 24.
 *
 * Installing is offline-ish: npm resolves from its cache (`--prefer-offline`) and skips install
 * scripts. better-sqlite3 13 ships prebuilt binaries and needs none; for 12 the compiled addon is
 * copied from this tree's own install when the app resolved the same version (same Node ABI: this
 * tree was installed for the Node running the test), else built with `npm rebuild`. Everything
 * else is exactly what npm installs for a user.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpDir } from '../helpers/tmp.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';
import { SHORT_CHILD_FLAGS } from '../helpers/entry.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const test = suite('package: packed tarball in a fresh app');

/** Runs a command; npm resolves through PATH, which the Node matrix points at the Node under test. */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 600_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', SQLITE_DRIVER: '' },
  });
}

const out = (r: SpawnSyncReturns<string>) => `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}`;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The README's "Use it with Kysely" program, verbatim (the docs example test runs it too). */
function readmeProgram(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it with Kysely'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a ts block under "Use it with Kysely"');
  return m![1]!;
}

/** The same program as a CommonJS module: imports stay at the top, the rest in an async main. */
function asCommonJs(program: string): string {
  const lines = program.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  return `${imports.join('\n')}\n\nasync function main(): Promise<void> {\n${body.join('\n')}\n}\nvoid main();\n`;
}

let tarball = '';
let app = '';

test('npm pack builds dist first and ships LICENSE, README, types and the CLI', () => {
  // Packed from a copy: prepack rebuilds dist/, which must not race with another run's dist.
  const src = tmpDir('kds-pack-');
  const skip = new Set(['node_modules', '.git', '.cache', '.tmp', 'dist', 'data']);
  for (const name of readdirSync(root)) if (!skip.has(name)) cpSync(join(root, name), join(src, name), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
  const dest = tmpDir('kds-tgz-');
  const r = run('npm', ['pack', '--json', '--pack-destination', dest], src);
  assert.is(r.status, 0, out(r));
  const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0] as { filename: string; files: { path: string }[] };
  const paths = info.files.map((f) => f.path);
  for (const p of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']) {
    assert.ok(paths.includes(p), `the tarball lacks ${p}: ${paths.filter((x) => !x.startsWith('docs/')).join(', ')}`);
  }
  assert.not.ok(paths.some((p) => p.startsWith('tests/') || p.startsWith('bench/') || p.endsWith('.ts') && !p.endsWith('.d.ts')), 'sources or tests in the tarball');
  tarball = join(dest, info.filename);
});

test('a fresh app installs the tarball with kysely and both drivers', () => {
  assert.ok(tarball, 'no tarball (previous test failed)');
  app = tmpDir('kds-app-');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  const r = run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, 'kysely', 'better-sqlite3', 'node-sqlite3-wasm'], app);
  assert.is(r.status, 0, out(r));
  const installed = (name: string) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  const mine = (name: string) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  // The addon. better-sqlite3 13 ships prebuilt binaries in the package (nothing to build);
  // 12 compiles at install: this tree's build is for this Node's ABI, reused for the same version.
  const bs3 = join(app, 'node_modules/better-sqlite3');
  if (existsSync(join(bs3, 'prebuilds'))) {
    // loads as installed
  } else if (installed('better-sqlite3') === mine('better-sqlite3') && existsSync(join(root, 'node_modules/better-sqlite3/build'))) {
    cpSync(join(root, 'node_modules/better-sqlite3/build'), join(bs3, 'build'), { recursive: true });
  } else {
    const b = run('npm', ['rebuild', 'better-sqlite3'], app, 900_000);
    assert.is(b.status, 0, out(b));
  }
  console.log(`  node ${process.version}: kysely ${installed('kysely')}, better-sqlite3 ${installed('better-sqlite3')}, node-sqlite3-wasm ${installed('node-sqlite3-wasm')}`);
  assert.is(installed('kysely-dual-sqlite'), pkg.version);
  assert.not.match(r.stderr, /EBADENGINE/, 'npm chose a dependency this Node does not support');
});

test('the published declarations need no @types/node: tsc with no ambient types, lib es2022 + dom', () => {
  assert.ok(app, 'no app (previous test failed)');
  // Without @types/node in the app, a Node-only name (Buffer, NodeJS.*, a node: import) in any
  // .d.ts reachable from the entry point fails here; the package does not depend on @types/node.
  // lib `dom` is there because kysely 0.29's own declarations name Blob and AbortSignal (web
  // globals that Node has too); it declares neither Buffer nor the NodeJS namespace, which the
  // canary below proves in the same run, so a declaration of ours needing Node's types still fails.
  assert.not.ok(existsSync(join(app, 'node_modules/@types/node')), 'the app has @types/node, so this check would prove nothing');
  // One tsc run over two files: the API alone (must have no error: a published .d.ts error is
  // reported under its own path), and the canary (must fail on each Node-only name).
  const dir = join(app, 'types-only');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/api.mts'), "import * as api from 'kysely-dual-sqlite';\nexport type Api = typeof api;\n");
  writeFileSync(join(dir, 'src/canary.mts'), [
    "import * as api from 'kysely-dual-sqlite';",
    'export type Api = typeof api;',
    'export declare function f(e: NodeJS.ErrnoException): Buffer;',
    "export type G = typeof import('node:fs');",
  ].join('\n'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
    include: ['src'],
  }, null, 2));
  const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], dir);
  const errors = tsc.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  const canary = errors.filter((l) => l.startsWith('src/canary.mts'));
  assert.is.not(tsc.status, 0, `the canary (NodeJS, Buffer, node:fs) type-checked, so this check cannot see Node's types: ${out(tsc)}`);
  for (const missing of ["Cannot find namespace 'NodeJS'", "Cannot find name 'Buffer'", "'node:fs'"]) {
    assert.ok(canary.some((l) => l.includes(missing)), `the canary did not fail on ${missing}: ${out(tsc)}`);
  }
  assert.equal(
    errors.filter((l) => !l.startsWith('src/canary.mts')),
    [],
    `a published .d.ts needs a type the package does not declare (mark internal helpers @internal, stripInternal drops them): ${out(tsc)}`,
  );
});

test('tsc (nodenext) type-checks the README program as ESM and as CommonJS; both run on every driver', () => {
  assert.ok(app, 'no app (previous test failed)');
  const program = readmeProgram();
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src/esm.mts'), program);
  writeFileSync(join(app, 'src/cjs.cts'), asCommonJs(program));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', rootDir: 'src', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
    include: ['src'],
  }, null, 2));
  const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  assert.is(tsc.status, 0, `tsc: ${out(tsc)}`);
  assert.match(readFileSync(join(app, 'out/cjs.cjs'), 'utf8'), /require\("kysely-dual-sqlite"\)/, 'the .cts consumer compiles to require()');
  // node:sqlite where this Node has it (22+): the third driver needs nothing installed.
  for (const driver of ['native', 'wasm', ...(isBuiltin('node:sqlite') ? ['node'] : []), 'auto']) {
    for (const file of ['out/esm.mjs', 'out/cjs.cjs']) {
      const cwd = join(app, `run-${driver}-${file.replace(/\W/g, '-')}`);
      mkdirSync(cwd);
      const r = spawnSync(process.execPath, [...SHORT_CHILD_FLAGS, join(app, file)], { cwd, encoding: 'utf8', timeout: SPAWN_HANG_MS, env: { ...process.env, SQLITE_DRIVER: driver } });
      assert.is(r.status, 0, `${driver} ${file}: ${out(r)}`);
      assert.match(r.stdout, /read the docs/, `${driver} ${file}: ${out(r)}`);
      assert.ok(existsSync(join(cwd, 'app.db')), `${driver} ${file}: no app.db`);
    }
  }
});

test('npx dual-sqlite --help runs the packed CLI', () => {
  assert.ok(app, 'no app (previous test failed)');
  const r = run('npx', ['--no-install', 'dual-sqlite', '--help'], app);
  assert.is(r.status, 0, out(r));
  assert.match(r.stdout, /^dual-sqlite: /);
  assert.match(r.stdout, /Usage:/);
  assert.ok(readdirSync(join(app, 'node_modules/.bin')).includes('dual-sqlite'));
});

test.run();
