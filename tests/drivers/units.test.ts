// Unit tables for the pure helpers behind the matrix tests: URI path encoding (FACTS: SQLite
// decodes %HH and stops the path at ? and #) and the wasm error-code derivation from messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { constraintCode, primaryFromMessage } from '../../drivers/error-codes.js';
import { encodePath } from '../../drivers/native-uri.js';

const enc = suite('drivers: URI path encoding');
const paths: Array<[string, string]> = [
  ['/tmp/a.db', '/tmp/a.db'],
  ['/tmp/a?b.db', '/tmp/a%3Fb.db'],
  ['/tmp/a#b.db', '/tmp/a%23b.db'],
  ['/tmp/100%.db', '/tmp/100%25.db'],
  ['/tmp/my dir/x.db', '/tmp/my%20dir/x.db'],
  ['/tmp/é.db', '/tmp/%C3%A9.db'],
  ['/tmp/a&b=c.db', '/tmp/a%26b%3Dc.db'],
  ['/tmp/a-b_c~d.e', '/tmp/a-b_c~d.e'],
];
for (const [path, want] of paths) {
  enc(`${path} -> ${want}`, () => {
    assert.is(encodePath(path), want);
    assert.is(decodeURIComponent(encodePath(path)), path);
  });
}
enc.run();

const msg = suite('drivers: wasm error codes from SQLite message texts');
const primaries: Array<[string, string]> = [
  ['database is locked', 'SQLITE_BUSY'],
  ['database table is locked', 'SQLITE_LOCKED'],
  ['attempt to write a readonly database', 'SQLITE_READONLY'],
  ['file is not a database', 'SQLITE_NOTADB'],
  ['database disk image is malformed', 'SQLITE_CORRUPT'],
  ['unable to open database file', 'SQLITE_CANTOPEN'],
  ['disk I/O error', 'SQLITE_IOERR'],
  ['near "selec": syntax error', 'SQLITE_ERROR'],
  ['no such table: t', 'SQLITE_ERROR'],
  ['UNIQUE constraint failed: t.a', 'SQLITE_CONSTRAINT'],
];
for (const [text, code] of primaries) msg(`${text} -> ${code}`, () => assert.is(primaryFromMessage(text), code));

const constraints: Array<[string, boolean, string]> = [
  ['NOT NULL constraint failed: t.b', false, 'SQLITE_CONSTRAINT_NOTNULL'],
  ['CHECK constraint failed: c > 0', false, 'SQLITE_CONSTRAINT_CHECK'],
  ['FOREIGN KEY constraint failed', false, 'SQLITE_CONSTRAINT_FOREIGNKEY'],
  ['cannot store TEXT value in INTEGER column s.x', false, 'SQLITE_CONSTRAINT_DATATYPE'],
  ['UNIQUE constraint failed: t.rowid', false, 'SQLITE_CONSTRAINT_ROWID'],
  ['UNIQUE constraint failed: t.a', false, 'SQLITE_CONSTRAINT_UNIQUE'],
  ['UNIQUE constraint failed: t.id', true, 'SQLITE_CONSTRAINT_PRIMARYKEY'],
  ['no rows here', false, 'SQLITE_CONSTRAINT_TRIGGER'],
];
for (const [text, pk, code] of constraints) {
  msg(`${text} (pk: ${pk}) -> ${code}`, () => assert.is(constraintCode(text, () => pk), code));
}
msg('the primary-key lookup gets the table and every column', () => {
  let seen: unknown;
  constraintCode('UNIQUE constraint failed: k.a, k.b', (f) => ((seen = f), true));
  assert.equal(seen, { table: 'k', columns: ['a', 'b'] });
});
msg.run();
