// Rewrites the generated key table of docs/postgres.md from the allow-list (dsn/postgres-registry.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPostgresOptionTable } from '../../dsn/index.js';

export const POSTGRES_DOCS = fileURLToPath(new URL('../../docs/postgres.md', import.meta.url));
const BEGIN = /<!-- BEGIN GENERATED FROM dsn\/postgres-registry\.ts[^>]*-->\n/;
const END = '\n<!-- END GENERATED -->';

/** The text between the markers, or `undefined` when they are missing. */
export function postgresGeneratedBlock(doc: string): string | undefined {
  const m = BEGIN.exec(doc);
  const end = doc.indexOf(END);
  return m && end > m.index ? doc.slice(m.index + m[0].length, end) : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = readFileSync(POSTGRES_DOCS, 'utf8');
  const old = postgresGeneratedBlock(doc);
  if (old === undefined) throw new Error('markers missing in docs/postgres.md');
  writeFileSync(POSTGRES_DOCS, doc.replace(old, renderPostgresOptionTable()));
}
