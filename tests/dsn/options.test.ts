// Every option of the registry, through every key, alias and `_pragma` spelling, with every
// value spelling; plus defaults, conflicts between spellings, and registry completeness.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DSN_OPTIONS, parseDsn, type DsnConfig, type DsnTarget } from '../../dsn/index.js';

const test = suite('dsn options');
const cwd = '/srv/app';

function read(config: DsnConfig, target: DsnTarget): unknown {
  if (target.startsWith('pragmas.')) return (config.pragmas as unknown as Record<string, unknown>)[target.slice(8)];
  return (config as unknown as Record<string, unknown>)[target];
}

// [query, target, expected value]
const rows: Array<[string, DsnTarget, unknown]> = [
  ['mode=ro', 'mode', 'ro'],
  ['mode=rw', 'mode', 'rw'],
  ['mode=rwc', 'mode', 'rwc'],
  ['mode=RO', 'mode', 'ro'],
  ['vfs=unix', 'vfs', 'unix'],
  ['vfs=unix-dotfile', 'vfs', 'unix-dotfile'],
  ['vfs=UNIX-EXCL', 'vfs', 'unix-excl'],
  ['vfs=unix-none', 'vfs', 'unix-none'],
  ['immutable=1', 'immutable', true],
  ['immutable=off', 'immutable', false],
  ['nolock=yes', 'nolock', true],
  ['nolock=0', 'nolock', false],
  ['psow=1', 'psow', true],
  ['psow=false', 'psow', false],
  ['modeof=other.db', 'modeof', '/srv/app/other.db'],
  ['modeof=/etc/Perms.DB', 'modeof', '/etc/Perms.DB'],
  ['modeof=%2Fa%20b', 'modeof', '/a b'],
  ['_driver=native', 'driver', 'native'],
  ['_driver=WASM', 'driver', 'wasm'],
  ['_driver=auto', 'driver', 'auto'],
  ['_txlock=deferred', 'txlock', 'deferred'],
  ['_txlock=Immediate', 'txlock', 'immediate'],
  ['_txlock=exclusive', 'txlock', 'exclusive'],
  ['_busy_timeout=0', 'busyTimeout', 0],
  ['_busy_timeout=2147483647', 'busyTimeout', 2147483647],
  ['_timeout=250', 'busyTimeout', 250],
  ['_pragma=busy_timeout(3000)', 'busyTimeout', 3000],
  ['_pragma=busy_timeout=007', 'busyTimeout', 7],
  ['_busy_timeout=+12', 'busyTimeout', 12],
  ['_stmt_cache_size=0', 'stmtCacheSize', 0],
  ['_stmt_cache_size=1000', 'stmtCacheSize', 1000],
  ['_read_spans=1', 'readSpans', true],
  ['_read_spans=off', 'readSpans', false],
  ...(['delete', 'truncate', 'persist', 'memory', 'wal', 'off'] as const).map(
    (v): [string, DsnTarget, unknown] => [`_journal_mode=${v.toUpperCase()}`, 'pragmas.journal_mode', v],
  ),
  ['_journal=wal', 'pragmas.journal_mode', 'wal'],
  ['_pragma=journal_mode(WAL)', 'pragmas.journal_mode', 'wal'],
  ['_synchronous=off', 'pragmas.synchronous', 'off'],
  ['_synchronous=NORMAL', 'pragmas.synchronous', 'normal'],
  ['_sync=extra', 'pragmas.synchronous', 'extra'],
  ['_sync=0', 'pragmas.synchronous', 'off'],
  ['_sync=1', 'pragmas.synchronous', 'normal'],
  ['_sync=2', 'pragmas.synchronous', 'full'],
  ['_sync=3', 'pragmas.synchronous', 'extra'],
  ['_pragma=synchronous=normal', 'pragmas.synchronous', 'normal'],
  ...['1', 'yes', 'true', 'on', 'TRUE', 'On'].map((v): [string, DsnTarget, unknown] => [`_foreign_keys=${v}`, 'pragmas.foreign_keys', true]),
  ...['0', 'no', 'false', 'off', 'NO'].map((v): [string, DsnTarget, unknown] => [`_fk=${v}`, 'pragmas.foreign_keys', false]),
  ['_pragma=foreign_keys(off)', 'pragmas.foreign_keys', false],
  ['_locking_mode=normal', 'pragmas.locking_mode', 'normal'],
  ['_locking=EXCLUSIVE', 'pragmas.locking_mode', 'exclusive'],
  ['_pragma=locking_mode(exclusive)', 'pragmas.locking_mode', 'exclusive'],
  ['_auto_vacuum=none', 'pragmas.auto_vacuum', 'none'],
  ['_vacuum=1', 'pragmas.auto_vacuum', 'full'],
  ['_vacuum=2', 'pragmas.auto_vacuum', 'incremental'],
  ['_pragma=auto_vacuum(incremental)', 'pragmas.auto_vacuum', 'incremental'],
  ['_cache_size=2000', 'pragmas.cache_size', 2000],
  ['_cache_size=-64000', 'pragmas.cache_size', -64000],
  ['_cache_size=-0', 'pragmas.cache_size', 0],
  ['_pragma=cache_size(-2000)', 'pragmas.cache_size', -2000],
  ['_query_only=1', 'pragmas.query_only', true],
  ['_pragma=query_only(0)', 'pragmas.query_only', false],
  ['_recursive_triggers=on', 'pragmas.recursive_triggers', true],
  ['_rt=off', 'pragmas.recursive_triggers', false],
  ['_pragma=recursive_triggers(1)', 'pragmas.recursive_triggers', true],
  ['_defer_foreign_keys=1', 'pragmas.defer_foreign_keys', true],
  ['_pragma=defer_foreign_keys(yes)', 'pragmas.defer_foreign_keys', true],
  ['_pragma=ignore_check_constraints(0)', 'pragmas.ignore_check_constraints', false],
  ['_pragma=case_sensitive_like(1)', 'pragmas.case_sensitive_like', true],
  ['_defer_fk=no', 'pragmas.defer_foreign_keys', false],
  ['_ignore_check_constraints=true', 'pragmas.ignore_check_constraints', true],
  ['_case_sensitive_like=1', 'pragmas.case_sensitive_like', true],
  ['_cslike=0', 'pragmas.case_sensitive_like', false],
  ['_secure_delete=fast', 'pragmas.secure_delete', 'fast'],
  ['_secure_delete=FAST', 'pragmas.secure_delete', 'fast'],
  ['_secure_delete=on', 'pragmas.secure_delete', true],
  ['_secure_delete=0', 'pragmas.secure_delete', false],
  ['_pragma=secure_delete(fast)', 'pragmas.secure_delete', 'fast'],
  ['_pragma=temp_store(default)', 'pragmas.temp_store', 'default'],
  ['_pragma=temp_store(FILE)', 'pragmas.temp_store', 'file'],
  ['_pragma=temp_store=2', 'pragmas.temp_store', 'memory'],
  ['_pragma=temp_store(0)', 'pragmas.temp_store', 'default'],
  ['_pragma=mmap_size(268435456)', 'pragmas.mmap_size', 268435456],
  ['_pragma=mmap_size(0)', 'pragmas.mmap_size', 0],
  ['_pragma=journal_size_limit(-1)', 'pragmas.journal_size_limit', -1],
  ['_pragma=journal_size_limit(67108864)', 'pragmas.journal_size_limit', 67108864],
  ['_pragma=wal_autocheckpoint(0)', 'pragmas.wal_autocheckpoint', 0],
  ['_pragma=wal_autocheckpoint(1000)', 'pragmas.wal_autocheckpoint', 1000],
  ['_pragma=page_size(512)', 'pragmas.page_size', 512],
  ['_pragma=page_size(65536)', 'pragmas.page_size', 65536],
  ['_pragma=automatic_index(0)', 'pragmas.automatic_index', false],
  ['_pragma=cell_size_check(1)', 'pragmas.cell_size_check', true],
  ['_pragma=trusted_schema(off)', 'pragmas.trusted_schema', false],
  ['_pragma=TRUSTED_SCHEMA(ON)', 'pragmas.trusted_schema', true],
  ['_pragma=application_id(1095979081)', 'pragmas.application_id', 1095979081],
  ['_pragma=application_id=-1', 'pragmas.application_id', -1],
  ['_pragma=user_version(42)', 'pragmas.user_version', 42],
  ['_pragma=analysis_limit(0)', 'pragmas.analysis_limit', 0],
  ["_pragma=encoding('UTF-16')", 'pragmas.encoding', 'utf-16'],
  ['_pragma=encoding(utf16be)', 'pragmas.encoding', 'utf-16be'],
];

