// In-process unit tests of the CLI's pure parts: the header classifier on real files of every
// kind, and the progress line's TTY vs plain behaviour.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { readHeader } from '../../cli/doctor/header.js';
import { ProgressLine } from '../../cli/progress.js';
import { tmpDbPath } from '../helpers/tmp.js';

const header = suite('cli: header classifier');

function sqliteHeader(patch: (b: Buffer) => void = () => {}): Buffer {
  const b = Buffer.alloc(4096 * 2);
  b.write('SQLite format 3\0', 0, 'latin1');
  b.writeUInt16BE(4096, 16);
  b[18] = 1; b[19] = 1; b[21] = 64; b[22] = 32; b[23] = 32;
  b.writeUInt32BE(7, 24); b.writeUInt32BE(2, 28); b.writeUInt32BE(7, 92); b.writeUInt32BE(3053002, 96);
  patch(b);
  return b;
}

const cases: [string, Buffer, string, RegExp?][] = [
  ['a valid 2-page file', sqliteHeader(), 'ok'],
  ['a WAL-mode file', sqliteHeader((b) => { b[18] = 2; b[19] = 2; }), 'ok'],
  ['an empty file', Buffer.alloc(0), 'empty'],
  ['zeros', Buffer.alloc(4096), 'not-a-database', /all zero bytes/],
  ['a WAL file given as the database', Buffer.concat([Buffer.from([0x37, 0x7f, 0x06, 0x82]), Buffer.alloc(60)]), 'not-a-database', /WAL file/],
  ['a rollback journal', Buffer.concat([Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]), Buffer.alloc(60)]), 'not-a-database', /rollback journal/],
  ['gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(60, 7)]), 'not-a-database', /gzip/],
  ['text', Buffer.from('CREATE TABLE t (x);\n'), 'not-a-database', /text \("CREATE TABLE/],
  ['the magic string only', Buffer.from('SQLite format 3\0\x10\x00', 'latin1'), 'truncated-header'],
  ['page size 1000', sqliteHeader((b) => b.writeUInt16BE(1000, 16)), 'bad-header', /page size field is 1000/],
  ['page size 1 (= 65536) but a smaller file', sqliteHeader((b) => b.writeUInt16BE(1, 16)), 'truncated', /smaller than one 65536-byte page/],
  ['format version 9', sqliteHeader((b) => { b[18] = 9; }), 'bad-header', /versions are 9\/1/],
  ['payload fractions wrong', sqliteHeader((b) => { b[21] = 0; }), 'bad-header', /payload fraction/],
  ['more pages promised than present', sqliteHeader((b) => b.writeUInt32BE(5, 28)), 'truncated', /says 5 pages/],
  ['a stale page count is not trusted', sqliteHeader((b) => { b.writeUInt32BE(5, 28); b.writeUInt32BE(6, 92); }), 'ok'],
  ['a size that is not a page multiple', Buffer.concat([sqliteHeader(), Buffer.alloc(100)]), 'truncated', /not a multiple of the page size/],
];

for (const [name, bytes, kind, detail] of cases) {
  header(name, () => {
    const file = tmpDbPath();
    writeFileSync(file, bytes);
    const h = readHeader(file);
    assert.is(h.kind, kind, JSON.stringify(h));
    if (detail) assert.match('looksLike' in h ? h.looksLike : 'problem' in h ? h.problem : '', detail);
  });
}

header('a missing file and a directory', () => {
  assert.is(readHeader(tmpDbPath('nope.db')).kind, 'missing');
  assert.is(readHeader(tmpDbPath('x.db').replace(/x\.db$/, '')).kind, 'not-a-file');
});

header.run();

const progress = suite('cli: progress line');

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (c: string) => (chunks.push(c), true) } };
}

progress('on a TTY it redraws in place with \\r and pads over a longer previous line', () => {
  const { chunks, stream } = sink(true);
  const line = new ProgressLine(stream);
  line.update('commits 1000', 0);
  line.update('commits 9', 1);
  line.done('final');
  assert.equal(chunks, ['\rcommits 1000', '\rcommits 9   ', '\rfinal    ', '\n']);
});

progress('elsewhere it prints plain lines, at most one per interval, and never \\r', () => {
  const { chunks, stream } = sink(false);
  const line = new ProgressLine(stream, { plainIntervalMs: 1000 });
  for (let t = 0; t <= 2500; t += 100) line.update(`t=${t}`, t);
  line.done('final');
  assert.equal(chunks, ['t=0\n', 't=1000\n', 't=2000\n', 'final\n']);
});

progress.run();

const selection = suite('cli: driver selection as shown');
selection('--driver names the command line as the source; otherwise the selection says who chose', async () => {
  const { describeSelection } = await import('../../cli/args.js');
  const code = { driver: 'wasm', source: 'code', reason: 'the driver option in code chose wasm' };
  assert.is(describeSelection(code, 'wasm'), 'wasm (command line: --driver wasm)');
  const auto = { driver: 'native', source: 'code', reason: 'the driver option in code is auto: better-sqlite3 loaded, using native' };
  assert.is(describeSelection(auto, 'auto'), 'native (command line: --driver auto; better-sqlite3 loaded, using native)');
  const env = { driver: 'wasm', source: 'env', reason: 'SQLITE_DRIVER chose wasm' };
  assert.is(describeSelection(env, undefined), 'wasm (SQLITE_DRIVER chose wasm)');
});
selection.run();
