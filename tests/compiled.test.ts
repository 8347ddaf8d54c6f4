// npm test's compiled path (tests/build-js.mjs, tests/ts-loader.mjs, tests/helpers/entry.ts): the
// tree mirrors the sources exactly and is never stale, children get the compiled file only when
// the run made one, and a test process loaded through the compiled tree still sees `.ts` URLs and
// TypeScript line numbers, as under tsx.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDsn } from '../index.js';
import { tmpDir } from './helpers/tmp.js';
import { SPAWN_HANG_MS } from './helpers/hang.js';
import { compiledDir, nodeArgs, SHORT_CHILD_FLAGS, tsx } from './helpers/entry.js';
import { buildTestJs } from './build-js.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const tree = suite('compiled tree');

tree('holds one .js and one map for each .ts of the checkout, and nothing else', async () => {
  const out = await buildTestJs(root);
  // The checkout's own sources: not dependencies, build output or dot folders (.cache, .tmp, .git).
  const skipped = (f: string) => f.split(sep).some((part) => part.startsWith('.') || ['node_modules', 'dist', 'data'].includes(part));
  const expected = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !skipped(f))
    .flatMap((f) => [f.replace(/\.ts$/, '.js'), f.replace(/\.ts$/, '.js.map')])
    .sort();
  const actual = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => !statSync(join(out, f)).isDirectory() && f !== '.complete').sort();
  assert.equal(actual, expected);
});

tree('a changed source makes another folder; the old one is left whole; a removed source is gone from the new one', async () => {
  const checkout = tmpDir('kds-build-');
  writeFileSync(join(checkout, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext' } }));
  mkdirSync(join(checkout, 'lib'));
  writeFileSync(join(checkout, 'a.ts'), "export const a: number = 1;\nexport { b } from './lib/b.js';\n");
  writeFileSync(join(checkout, 'lib', 'b.ts'), 'export const b: string = "one";\n');
  writeFileSync(join(checkout, 'lib', 'gone.ts'), 'export {};\n');
  const first = await buildTestJs(checkout);
  assert.is(await buildTestJs(checkout), first, 'the same sources: the same folder');
  writeFileSync(join(checkout, 'lib', 'b.ts'), 'export const b: string = "two";\n');
  rmSync(join(checkout, 'lib', 'gone.ts'));
  const second = await buildTestJs(checkout);
  assert.is.not(second, first);
  assert.match(readFileSync(join(first, 'lib', 'b.js'), 'utf8'), /"one"/);
  assert.match(readFileSync(join(second, 'lib', 'b.js'), 'utf8'), /"two"/);
  assert.ok(existsSync(join(first, 'lib', 'gone.js')));
  assert.not.ok(existsSync(join(second, 'lib', 'gone.js')), 'a removed source leaves no compiled file behind');
  assert.match(readFileSync(join(second, 'a.js'), 'utf8'), /from "\.\/lib\/b\.js"/, 'import specifiers are kept');
  assert.equal(relative(join(checkout, '.cache', 'test-js'), second).split('/').length, 1, 'one folder per build under .cache/test-js');
});

const entry = suite('entry points for children');

entry('under npm test a child runs the compiled CLI on plain node; by hand the .ts through tsx', () => {
  const main = join(root, 'cli', 'main.ts');
  if (compiledDir) {
    const args = nodeArgs(main);
    assert.equal(args, [join(compiledDir, 'cli', 'main.js')]);
    const r = spawnSync(process.execPath, [...args, '--help'], { encoding: 'utf8', timeout: SPAWN_HANG_MS });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^dual-sqlite: /);
  }
  // The same helper in a process with no compiled tree: tsx and the source file.
  const probe = `import { nodeArgs } from ${JSON.stringify(pathToFileURL(join(root, 'tests/helpers/entry.ts')).href)};\nconsole.log(JSON.stringify(nodeArgs(${JSON.stringify(main)})));`;
  const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, KDS_TEST_JS: '' }, timeout: SPAWN_HANG_MS });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), ['--import', tsx, main]);
});

const loader = suite('test processes');

loader('keep .ts module URLs and report TypeScript line numbers (under ts-loader.mjs as under tsx)', () => {
  assert.ok(import.meta.url.endsWith('/tests/compiled.test.ts'), import.meta.url);
  const source = readFileSync(join(root, 'dsn', 'errors.ts'), 'utf8').split('\n');
  const line = source.findIndex((l) => l.includes('return new DsnError(')) + 1;
  assert.ok(line > 0);
  let stack = '';
  try {
    parseDsn('file:x.db?_no_such_option=1');
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  assert.match(stack, new RegExp(`dsn/errors\\.ts:${line}:\\d+`), stack);
});

loader('run under the same V8 flags as the short children, timing files under none (tests/run.mjs)', () => {
  const runner = readFileSync(join(root, 'tests', 'run.mjs'), 'utf8');
  const m = /const TEST_FILE_FLAGS = (\[[^\]]*\]);/.exec(runner);
  assert.ok(m, 'TEST_FILE_FLAGS not found in tests/run.mjs');
  assert.equal(JSON.parse(m![1]!.replace(/'/g, '"')), [...SHORT_CHILD_FLAGS]);
  const flags = process.execArgv.filter((a) => a.startsWith('--wasm'));
  // This file is one of the pool's when npm test runs it; by hand it has no flags at all.
  if (process.env.KDS_TEST_JS !== undefined) assert.equal(flags, [...SHORT_CHILD_FLAGS]);
  else assert.equal(flags, []);
});

tree.run();
entry.run();
loader.run();
