// First smoke of the DSN layer: each input form parses to the expected location, defaults are
// filled, and each error code is reachable. The exhaustive tables live in the other dsn tests.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DsnError, DualSqliteError, normalizeDsn, parseDsn, formatDsn } from '../../index.js';

const test = suite('dsn basics');
const cwd = '/srv/app';

test('defaults are filled and the config is deep-frozen', () => {
  const c = parseDsn('app.db', { cwd });
  assert.equal(c, {
    location: { kind: 'file', path: '/srv/app/app.db' },
    mode: 'rwc',
    txlock: 'immediate',
    busyTimeout: 5000,
    stmtCacheSize: 128,
    immutable: false,
    nolock: false,
    pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000 },
  });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.location) && Object.isFrozen(c.pragmas));
});

test('locations', () => {
  assert.equal(parseDsn(':memory:').location, { kind: 'memory' });
  assert.equal(parseDsn('file::memory:').location, { kind: 'memory' });
  assert.equal(parseDsn('file:shared1?mode=memory').location, { kind: 'shared-memory', name: 'shared1' });
  assert.equal(parseDsn('').location, { kind: 'temp' });
  assert.equal(parseDsn('file:').location, { kind: 'temp' });
  assert.equal(parseDsn('file:///abs/a.db').location, { kind: 'file', path: '/abs/a.db' });
});

test('round trip and normalization', () => {
  const c = parseDsn('data/app.db?_fk=0&_journal=wal&_pragma=mmap_size(1024)', { cwd });
  assert.equal(parseDsn(formatDsn(c)), c);
  assert.is(normalizeDsn('app.db?_busy_timeout=3000', { cwd }), normalizeDsn('file:/srv/app/app.db?_pragma=busy_timeout(3000)'));
});

const errors: Array<[string, string, RegExp]> = [
  ['app.db?_txlok=deferred', 'DSN_UNKNOWN_OPTION', /did you mean "_txlock"/i],
  ['app.db?_txlock=maybe', 'DSN_INVALID_VALUE', /deferred, immediate, exclusive/],
  ['app.db?_fk=1&_foreign_keys=0', 'DSN_CONFLICT', /different values/],
  ['app.db?cache=shared', 'DSN_UNSUPPORTED', /shared cache/],
  ['file://example.com/app.db', 'DSN_INVALID_URI', /host "example.com"/],
  ['~/app.db', 'DSN_INVALID_PATH', /not expanded/],
];
for (const [dsn, code, re] of errors) {
  test(`rejects ${dsn} with ${code}`, () => {
    try {
      parseDsn(dsn, { cwd });
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, DsnError);
      assert.instance(e, DualSqliteError);
      assert.is((e as DsnError).code, code);
      assert.match((e as Error).message, re);
    }
  });
}

test.run();
