// The generated "compiled-in features" table of docs/drivers.md: rendered from probe results by
// update-features-doc.ts, read back by features.test.ts (which fails when it drifts).
import { FEATURE_PROBES } from '../../drivers/features.js';

export const FEATURES_BEGIN =
  '<!-- BEGIN GENERATED FEATURES: probed by drivers/features.ts, do not edit; run `node --import tsx tests/drivers/update-features-doc.ts` -->';
export const FEATURES_END = '<!-- END GENERATED FEATURES -->';

/** driver -> feature -> present. */
export type FeatureTable = Record<string, Record<string, boolean>>;

/** The table in `text`, or undefined when the markers are missing. */
export function readFeatureTable(text: string): { drivers: string[]; features: string[]; table: FeatureTable } | undefined {
  const begin = text.indexOf(FEATURES_BEGIN);
  const end = text.indexOf(FEATURES_END);
  if (begin < 0 || end < begin) return undefined;
  const lines = text.slice(begin + FEATURES_BEGIN.length, end).trim().split('\n');
  const cells = (line: string) => line.replace(/^\|\s*|\s*\|$/g, '').split(/\s+\|\s+/);
  const drivers = cells(lines[0]!).slice(2);
  const table: FeatureTable = Object.fromEntries(drivers.map((d) => [d, {}]));
  const features: string[] = [];
  for (const line of lines.slice(2)) {
    const row = cells(line);
    const name = row[0]!.replace(/`/g, '');
    features.push(name);
    drivers.forEach((d, i) => (table[d]![name] = row[2 + i] === 'yes'));
  }
  return { drivers, features, table };
}

/** The block between the markers, one column per driver in `table` (in the order given). */
export function renderFeatureTable(table: FeatureTable): string {
  const drivers = Object.keys(table);
  const head = `| Feature | What it gives | ${drivers.join(' | ')} |\n| --- | --- | ${drivers.map(() => '---').join(' | ')} |\n`;
  const rows = FEATURE_PROBES.map((p) => `| \`${p.name}\` | ${p.what} | ${drivers.map((d) => (table[d]![p.name] ? 'yes' : 'no')).join(' | ')} |\n`);
  return head + rows.join('');
}
