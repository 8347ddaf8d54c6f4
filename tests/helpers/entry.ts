/**
 * How a test starts one of this checkout's TypeScript files in a child process or worker thread.
 *
 * `npm test` (tests/run.mjs) compiles the checkout once per run (tests/build-js.mjs) and names the
 * folder in `KDS_TEST_JS`; children then run that JavaScript with plain `node`, which costs about
 * a quarter of the CPU of `node --import tsx` (the suite starts hundreds of children). Without it
 * (a test file run by hand with `node --import tsx`) every child runs its `.ts` through tsx, as
 * before. The build is keyed by the content of every source file, so it is never stale within
 * the run that made it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * V8 flags for the short children the tests start (a CLI command, a docs example, a lock holder),
 * prepended to their arguments where a test starts one: not for children whose run is long (the
 * torture workers) or timed (the serial files). On Node 20, V8 moves node-sqlite3-wasm's hot
 * functions (SQLite's VM, its parser) to its optimizing compiler within the first statements, and
 * compiling those large functions costs about 0.6 CPU s per process, on threads beside the
 * program, for code a child that lives a second never runs long enough to pay back (a README
 * example on wasm: 1.5 CPU s, 0.9 s with this flag). A higher tier-up budget only delays that
 * step: the same WebAssembly runs with the same results, and a function that stays hot is still
 * optimized. Node 22 and 24 already start at 13 000 000.
 */
export const SHORT_CHILD_FLAGS: readonly string[] = ['--wasm-tiering-budget=100000000'];

/** Absolute tsx loader URL, so a child finds it from any working directory. */
export const tsx = import.meta.resolve('tsx');

/** The compiled tree of this run, when tests/run.mjs made one. */
export const compiledDir: string | undefined = process.env.KDS_TEST_JS || undefined;

/** The checkout: `<root>/.cache/test-js/<hash>` when compiled, else two folders above this file. */
export const sourceRoot = compiledDir ? join(compiledDir, '..', '..', '..') : fileURLToPath(new URL('../..', import.meta.url));

const inside = (dir: string, file: string) => {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
};

/** `file` (absolute, `.ts` or `.js`, in the checkout or in the compiled tree) as a path relative to the checkout, with `.ts`. */
function sourceRelative(file: string): string {
  const rel = (compiledDir && inside(compiledDir, file)) ?? inside(sourceRoot, file);
  if (rel === undefined) throw new Error(`entry.ts: ${file} is not a file of this checkout (${sourceRoot})`);
  return rel.replace(/\.js$/, '.ts');
}

/**
 * The compiled JavaScript of `file` (a `.ts` file of the checkout, as a path or file URL), or
 * undefined when this run has no compiled tree.
 */
export function compiledFile(file: string | URL): string | undefined {
  if (!compiledDir) return undefined;
  const js = join(compiledDir, sourceRelative(toPath(file)).replace(/\.ts$/, '.js'));
  if (!existsSync(js)) throw new Error(`entry.ts: ${js} is missing from the compiled tree; is ${toPath(file)} new? rerun tests/run.mjs`);
  return js;
}

const toPath = (file: string | URL) => (typeof file === 'string' ? file : fileURLToPath(file));

/** The `.ts` source of `file` (which may name the compiled copy), for running it through tsx. */
const sourceFile = (file: string | URL) => join(sourceRoot, sourceRelative(toPath(file)));

/**
 * Node's arguments that run `file` (a `.ts` file of this checkout): `[compiled.js]` in a compiled
 * run, else `['--import', tsx, file.ts]`. Append the script's own arguments.
 */
export function nodeArgs(file: string | URL): string[] {
  const js = compiledFile(file);
  return js ? [js] : ['--import', tsx, sourceFile(file)];
}

/** What `child_process.fork()` needs to run `file`: the module path and the Node options. */
export function forkArgs(file: string | URL): { modulePath: string; execArgv: string[] } {
  const js = compiledFile(file);
  return js ? { modulePath: js, execArgv: [] } : { modulePath: sourceFile(file), execArgv: ['--import', tsx] };
}

/**
 * The entry of a worker thread that runs `file`: its compiled JavaScript in a compiled run, else
 * `shim`, a `.mjs` file that registers tsx in the thread before importing the `.ts` (tsx's
 * `--import` hooks do not reach worker threads on Node 20).
 */
export function workerEntry(file: string | URL, shim: URL): URL {
  const js = compiledFile(file);
  return js ? pathToFileURL(js) : shim;
}

/** The module a test's generated program imports for `file`: the compiled `.js` or the `.ts`. */
export function importable(file: string): string {
  return compiledFile(file) ?? sourceFile(file);
}

/**
 * Node's arguments that run a TypeScript program a test wrote outside the checkout (a docs
 * example, a user's snippet in a temporary folder). In a compiled run the program is transformed
 * by esbuild, as tsx would, into `<file>.mjs` beside it (its imports unchanged), and runs on plain
 * node; else `['--import', tsx, file]`.
 */
export function programArgs(file: string): string[] {
  if (!compiledDir) return ['--import', tsx, file];
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
  const out = file.replace(/\.[cm]?ts$/, '') + '.mjs';
  writeFileSync(out, code);
  return [out];
}