for (const [query, target, expected] of rows) {
  test(`${query} sets ${target}`, () => {
    assert.equal(read(parseDsn(`app.db?${query}`, { cwd }), target), expected);
  });
}

test('every option of the registry is exercised by a row above', () => {
  const covered = new Set(rows.map(([, target]) => target));
  for (const o of DSN_OPTIONS) {
    if (o.target === undefined) continue;
    assert.ok(covered.has(o.target), `no row for ${o.target}`);
    for (const alias of [o.key, ...o.aliases]) {
      if (alias === undefined) continue;
      assert.ok(rows.some(([q]) => q.startsWith(`${alias}=`)), `no row spells ${alias}`);
    }
    if (o.pragma !== undefined) assert.ok(rows.some(([q]) => q.toLowerCase().startsWith(`_pragma=${o.pragma}`)), `no _pragma row for ${o.pragma}`);
  }
});

test('defaults: required fields filled, optional ones absent', () => {
  const c = parseDsn('app.db', { cwd });
  for (const o of DSN_OPTIONS) {
    if (o.target === undefined) continue;
    assert.equal(read(c, o.target), o.default, o.target);
    if (o.default === undefined) {
      const holder = o.target.startsWith('pragmas.') ? c.pragmas : c;
      assert.not.ok(Object.hasOwn(holder, o.target.replace('pragmas.', '')), `${o.target} should be absent`);
    }
  }
});

