// Every relative link in README.md and docs/*.md points to a file that exists, and every
// `#anchor` to a heading that exists; the docs index links to each page the project promises.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { anchors, documents, links, root, slug } from './markdown.js';

const test = suite('docs: links');

test('README.md and docs/index.md exist', () => {
  assert.ok(existsSync(join(root, 'README.md')), 'README.md is missing');
  assert.ok(existsSync(join(root, 'docs/index.md')), 'docs/index.md is missing');
});

test('the heading slug rules match GitHub on the cases our docs use', () => {
  const cases: [string, string][] = [
    ['Troubleshooting', 'troubleshooting'],
    ['"database is locked"', 'database-is-locked'],
    ['`SQLITE_BUSY` seen by callers', 'sqlite_busy-seen-by-callers'],
    ['Install: which driver?', 'install-which-driver'],
    ['WAL vs. rollback journal', 'wal-vs-rollback-journal'],
  ];
  for (const [heading, want] of cases) assert.is(slug(heading), want, heading);
});

for (const doc of documents()) {
  const name = relative(root, doc);
  test(`${name}: every relative link resolves`, () => {
    if (!existsSync(doc)) assert.unreachable(`${name} does not exist`);
    const broken: string[] = [];
    for (const { target, line } of links(readFileSync(doc, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const file = pathPart === '' ? doc : resolve(dirname(doc), decodeURIComponent(pathPart));
      if (!existsSync(file)) {
        broken.push(`${name}:${line} -> ${target} (no such file)`);
        continue;
      }
      if (anchor && file.endsWith('.md') && !anchors(file).has(anchor.toLowerCase())) {
        broken.push(`${name}:${line} -> ${target} (no heading with anchor #${anchor} in ${relative(root, file)})`);
      }
    }
    assert.equal(broken, [], broken.join('\n'));
  });
}

test('docs/index.md links every promised page, and each exists', () => {
  const index = join(root, 'docs/index.md');
  const targets = new Set(links(readFileSync(index, 'utf8')).map((l) => l.target.split('#')[0]));
  for (const page of ['dsn.md', 'drivers.md', 'dialect.md', 'concurrency.md', 'performance.md', 'troubleshooting.md']) {
    assert.ok(targets.has(page) || targets.has(`./${page}`), `docs/index.md does not link ${page}`);
    assert.ok(existsSync(join(root, 'docs', page)), `docs/${page} is linked from the index but does not exist yet`);
  }
});

test.run();

const codes = suite('docs: troubleshooting lists every error code');
codes('every error code thrown in dsn/, drivers/, core/, cli/ and postgres/ has a row in docs/troubleshooting.md', () => {
  const table = readFileSync(join(root, 'docs/troubleshooting.md'), 'utf8');
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) {
        // Error codes are the UPPER_SNAKE string literals of the source (SQLite's own are SQLITE_*,
        // Node's ERR_*, which the CLI reads from parseArgs).
        for (const m of readFileSync(full, 'utf8').matchAll(/'([A-Z]+(?:_[A-Z]+)+)'/g)) {
          if (!m[1]!.startsWith('SQLITE_') && !m[1]!.startsWith('ERR_')) found.add(m[1]!);
        }
      }
    }
  };
  for (const layer of ['dsn', 'drivers', 'core', 'cli', 'postgres']) walk(join(root, layer));
  assert.ok(found.size >= 10, `only ${found.size} codes found: the scan is broken`);
  const missing = [...found].filter((c) => !table.includes(`\`${c}\``)).sort();
  assert.equal(missing, [], `codes without a row in docs/troubleshooting.md: ${missing.join(', ')}`);
});
codes.run();
