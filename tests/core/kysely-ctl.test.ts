/**
 * kysely-ctl (Kysely's command line) with this dialect in its config file: two real
 * `kysely migrate:latest` processes at once on one new file apply each migration once.
 */
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { importable, SHORT_CHILD_FLAGS } from '../helpers/entry.js';
import { readSchema } from './fixtures/migrations.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'node_modules/kysely-ctl/dist/bin.mjs');

function project(): string {
  const dir = tmpDir('kds-ctl-');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  // The config a user writes, with the package import pointed at this checkout: its JavaScript
  // under npm test, as a user's installed package is (jiti, which loads the config, would
  // otherwise transpile the whole library's TypeScript again in each process: ~4 CPU s each).
  writeFileSync(
    join(dir, 'kysely.config.ts'),
    `import { defineConfig } from 'kysely-ctl';
import { DualSqliteDialect } from ${JSON.stringify(importable(join(root, 'index.ts')))};
export default defineConfig({
  dialect: new DualSqliteDialect({ dsn: process.env.DATABASE_URL ?? 'app.db' }),
  migrations: { migrationFolder: 'migrations' },
});
`,
  );
  mkdirSync(join(dir, 'migrations'));
  for (const i of [1, 2, 3]) {
    writeFileSync(
      join(dir, 'migrations', `00${i}_t.ts`),
      `import type { Kysely } from 'kysely';
export async function up(db: Kysely<any>) {
  await db.schema.createTable('t00${i}').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
  await new Promise((r) => setTimeout(r, 50));
  await db.schema.alterTable('t00${i}').addColumn('extra', 'text').execute();
}
export async function down(db: Kysely<any>) {
  await db.schema.dropTable('t00${i}').execute();
}
`,
    );
  }
  return dir;
}

function migrateLatest(cwd: string, driver: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...SHORT_CHILD_FLAGS, bin, 'migrate:latest', '--no-outdated-check'], {
      cwd,
      env: { ...process.env, SQLITE_DRIVER: driver, DATABASE_URL: 'app.db', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

matrix('kysely-ctl migrate:latest', (test, driver) => {
  test('two processes at once: both exit 0, each migration applied once', async () => {
    const dir = project();
    const runs = await Promise.all([migrateLatest(dir, driver), migrateLatest(dir, driver)]);
    for (const r of runs) assert.is(r.code, 0, r.out);
    const ran = runs.map((r) => (/Ran (\d+) migration/.exec(r.out)?.[1] ?? '0')).map(Number);
    assert.is(ran[0]! + ran[1]!, 3, runs.map((r) => r.out).join('\n---\n'));
    const state = await readSchema(join(dir, 'app.db'), driver);
    assert.equal(state.recorded, ['001_t', '002_t', '003_t'], 'each recorded once');
    assert.equal(state.tables, { t001: ['id', 'extra'], t002: ['id', 'extra'], t003: ['id', 'extra'] });
    assert.is(state.integrity, 'ok');
  });
});
