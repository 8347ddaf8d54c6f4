// Module hooks for npm test's own test processes (registered by ts-loader.mjs): each `.ts` file
// of the checkout loads as the JavaScript tests/build-js.mjs already compiled for this run, under
// its own `.ts` URL, so `import.meta.url`, relative paths and stack traces are what tsx gives;
// `./x.js` specifiers from a `.ts` module resolve to `x.ts` as tsx resolves them. A `.ts` file
// the build does not hold (one a test wrote at run time) is transformed here by esbuild.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

let compiledDir;
let root;

/** @param {{ compiledDir: string }} data */
export function initialize(data) {
  compiledDir = data.compiledDir;
  root = join(compiledDir, '..', '..', '..');
}

/** The compiled file of a `.ts` URL of the checkout, or undefined. */
function compiledOf(url) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return undefined;
  const rel = relative(root, fileURLToPath(url));
  if (rel.startsWith('..') || isAbsolute(rel) || rel.startsWith(`node_modules${sep}`) || rel.startsWith(`.`)) return undefined;
  const js = join(compiledDir, `${rel.slice(0, -3)}.js`);
  return existsSync(js) ? js : undefined;
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith('.ts') && specifier.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, parent).href;
    if (compiledOf(ts)) return { url: ts, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

let esbuild;

export async function load(url, context, next) {
  const js = compiledOf(url);
  if (js) {
    // The map sits beside the compiled file, not beside the .ts this module is known by. Node
    // follows a relative map URL only (an absolute file: URL is an "unknown protocol" to it).
    const map = relative(dirname(fileURLToPath(url)), `${js}.map`).split(sep).join('/');
    const source = readFileSync(js, 'utf8').replace(/\/\/# sourceMappingURL=\S+\n?$/, `//# sourceMappingURL=${map}\n`);
    return { format: 'module', source, shortCircuit: true };
  }
  if (url.startsWith('file:') && /\.[cm]?ts$/.test(url) && !url.includes('/node_modules/')) {
    esbuild ??= await import('esbuild');
    const file = fileURLToPath(url);
    const { code } = await esbuild.transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file, sourcemap: 'inline' });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
