// docs/dsn.md cannot drift from the registry: its generated block must equal the render, and
// every key, pragma and error code must be documented.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DSN_ACCEPTED_KEYS, DSN_ACCEPTED_PRAGMAS, DSN_ERROR_CODES, DSN_OPTIONS, DSN_UNSUPPORTED_KEYS, renderDsnOptionTable } from '../../dsn/index.js';
import { DOCS_PATH, generatedBlock } from './update-docs.js';

const test = suite('dsn docs');
const docs = readFileSync(DOCS_PATH, 'utf8');

test('the generated option tables in docs/dsn.md match the registry', () => {
  const block = generatedBlock(docs);
  assert.ok(block !== undefined, 'generated-block markers missing in docs/dsn.md');
  assert.is(block, renderDsnOptionTable(), 'docs/dsn.md is stale: run `node --import tsx tests/dsn/update-docs.ts`');
});

test('every key, alias, pragma, refused key and error code appears in the docs', () => {
  for (const key of DSN_ACCEPTED_KEYS) assert.ok(docs.includes(`\`${key}\``), key);
  for (const pragma of DSN_ACCEPTED_PRAGMAS) assert.ok(docs.includes(`\`${pragma}\``), pragma);
  for (const u of DSN_UNSUPPORTED_KEYS) assert.ok(docs.includes(`\`${u.key}\``), u.key);
  for (const code of DSN_ERROR_CODES) assert.ok(docs.includes(code), code);
});

test('the registry is well-formed: unique keys and pragmas, every entry described', () => {
  const keys = DSN_OPTIONS.flatMap((o) => (o.key === undefined ? [] : [o.key, ...o.aliases]));
  assert.is(new Set(keys).size, keys.length, 'a key or alias is listed twice');
  const pragmas = DSN_OPTIONS.flatMap((o) => (o.pragma === undefined ? [] : [o.pragma]));
  assert.is(new Set(pragmas).size, pragmas.length, 'a pragma is listed twice');
  for (const o of DSN_OPTIONS) {
    assert.ok(o.key !== undefined || o.pragma !== undefined, 'an option nobody can spell');
    assert.ok(o.description.length > 20 && o.type.accepts.length > 0, o.key ?? o.pragma);
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.equivalents) && Object.isFrozen(o.aliases));
  }
  assert.ok(Object.isFrozen(DSN_OPTIONS));
});

test.run();
