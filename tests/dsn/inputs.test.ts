// Every input form of issue 2: where the database is, how the path is read, and what the
// resulting access mode is. One row per form; errors of the forms are in errors.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDsn, type DsnLocation } from '../../dsn/index.js';

const test = suite('dsn inputs');
const cwd = '/srv/app';
const file = (path: string): DsnLocation => ({ kind: 'file', path });

const rows: Array<[string, DsnLocation, string?]> = [
  // Plain paths: resolved against cwd, not percent-decoded, `?` starts the query.
  ['app.db', file('/srv/app/app.db')],
  ['./data/app.db', file('/srv/app/data/app.db')],
  ['../other/app.db', file('/srv/other/app.db')],
  ['/abs/app.db', file('/abs/app.db')],
  ['/abs//dir/./x/../app.db', file('/abs/dir/app.db')],
  ['app%20x.db', file('/srv/app/app%20x.db')],
  ['a#b.db', file('/srv/app/a#b.db')],
  ['dir with space/é.db', file('/srv/app/dir with space/é.db')],
  ['app.db?_txlock=immediate', file('/srv/app/app.db')],
  ['./~home.db', file('/srv/app/~home.db')],
  ['FILE:app.db', file('/srv/app/FILE:app.db')], // the scheme is case-sensitive, as in SQLite
  ['./:memory:', file('/srv/app/:memory:')],
  // file: URIs in every form.
  ['file:app.db', file('/srv/app/app.db')],
  ['file:./app.db', file('/srv/app/app.db')],
  ['file:/abs/app.db', file('/abs/app.db')],
  ['file:///abs/app.db', file('/abs/app.db')],
  ['file://localhost/abs/app.db', file('/abs/app.db')],
  ['file://LOCALHOST/abs/app.db', file('/abs/app.db')],
  ['file:/abs/a%20b%25c%3Fd%23e.db', file('/abs/a b%c?d#e.db')],
  ['file:/abs/%C3%A9.db', file('/abs/é.db')],
  ['file:/abs/é.db', file('/abs/é.db')],
  ['file:app.db?', file('/srv/app/app.db')],
  ['file:app.db?&&_txlock=deferred&', file('/srv/app/app.db')],
  // Memory and temporary databases.
  [':memory:', { kind: 'memory' }],
  [':memory:?_txlock=deferred', { kind: 'memory' }],
  ['file::memory:', { kind: 'memory' }],
  ['file::memory:?mode=memory', { kind: 'memory' }],
  ['file:%3Amemory%3A', { kind: 'memory' }],
  ['file:?mode=memory', { kind: 'memory' }],
  ['?mode=memory', { kind: 'memory' }],
  ['file:cache1?mode=memory', { kind: 'shared-memory', name: 'cache1' }],
  ['cache1?mode=memory', { kind: 'shared-memory', name: 'cache1' }],
  ['file:/a/b?mode=MEMORY', { kind: 'shared-memory', name: '/a/b' }],
  ['file:a%20b?mode=memory', { kind: 'shared-memory', name: 'a b' }],
  ['file:~x?mode=memory', { kind: 'shared-memory', name: '~x' }], // a name, not a path
  ['', { kind: 'temp' }],
  ['file:', { kind: 'temp' }],
  ['file:?', { kind: 'temp' }],
  ['?_txlock=deferred', { kind: 'temp' }],
  ['file://', { kind: 'temp' }],
  ['file://localhost', { kind: 'temp' }],
];

for (const [dsn, location] of rows) {
  test(`${JSON.stringify(dsn)} -> ${location.kind}`, () => {
    assert.equal(parseDsn(dsn, { cwd }).location, location);
  });
}

test('a plain path keeps %, a file: URI decodes it', () => {
  assert.is((parseDsn('x%41.db', { cwd }).location as { path: string }).path, '/srv/app/x%41.db');
  assert.is((parseDsn('file:x%41.db', { cwd }).location as { path: string }).path, '/srv/app/xA.db');
});

test('query keys and values are %-decoded in both forms', () => {
  assert.is(parseDsn('app.db?%5Ftxlock=%64eferred', { cwd }).txlock, 'deferred');
  assert.is(parseDsn('file:app.db?_txlock=%64eferred', { cwd }).txlock, 'deferred');
});

test('cwd defaults to process.cwd() and is itself resolved', () => {
  assert.equal(parseDsn('app.db').location, file(`${process.cwd()}/app.db`));
  assert.equal(parseDsn('app.db', { cwd: '/srv/app/../x' }).location, file('/srv/x/app.db'));
});

test('access mode: default rwc, immutable implies ro, memory and temp always rwc', () => {
  const mode = (dsn: string): string => parseDsn(dsn, { cwd }).mode;
  assert.is(mode('app.db'), 'rwc');
  assert.is(mode('file:app.db?mode=ro'), 'ro');
  assert.is(mode('file:app.db?mode=RW'), 'rw');
  assert.is(mode('app.db?immutable=1'), 'ro');
  assert.is(mode('app.db?immutable=1&mode=ro'), 'ro');
  assert.is(mode(':memory:'), 'rwc');
  assert.is(mode(':memory:?mode=rwc'), 'rwc');
  assert.is(mode('file:n?mode=memory'), 'rwc');
  assert.is(mode(''), 'rwc');
});

test.run();
