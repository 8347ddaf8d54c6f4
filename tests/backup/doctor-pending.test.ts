// doctor and an interrupted restore: doctor opens the file its own way, so it must refuse to call
// a half-swapped database healthy. A real restore is SIGKILLed after the swap (failpoint
// restore:swapped); doctor then fails the "restore pending" check naming `restore --recover` and
// does not open the file; after the recovery it is healthy again. (A fresh-user review found
// doctor saying "healthy" here.)
import * as assert from 'uvu/assert';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { runCli, runCliToFailpoint } from './kill-helpers.js';
import { makePair } from './restore-helpers.js';

async function doctor(live: string, driver: DriverName): Promise<{ code: number | null; report: { healthy: boolean; checks: { id: string; verdict: string; detail: string; fix?: string }[] } }> {
  const r = await runCli(['doctor', live, '--driver', driver, '--json']);
  const json = r.out.slice(r.out.indexOf('{'));
  return { code: r.code, report: JSON.parse(json) };
}

matrix('doctor: an interrupted restore', (test, driver) => {
  test('is a failed check naming restore --recover, the file is not opened; healthy after recovery', async () => {
    const { live, backup } = await makePair((p) => p, driver);
    const killed = await runCliToFailpoint(['restore', backup, live, '--driver', driver], 'restore:swapped');
    assert.ok(killed.reached, killed.out);
    const before = await doctor(live, driver);
    assert.is(before.code, 1);
    assert.is(before.report.healthy, false);
    const pending = before.report.checks.find((c) => c.id === 'restore');
    assert.ok(pending, JSON.stringify(before.report.checks));
    assert.is(pending!.verdict, 'fail');
    assert.match(pending!.detail, /RESTORE_PENDING.*interrupted/);
    assert.match(pending!.fix ?? '', /restore --recover/);
    assert.is(before.report.checks.find((c) => c.id === 'open')?.verdict, 'skipped');
    const recovered = await runCli(['restore', '--recover', live, '--driver', driver]);
    assert.is(recovered.code, 0, recovered.out);
    const after = await doctor(live, driver);
    assert.is(after.report.healthy, true, JSON.stringify(after.report.checks.filter((c) => c.verdict !== 'ok')));
    assert.is(after.code, 0);
  });
});
