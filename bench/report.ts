/** Plain-text tables for the terminal and docs/performance.md (Markdown-compatible). */
import type { DriverName } from '../drivers/types.js';
import type { ContentionResult } from './contention.js';
import type { ContenderKind } from './contenders.js';
import type { Summary } from './stats.js';

/** One contender's row in a workload table. */
export interface Row {
  readonly contender: string;
  readonly label: string;
  readonly driver: DriverName;
  readonly kind: ContenderKind;
  readonly summary?: Summary;
  /** Why there is no summary (not applicable, failed to open, ...). */
  readonly note?: string;
  /** Our dialect's throughput divided by this contender's, same driver. */
  readonly oursOverThis?: number;
}

const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmtUs = (n: number) => (!Number.isFinite(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const fmtRatio = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '' : `${n.toFixed(2)}x`);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

/** The table of one in-process workload. */
export function workloadTable(title: string, unit: string, rows: readonly Row[]): string {
  const body = rows.map((r) => {
    const s = r.summary;
    if (!s) return [r.label, r.note ?? 'n/a', '', '', ''];
    return [
      r.label,
      fmtInt(s.opsPerSec),
      fmtUs(s.medianUs),
      `${fmtInt(s.p25)} - ${fmtInt(s.p75)}`,
      r.kind === 'ours' ? '(ours)' : fmtRatio(r.oursOverThis),
    ];
  });
  return `### ${title}\n\n${table([`contender`, `${unit}/s`, `median us/op`, `spread p25-p75 (${unit}/s)`, `ours ÷ this`], body)}`;
}

/** The table of the contention workload. */
export function contentionTable(results: readonly (ContentionResult | { contender: string; label: string; note: string })[], labels: Record<string, string>): string {
  const body = results.map((r) => {
    if ('note' in r) return [labels[r.contender] ?? r.contender, r.note, '', '', '', '', ''];
    const adds = r.counter === r.commits && r.events === r.commits && r.integrity === 'ok';
    return [
      labels[r.contender] ?? r.contender,
      fmtInt(r.commits / r.seconds),
      String(r.busy),
      r.otherErrors ? `${r.otherErrors} (${(r.firstOtherError ?? '').slice(0, 40)})` : '0',
      r.maxStallMs.map((m) => m.toFixed(0)).join(' / '),
      String(r.openBusy),
      adds ? 'ok' : `counter ${r.counter}, events ${r.events}, commits ${r.commits}, ${r.integrity}`,
    ];
  });
  return table(['contender', 'tx/s', 'SQLITE_BUSY to callers', 'other errors', 'max stall ms (per process)', 'BUSY while opening', 'file adds up'], body);
}
