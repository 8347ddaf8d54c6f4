/**
 * The docs' examples are written for kysely 0.28, which exports `Migrator` and its kin from
 * `kysely`. kysely 0.29 (what npm installs on Node 22 and newer) moved them to `kysely/migration`
 * and left behind, in its root declarations, a `KyselyTypeError<"import from 'kysely/migration'
 * instead">` for each moved name. The docs tell 0.29 users to import those names from
 * `kysely/migration`; this module does exactly that to an example before it runs, so the same
 * example is run and typechecked on both versions. The moved names are read from the installed
 * kysely's own declarations (not listed here), so a name kysely moves later is mapped too, and
 * on 0.28 nothing is rewritten.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const MOVED = /export (?:declare const|type) (\w+)\b[^;]*KyselyTypeError<"import from 'kysely\/migration' instead">/g;

/**
 * The folder of the `kysely` package that code in `fromDir` imports: the nearest
 * `node_modules/kysely` upwards (kysely's `exports` hide its package.json from the resolver).
 */
export function kyselyPackageDir(fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'kysely');
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`no node_modules/kysely above ${fromDir}`);
  }
}

/** Names the kysely package in `packageDir` declares as moved to `kysely/migration` (none in 0.28). */
export function movedToMigration(packageDir: string): ReadonlySet<string> {
  // The declarations beside the ESM entry point (0.28: dist/esm/index.d.ts, 0.29: dist/index.d.ts).
  const entry = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).exports['.'] as Record<string, string>;
  const dts = readFileSync(join(packageDir, (entry.import ?? entry.default)!.replace(/\.js$/, '.d.ts')), 'utf8');
  return new Set([...dts.matchAll(MOVED)].map((m) => m[1]!));
}

/**
 * Rewrites `import { A, type B, C } from 'kysely'` so that the specifiers in `moved` come from
 * `kysely/migration` instead: `import { C } from 'kysely'; import { A, type B } from 'kysely/migration'`.
 * `import type { ... }` statements keep their `type`. Other imports are left as written.
 */
export function mapKyselyImports(code: string, moved: ReadonlySet<string>): string {
  if (moved.size === 0) return code;
  return code.replace(/import (type )?\{([^}]*)\} from (['"])kysely\3;?/g, (whole, typeOnly: string | undefined, list: string) => {
    const specifiers = list.split(',').map((s) => s.trim()).filter(Boolean);
    const name = (s: string) => s.replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
    const stay = specifiers.filter((s) => !moved.has(name(s)));
    const go = specifiers.filter((s) => moved.has(name(s)));
    if (go.length === 0) return whole;
    const kw = `import ${typeOnly ?? ''}`;
    const parts = [`${kw}{ ${go.join(', ')} } from 'kysely/migration';`];
    if (stay.length > 0) parts.unshift(`${kw}{ ${stay.join(', ')} } from 'kysely';`);
    return parts.join(' ');
  });
}
