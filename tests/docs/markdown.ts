/**
 * Small Markdown helpers for the docs tests: the list of documents, their fenced code blocks and
 * their links, with GitHub's heading-anchor rules. Deliberately tiny: the docs are ours, written
 * in plain CommonMark, so a full parser would only hide what the tests check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** README.md plus every docs/*.md, as absolute paths. */
export function documents(): string[] {
  const docsDir = join(root, 'docs');
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir).filter((f) => f.endsWith('.md')).sort().map((f) => join(docsDir, f))
    : [];
  return [join(root, 'README.md'), ...docs];
}

/** One fenced code block. */
export interface CodeBlock {
  readonly lang: string;
  /** Words after the language in the info string, e.g. `no-run`. */
  readonly flags: readonly string[];
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced block (``` or ~~~) of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j]!.trim().startsWith(fence) && lines[j]!.trim().replace(/[`~]/g, '') === '') break;
      body.push(lines[j]!);
    }
    out.push({ lang: open[3]!.toLowerCase(), flags: open[4]!.split(/\s+/).filter(Boolean), code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

/**
 * Markdown text with fenced blocks blanked (line numbers kept) and, unless `keepInlineCode`,
 * inline code emptied too, so links inside code are not links.
 */
export function proseOnly(markdown: string, keepInlineCode = false): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]!;
      else if (line.trim().startsWith(fence)) fence = null;
      kept.push('');
      continue;
    }
    if (fence !== null) kept.push('');
    else kept.push(keepInlineCode ? line : line.replace(/`[^`]*`/g, '``'));
  }
  return kept.join('\n');
}

/** Link targets of a Markdown text (inline `[x](t)` and reference `[x]: t`), with their lines. */
export function links(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  proseOnly(markdown).split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: i + 1 });
    const ref = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(text);
    if (ref) out.push({ target: ref[1]!, line: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading text: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[`*~]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file defines (headings, with GitHub's -1, -2 suffixes for repeats). */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseOnly(readFileSync(file, 'utf8'), true).split('\n')) {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of readFileSync(file, 'utf8').matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}
