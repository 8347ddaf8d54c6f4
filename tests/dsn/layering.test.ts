// dsn/ is pure: no I/O, no driver, no other layer. Checked on the source so a stray import
// cannot creep in unnoticed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const test = suite('dsn layering');
const dir = fileURLToPath(new URL('../../dsn/', import.meta.url));
// pg-connection-string: pg's own URL parser, pure (postgres.ts hands it no query, so it reads no file).
const ALLOWED = new Set(['node:path', 'node:util', 'pg-connection-string']);

test('dsn/ imports only its own files, node:path, node:util and pg-connection-string', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      assert.ok(spec.startsWith('./') || ALLOWED.has(spec), `${f} imports ${spec}`);
    }
    assert.not.match(text, /\brequire\(|\bimport\(/, `${f} loads a module dynamically`);
    assert.not.match(text, /['"](?:better-sqlite3|node-sqlite3-wasm|node:fs|fs|node:child_process)['"]|process\.env/, `${f} touches a driver, the filesystem or the environment`);
  }
});

test.run();
