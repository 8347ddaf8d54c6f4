// Small shared helpers for the drivers tests (not a test file: no `.test.ts`).
import * as assert from 'uvu/assert';
import { openBackend } from '../../drivers/index.js';
import type { Backend, DriverName, OpenBackendOptions } from '../../drivers/types.js';
import type { DsnLocation } from '../../dsn/types.js';
import { makeConfig, type ConfigOverrides } from '../helpers/config.js';

/** Opens a backend on `driver` for a file path or location. */
export function open(driver: DriverName, where: string | DsnLocation, o: ConfigOverrides = {}, opts?: OpenBackendOptions): Backend {
  return openBackend(makeConfig(driver, where, o), opts);
}

/** Opens a private memory database on `driver`. */
export function memory(driver: DriverName): Backend {
  return open(driver, { kind: 'memory' });
}

/** Runs `fn`, asserting it throws an error with `code` whose message matches `re`; returns the error. */
export function throwsCode(fn: () => unknown, code: string, re?: RegExp): Error & { code: string } {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { code: string };
    assert.is(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.unreachable(`expected an error with code ${code}`);
  throw new Error('unreachable');
}
