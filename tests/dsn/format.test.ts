// The canonical form, pinned exactly (the property tests prove it is canonical, these rows
// prove it is the form docs/dsn.md describes).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeDsnPath, formatDsn, normalizeDsn, parseDsn } from '../../dsn/index.js';

const test = suite('dsn canonical form');
const cwd = '/srv/app';
const DEFAULTS = '_busy_timeout=5000&_cache_size=-16000&_foreign_keys=1&_pragma=temp_store(memory)&_stmt_cache_size=128&_synchronous=full&_txlock=immediate&immutable=0';

const rows: Array<[string, string]> = [
  ['app.db', `file:/srv/app/app.db?${DEFAULTS}&mode=rwc&nolock=0`],
  ['file:///srv/app/app.db', `file:/srv/app/app.db?${DEFAULTS}&mode=rwc&nolock=0`],
  [':memory:', `file::memory:?${DEFAULTS}&mode=memory&nolock=0`],
  ['file:cache?mode=memory', `file:cache?${DEFAULTS}&mode=memory&nolock=0`],
  ['file:%2F%2Fx?mode=memory', `file:%2F/x?${DEFAULTS}&mode=memory&nolock=0`],
  ['', `file:?${DEFAULTS}&mode=rwc&nolock=0`],
  ['/srv/my app/100%.db', `file:/srv/my%20app/100%25.db?${DEFAULTS}&mode=rwc&nolock=0`],
  [
    'data/app.db?_journal=WAL&_sync=1&_fk=yes&_timeout=250',
    'file:/srv/app/data/app.db?_busy_timeout=250&_cache_size=-16000&_foreign_keys=1&_journal_mode=wal&_pragma=temp_store(memory)&_stmt_cache_size=128&_synchronous=normal&_txlock=immediate&immutable=0&mode=rwc&nolock=0',
  ],
  [
    'x.db?_pragma=page_size(4096)&_pragma=mmap_size=0&vfs=UNIX-DOTFILE&_driver=wasm&psow=on&modeof=../t%20pl.db&nolock=OFF',
    'file:/srv/app/x.db?_busy_timeout=5000&_cache_size=-16000&_driver=wasm&_foreign_keys=1&_pragma=mmap_size(0)&_pragma=page_size(4096)&_pragma=temp_store(memory)&_stmt_cache_size=128&_synchronous=full&_txlock=immediate&immutable=0&mode=rwc&modeof=/srv/t%20pl.db&nolock=0&psow=1&vfs=unix-dotfile',
  ],
];

for (const [dsn, canonical] of rows) {
  test(`${JSON.stringify(dsn)} normalizes to the documented form`, () => {
    assert.is(normalizeDsn(dsn, { cwd }), canonical);
    assert.equal(parseDsn(canonical), parseDsn(dsn, { cwd }));
  });
}

test('path encoding: %, ?, #, space, quotes, backslash, control-free non-ASCII', () => {
  assert.is(encodeDsnPath('/a b/%/?/#/"/\\/é/日/😀/~x/&=+;:@!$\'()*,'), "/a%20b/%25/%3F/%23/%22/%5C/%C3%A9/%E6%97%A5/%F0%9F%98%80/~x/&=+;:@!$'()*,");
  const odd = '/srv/a?b#c%d e/é';
  const c = parseDsn(`file:${encodeDsnPath(odd)}`);
  assert.equal(c.location, { kind: 'file', path: odd });
  assert.is(formatDsn(c).split('?')[0], `file:${encodeDsnPath(odd)}`);
});

test('a plain path with % round-trips through the canonical form', () => {
  const c = parseDsn('/data/50%off.db');
  assert.equal(c.location, { kind: 'file', path: '/data/50%off.db' });
  assert.equal(parseDsn(formatDsn(c)), c);
});

test('normalizeDsn is independent of cwd once the path is absolute', () => {
  assert.is(normalizeDsn('/abs/x.db', { cwd: '/a' }), normalizeDsn('/abs/x.db', { cwd: '/b' }));
  assert.is.not(normalizeDsn('x.db', { cwd: '/a' }), normalizeDsn('x.db', { cwd: '/b' }));
});

test.run();
