import { GO_DIFFERENCES, GO_DRIVER_NAMES, type GoDriver } from './go-drivers.js';
import { DSN_OPTIONS, DSN_REFUSED_PRAGMAS, DSN_UNSUPPORTED_KEYS, type DsnOption } from './registry.js';

/**
 * Renders the option tables of docs/dsn.md from the registry, so the docs cannot drift from
 * what the parser accepts. `tests/dsn/docs.test.ts` fails when the committed docs differ;
 * `node --import tsx tests/dsn/update-docs.ts` rewrites the generated block.
 */

/** Marker lines around the generated block in docs/dsn.md. */
export const DOC_TABLE_BEGIN = '<!-- BEGIN GENERATED FROM dsn/registry.ts: do not edit, run `node --import tsx tests/dsn/update-docs.ts` -->';
/** See {@link DOC_TABLE_BEGIN}. */
export const DOC_TABLE_END = '<!-- END GENERATED -->';

/** The Markdown of the option, spelling-comparison and refused-key tables (without markers). */
export function renderDsnOptionTable(): string {
  return [optionsTable(), comparisonTable(), goDifferencesTable(), unsupportedTable()].join('\n\n') + '\n';
}

function optionsTable(): string {
  const rows = DSN_OPTIONS.map((o) => [
    spelling(o),
    o.aliases.map(code).join(', ') || '-',
    o.pragma === undefined ? '-' : code(o.pragma),
    o.type.accepts,
    o.default === undefined ? 'unset' : code(o.type.format(o.default)),
    o.target === undefined ? '(none)' : code(o.target),
    o.description,
  ]);
  return ['### Options', '', table(['Key', 'Aliases', '`_pragma` name', 'Values', 'Default', 'DsnConfig field', 'Effect'], rows)].join('\n');
}

function comparisonTable(): string {
  const rows = DSN_OPTIONS.map((o) => [
    spelling(o),
    ...[o.equivalents.mattn, o.equivalents.modernc, o.equivalents.ncruces, o.equivalents.sqliteUri].map(equivalent),
  ]);
  const head = ['This library', 'mattn/go-sqlite3', 'modernc.org/sqlite', 'ncruces/go-sqlite3', 'SQLite URI'];
  return ['### Spellings in other drivers', '', table(head, rows)].join('\n');
}

/** `_a, _b — note`: the spellings as code, the note (after " — ") as prose. */
function equivalent(e: string): string {
  if (e === '-') return '-';
  const [spellings, note] = e.split(' — ', 2) as [string, string | undefined];
  const text = spellings.split(', ').map(code).join(', ');
  return note === undefined ? text : `${text} (${note})`;
}

function goDifferencesTable(): string {
  const drivers = Object.keys(GO_DRIVER_NAMES) as GoDriver[];
  const rows = GO_DIFFERENCES.map((d) => [d.when, d.ours, ...drivers.map((g) => d.drivers[g] ?? 'as this library')]);
  const head = ['When', 'This library', ...drivers.map((g) => GO_DRIVER_NAMES[g])];
  return ['### Where the Go drivers read a DSN differently', '', table(head, rows)].join('\n');
}

function unsupportedTable(): string {
  const rows = [
    ...DSN_UNSUPPORTED_KEYS.map((u) => [code(u.key), `DSN_UNSUPPORTED: ${u.reason}`, u.fix]),
    ...DSN_REFUSED_PRAGMAS.map((p) => [code(`_pragma=${p.pragma}(...)`), `DSN_UNSUPPORTED: ${p.reason}`, p.fix]),
  ];
  return ['### Refused keys', '', table(['Key', 'Why', 'Fix'], rows)].join('\n');
}

/** How the docs name an option: its key, or its `_pragma=` form when it has no key. */
function spelling(o: DsnOption): string {
  return o.key !== undefined ? code(o.key) : code(`_pragma=${o.pragma}(...)`);
}

function code(text: string): string {
  return `\`${text}\``;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
