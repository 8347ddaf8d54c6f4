// `npm run build` produces a working package: the compiled CLI (the package's `bin`) runs with
// plain `node`, no tsx, including the demo's worker processes, which must find their compiled
// agent module next to the compiled command.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './run-cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';

const test = suite('cli: build');

// Inside the repository (gitignored .tmp/) so the compiled files resolve node_modules like dist/.
const outDir = join(root, '.tmp', `build-${process.pid}`);
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

const run = (args: string[], cwd = root) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: SPAWN_HANG_MS, env: { ...process.env, SQLITE_DRIVER: '' } });

test('tsc -p tsconfig.build.json compiles without errors', () => {
  mkdirSync(outDir, { recursive: true });
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const r = run([tsc, '-p', 'tsconfig.build.json', '--outDir', relative(root, outDir)]);
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  const bin = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin['dual-sqlite'] as string;
  const compiled = join(outDir, bin.replace(/^\.\/dist\//, ''));
  assert.ok(existsSync(compiled), `the bin ${bin} has no compiled file at ${compiled}`);
  assert.ok(readFileSync(compiled, 'utf8').startsWith('#!/usr/bin/env node'), 'the bin needs its shebang');
  assert.ok(existsSync(join(outDir, 'index.d.ts')), 'type declarations are emitted');
});

test('the compiled CLI runs inspect with plain node', () => {
  const r = run([join(outDir, 'cli/main.js'), 'inspect', ':memory:']);
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /canonical\s+file::memory:\?/);
  const bad = run([join(outDir, 'cli/main.js'), 'inspect', 'x.db?_txlok=1']);
  assert.is(bad.status, 2, `${bad.stdout}${bad.stderr}`);
});

test('the compiled demo starts its compiled worker processes and passes', () => {
  const cwd = tmpDir();
  const r = run([join(outDir, 'cli/main.js'), 'demo', '--seconds', '1', '--agents', '2', '--tasks', '2'], cwd);
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /verdict: PASS/);
});

test.run();
