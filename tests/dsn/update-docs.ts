// Rewrites the generated block of docs/dsn.md from the option registry:
//   node --import tsx tests/dsn/update-docs.ts
// (Lives outside dsn/ because dsn/ does no I/O.)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DOC_TABLE_BEGIN, DOC_TABLE_END, renderDsnOptionTable } from '../../dsn/doc-table.js';

export const DOCS_PATH = fileURLToPath(new URL('../../docs/dsn.md', import.meta.url));

/** The generated block currently in `text`, or undefined when the markers are missing. */
export function generatedBlock(text: string): string | undefined {
  const begin = text.indexOf(DOC_TABLE_BEGIN);
  const end = text.indexOf(DOC_TABLE_END);
  if (begin < 0 || end < begin) return undefined;
  return text.slice(begin + DOC_TABLE_BEGIN.length + 1, end);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(DOCS_PATH, 'utf8');
  const current = generatedBlock(text);
  if (current === undefined) throw new Error(`${DOCS_PATH}: generated-block markers not found`);
  const begin = text.indexOf(DOC_TABLE_BEGIN) + DOC_TABLE_BEGIN.length + 1;
  const end = text.indexOf(DOC_TABLE_END);
  writeFileSync(DOCS_PATH, text.slice(0, begin) + renderDsnOptionTable() + text.slice(end));
  console.log(`updated ${DOCS_PATH}`);
}
