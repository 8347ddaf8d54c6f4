// The compiled-in features docs/drivers.md lists per driver are what each driver's build really
// has: every driver of the matrix is probed again (drivers/features.ts) and compared cell by cell.
// A driver upgrade that adds or drops a feature, a new driver, or a new probe fails here until
// the table is regenerated with tests/drivers/update-features-doc.ts.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import { FEATURE_PROBES } from '../../drivers/features.js';
import { openBackend } from '../../drivers/open.js';
import { parseDsn } from '../../dsn/index.js';
import { matrix } from '../helpers/matrix.js';
import { readFeatureTable } from './features-doc.js';
import { DRIVERS_DOC, featureColumn, probeDriver } from './update-features-doc.js';

const REGENERATE = 'run `node --import tsx tests/drivers/update-features-doc.ts`';
const doc = readFeatureTable(readFileSync(DRIVERS_DOC, 'utf8'));

const rows = suite('features: the documented table');
rows('docs/drivers.md has the generated table with one row per probe, in order', () => {
  assert.ok(doc, `docs/drivers.md has no generated features table; ${REGENERATE}`);
  assert.equal(doc!.features, FEATURE_PROBES.map((p) => p.name), REGENERATE);
});
rows.run();

matrix('features', (test, driver) => {
  test('the documented column matches a fresh probe of this driver', () => {
    const column = featureColumn(driver);
    assert.ok(doc?.table[column], `docs/drivers.md lists no column "${column}" for driver "${driver}"; ${REGENERATE}`);
    const probed = probeDriver(driver);
    for (const { name } of FEATURE_PROBES) {
      assert.is(doc!.table[column]![name], probed[name], `${column}: ${name} is ${probed[name] ? '' : 'not '}compiled in; ${REGENERATE}`);
    }
  });

  test('backend.capabilities.updateDeleteLimit agrees with the update-delete-limit probe', () => {
    const backend = openBackend(parseDsn(':memory:'), { driver });
    try {
      assert.is(backend.capabilities.updateDeleteLimit, probeDriver(driver)['update-delete-limit']);
    } finally {
      backend.close();
    }
  });
});