test('cache=private is accepted and changes nothing', () => {
  assert.equal(parseDsn('app.db?cache=private', { cwd }), parseDsn('app.db', { cwd }));
  assert.equal(parseDsn('app.db?cache=PRIVATE', { cwd }), parseDsn('app.db', { cwd }));
});

test('repeating a setting with the same value, in any spelling, is fine', () => {
  const same = [
    'app.db?_fk=1&_foreign_keys=true&_pragma=foreign_keys(on)&_pragma=foreign_keys=yes',
    'app.db?_busy_timeout=3000&_timeout=3000&_pragma=busy_timeout(03000)',
    'app.db?_txlock=deferred&_txlock=DEFERRED',
    'app.db?_sync=2&_synchronous=full',
    'app.db?mode=ro&mode=ro',
  ];
  for (const dsn of same) parseDsn(dsn, { cwd });
});

test('allowed combinations that look odd but are coherent', () => {
  assert.is(parseDsn('app.db?nolock=1&vfs=unix-none', { cwd }).nolock, true);
  assert.is(parseDsn('app.db?immutable=1&nolock=1', { cwd }).mode, 'ro');
  assert.is(parseDsn(':memory:?_journal_mode=memory&immutable=0&nolock=0', { cwd }).pragmas.journal_mode, 'memory');
  assert.is(parseDsn('?vfs=unix-dotfile', { cwd }).vfs, 'unix-dotfile');
  assert.is(parseDsn('app.db?mode=ro&_journal_mode=delete', { cwd }).pragmas.journal_mode, 'delete');
});

test.run();
