/**
 * Reads every configured setting back from the open connection, independently of the drivers
 * layer's own verification, so `doctor` reports what SQLite says is in force, not what the
 * library meant to apply.
 */
import { lockProtocol } from '../../drivers/index.js';
import type { Backend, LockProtocol, Row } from '../../drivers/types.js';
import type { DsnConfig, PragmaSettings } from '../../dsn/types.js';
import { check, type CheckResult } from './report.js';

const PROTOCOL_WORDS: Record<LockProtocol, string> = {
  posix: 'POSIX fcntl locks: native and node processes only',
  dotfile: '<db>.lock directory: shared with wasm processes',
  none: 'no locking',
};

const ENUMS: Partial<Record<keyof PragmaSettings, readonly string[]>> = {
  synchronous: ['off', 'normal', 'full', 'extra'],
  temp_store: ['default', 'file', 'memory'],
  auto_vacuum: ['none', 'full', 'incremental'],
};

function first(rows: Row[]): unknown {
  const row = rows[0];
  return row === undefined ? undefined : Object.values(row)[0];
}

/** SQLite's answer for `name`, in the config's vocabulary. */
function readSetting(backend: Backend, name: keyof PragmaSettings): unknown {
  if (name === 'case_sensitive_like') {
    // Write-only pragma: observe the behaviour instead.
    return Number(first(backend.execute("select 'a' like 'A' as v", []).rows)) === 0;
  }
  const raw = first(backend.execute(`pragma ${name}`, []).rows);
  const names = ENUMS[name];
  if (names) return names[Number(raw)] ?? raw;
  if (name === 'secure_delete') return Number(raw) === 2 ? 'fast' : Number(raw) === 1;
  if (typeof raw === 'string') return raw.toLowerCase();
  return raw;
}

function same(wanted: unknown, actual: unknown): boolean {
  if (typeof wanted === 'boolean' && typeof actual !== 'boolean') return Number(actual) === (wanted ? 1 : 0);
  if (typeof wanted === 'number') return Number(actual) === wanted;
  return wanted === actual;
}

/** One result per setting: `ok` when SQLite reports the wanted value, `fail` otherwise. */
export function checkSettings(backend: Backend, config: DsnConfig, sqliteBusyTimeout: number): CheckResult[] {
  const out: CheckResult[] = [];
  const busy = Number(first(backend.execute('pragma busy_timeout', []).rows));
  out.push(
    check('setting:busy_timeout', '_busy_timeout', busy === sqliteBusyTimeout ? 'ok' : 'fail',
      `${config.busyTimeout} ms. doctor's own connection lets SQLite wait (PRAGMA busy_timeout reads ${busy} ms); ` +
        `an application's connection reads 0 ms there because the dialect does the waiting, on the event loop, for up to ${config.busyTimeout} ms`),
  );
  for (const [name, wanted] of Object.entries(config.pragmas) as [keyof PragmaSettings, unknown][]) {
    if (wanted === undefined) continue;
    let actual: unknown;
    try {
      actual = readSetting(backend, name);
    } catch (err) {
      out.push(check(`setting:${name}`, name, 'fail', `could not read PRAGMA ${name}: ${(err as Error).message}`));
      continue;
    }
    const ok = same(wanted, actual);
    out.push(
      check(`setting:${name}`, name, ok ? 'ok' : 'fail',
        ok ? `${String(wanted)} in force` : `wanted ${String(wanted)}, SQLite reports ${String(actual)}`,
        { data: { wanted, actual }, fix: ok ? undefined : 'see docs/drivers.md for what each driver can apply' }),
    );
  }
  const wanted = lockProtocol(config, backend.selection.driver);
  out.push(
    check('setting:locking', 'lock protocol', backend.lockProtocol === wanted ? 'ok' : 'fail',
      `${backend.lockProtocol} (${PROTOCOL_WORDS[backend.lockProtocol]})${backend.lockProtocol === wanted ? '' : `, but the DSN asks for ${wanted}`}`),
  );
  out.push(check('setting:txlock', '_txlock', 'ok', `${config.txlock}: the dialect begins write transactions with BEGIN ${config.txlock.toUpperCase()}`));
  return out;
}
