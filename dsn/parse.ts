import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DsnError, dsnError } from './errors.js';
import { renderDsn } from './format.js';
import { lexDsn } from './lexer.js';
import { resolveDsn } from './resolve.js';
import type { DsnConfig } from './types.js';

/** Options of {@link parseDsn} and {@link normalizeDsn}. */
export interface ParseDsnOptions {
  /** Directory that relative paths are resolved against; default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Parses a DSN (plain path, `file:` URI, `:memory:`, or `''` for a temporary database) into a
 * deep-frozen {@link DsnConfig} with every default filled in. Every key is checked against the
 * option registry: nothing is silently dropped.
 *
 * @throws DsnError for any input it does not accept, never another exception.
 */
export function parseDsn(dsn: string, options: ParseDsnOptions = {}): DsnConfig {
  if (typeof dsn !== 'string') {
    throw new DsnError('DSN_INVALID_VALUE', `A DSN must be a string, got ${dsn === null ? 'null' : typeof dsn}. Fix: pass a path, a file: URI or ":memory:".`);
  }
  return resolveDsn(lexDsn(dsn), baseDirectory(options.cwd));
}

/** The canonical string of `config` (see docs/dsn.md); `parseDsn(formatDsn(c))` deep-equals `c`. */
export function formatDsn(config: DsnConfig): string {
  let text: string;
  try {
    text = renderDsn(config);
  } catch (cause) {
    throw new DsnError('DSN_INVALID_VALUE', `formatDsn: the config cannot be rendered (${String(cause)}). Fix: pass a config returned by parseDsn.`, { cause });
  }
  // A hand-built config may hold values the parser would refuse: check the round trip so the
  // string this returns always means exactly the config passed in.
  let back: DsnConfig | undefined;
  try {
    back = parseDsn(text, { cwd: '/' });
  } catch (cause) {
    throw new DsnError('DSN_INVALID_VALUE', `formatDsn: the config is not valid: ${(cause as Error).message}`, { cause });
  }
  if (!isDeepStrictEqual(stripFrozen(back), stripFrozen(config))) {
    throw dsnError(text, {
      code: 'DSN_INVALID_VALUE',
      problem: 'formatDsn: the config does not survive a round trip (a field is out of range, relative, or unknown)',
      fix: 'pass a config returned by parseDsn.',
    });
  }
  return text;
}

/** `formatDsn(parseDsn(dsn, options))`: equal strings mean equal configs. */
export function normalizeDsn(dsn: string, options: ParseDsnOptions = {}): string {
  return renderDsn(parseDsn(dsn, options));
}

function baseDirectory(cwd: string | undefined): string {
  if (cwd === undefined) return process.cwd();
  if (typeof cwd !== 'string' || cwd === '') {
    throw new DsnError('DSN_INVALID_VALUE', `parseDsn: options.cwd must be a non-empty directory path, got ${JSON.stringify(cwd)}. Fix: pass an absolute directory.`);
  }
  return path.resolve(cwd);
}

/** Frozenness is not part of equality (a hand-built config need not be frozen). */
function stripFrozen(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
