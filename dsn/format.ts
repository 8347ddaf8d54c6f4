import { DSN_OPTIONS, type DsnOption } from './registry.js';
import type { DsnConfig } from './types.js';

/**
 * The canonical string of a config: `file:` + the location + `?` + every effective setting, one
 * key spelling per setting, sorted, lowercase values. Pure rendering; `formatDsn` in parse.ts
 * adds validation.
 */
export function renderDsn(config: DsnConfig): string {
  const pairs: string[] = [];
  const memory = config.location.kind === 'memory' || config.location.kind === 'shared-memory';
  pairs.push(`mode=${memory ? 'memory' : config.mode}`);
  for (const option of DSN_OPTIONS) {
    if (option.target === undefined || option.target === 'mode') continue;
    const value = read(config, option);
    if (value !== undefined) pairs.push(pair(option, value));
  }
  pairs.sort(); // '=' sorts below every key character, so this is key order.
  return `${renderLocation(config)}?${pairs.join('&')}`;
}

function renderLocation(config: DsnConfig): string {
  const location = config.location;
  switch (location.kind) {
    case 'file':
      return `file:${encodePath(location.path)}`;
    case 'memory':
      return 'file::memory:';
    case 'shared-memory':
      // A name starting with "//" would read back as an authority.
      return `file:${encodePath(location.name).replace(/^\/\//, '%2F/')}`;
    case 'temp':
      return 'file:';
  }
}

function read(config: DsnConfig, option: DsnOption): unknown {
  const target = option.target!;
  if (target.startsWith('pragmas.')) return (config.pragmas as unknown as Record<string, unknown>)[target.slice(8)];
  return (config as unknown as Record<string, unknown>)[target];
}

function pair(option: DsnOption, value: unknown): string {
  const text = encodeValue(option.type.format(value));
  return option.key !== undefined ? `${option.key}=${text}` : `_pragma=${option.pragma}(${text})`;
}

// Characters SQLite and URI readers take literally in a path; everything else is %HH (UTF-8).
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
// In a value `&`, `=` would split the query.
const VALUE_SAFE = /[A-Za-z0-9\-._~!$'()*+,;:@/]/;

/** Percent-encodes `path` wherever SQLite would misread it (`%`, `?`, `#`, space, non-ASCII...). */
export function encodePath(path: string): string {
  return encode(path, PATH_SAFE);
}

function encodeValue(value: string): string {
  return encode(value, VALUE_SAFE);
}

function encode(text: string, safe: RegExp): string {
  let out = '';
  for (const ch of text) out += safe.test(ch) ? ch : encodeURIComponent(ch).replace(/[!'()*]/g, hex);
  return out;
}

const hex = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
