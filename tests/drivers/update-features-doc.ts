// Re-probes every driver of the matrix (SQLITE_DRIVERS, default all) and rewrites the generated
// features table of docs/drivers.md; columns of drivers not probed this time are kept.
//   node --import tsx tests/drivers/update-features-doc.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { probeFeatures } from '../../drivers/features.js';
import { openBackend } from '../../drivers/open.js';
import type { DriverName } from '../../drivers/types.js';
import { parseDsn } from '../../dsn/index.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { FEATURES_BEGIN, FEATURES_END, readFeatureTable, renderFeatureTable, type FeatureTable } from './features-doc.js';

export const DRIVERS_DOC = fileURLToPath(new URL('../../docs/drivers.md', import.meta.url));

/**
 * The table column for `driver` in this process: node:sqlite's SQLite build comes with Node, and
 * Node 22 and 24 compile in different features (24 adds percentile), so it gets a column per
 * Node major version (`node@22`, `node@24`).
 */
export function featureColumn(driver: DriverName): string {
  return driver === 'node' ? `node@${process.versions.node.split('.')[0]}` : driver;
}

/** The features `driver`'s build has, probed on a fresh memory database. */
export function probeDriver(driver: DriverName): Record<string, boolean> {
  const backend = openBackend(parseDsn(':memory:'), { driver });
  try {
    return probeFeatures(backend);
  } finally {
    backend.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(DRIVERS_DOC, 'utf8');
  const current = readFeatureTable(text);
  if (current === undefined) throw new Error(`${DRIVERS_DOC}: generated-features markers not found`);
  const table: FeatureTable = { ...current.table };
  for (const driver of matrixDrivers()) table[featureColumn(driver)] = probeDriver(driver);
  const begin = text.indexOf(FEATURES_BEGIN) + FEATURES_BEGIN.length;
  writeFileSync(DRIVERS_DOC, `${text.slice(0, begin)}\n${renderFeatureTable(table)}${text.slice(text.indexOf(FEATURES_END))}`);
  console.log(`updated ${DRIVERS_DOC}`);
}
