// Compiles this checkout's TypeScript to JavaScript once per test run, so that the child
// processes the tests start (the CLI, fixtures, workers, docs examples) run plain `node file.js`
// instead of `node --import tsx file.ts`: tsx costs about 0.6 CPU s per process (its loader
// thread, its esbuild service, its own code) against about 0.15 s for plain node, and the suite
// starts hundreds of children. tests/helpers/entry.ts hands the compiled files to the spawn sites.
//
// One esbuild transform per file, no bundling: each output sits at the same relative path as its
// source (x.ts -> x.js) inside one folder per content hash under .cache/test-js/, so `./y.js`
// import specifiers stay valid, packages resolve from the checkout's node_modules (Node walks up
// from the output folder) and the checkout's package.json ("type": "module") applies. A folder is
// never changed once complete, so two runs at once in one checkout never see a half-written tree;
// a changed source makes another folder, and folders unused for 3 hours are removed (a run that
// still uses one touched it when it started; the slowest whole run seen took 48 minutes).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Folders of the checkout that hold no source of ours. */
const SKIP = new Set(['node_modules', 'dist', 'data']);
/** Marker written last: a folder without it is a build that did not finish. */
const COMPLETE = '.complete';
const KEEP_MS = 3 * 60 * 60 * 1000;

function sources(root, dir = root, out = []) {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sources(root, full, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, full));
  }
  return out;
}

/**
 * Builds (or finds already built) the JavaScript of every `.ts` file of the checkout at `root`
 * and returns the absolute folder that holds it. Throws when esbuild cannot transform a file.
 */
export async function buildTestJs(root) {
  const esbuild = await import('esbuild');
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  // esbuild reads the options that change emitted code (target, useDefineForClassFields, ...).
  const options = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'external', sourcesContent: false, tsconfigRaw: { compilerOptions } };
  const files = sources(root).map((rel) => ({ rel, code: readFileSync(join(root, rel), 'utf8') }));
  const hash = createHash('sha256').update(JSON.stringify({ esbuild: esbuild.version, options }));
  for (const f of files) hash.update(`\0${f.rel}\0${f.code}`);
  const base = join(root, '.cache', 'test-js');
  const out = join(base, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(out, COMPLETE))) {
    try {
      await transformAll();
    } finally {
      await esbuild.stop(); // its service process would otherwise live (and be counted) until exit
    }
  }
  async function transformAll() {
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    await Promise.all(
      files.map(async ({ rel, code }) => {
        const js = rel.replace(/\.ts$/, '.js');
        const r = await esbuild.transform(code, { ...options, sourcefile: join(root, rel) });
        const target = join(tmp, js);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, `${r.code}//# sourceMappingURL=${js.split(sep).pop()}.map\n`);
        writeFileSync(`${target}.map`, r.map);
      }),
    );
    writeFileSync(join(tmp, COMPLETE), '');
    try {
      renameSync(tmp, out);
    } catch (error) {
      // Another run finished the same build first: same content, use theirs.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(out, COMPLETE))) throw error;
    }
  }
  const now = new Date();
  utimesSync(join(out, COMPLETE), now, now);
  for (const name of readdirSync(base)) {
    const dir = join(base, name);
    if (dir === out) continue;
    const marker = join(dir, COMPLETE);
    const used = existsSync(marker) ? statSync(marker).mtimeMs : statSync(dir).mtimeMs;
    if (now.getTime() - used > KEEP_MS) rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
