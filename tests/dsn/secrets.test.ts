// Issue 19: no error message, CLI line, log event or rendering of an error or config ever carries
// a secret from a DSN. fast-check builds DSNs with a random secret in each position a secret can
// take (URL password, URL user, a secret-looking query value, a key pragma's value, a
// fragment, ;-parameters of JDBC/PDO strings, a secret cut by a bad %-escape, and the non-URL
// connection strings: Go's user:pw@tcp(...), user:pw@host/db, libpq key=value and ADO.NET
// Key=Value;...), and PostgreSQL URLs (issue 18: user, password, secret query keys, around
// accepted and refused keys; a valid one connects to a closed port), around random
// other settings and mistakes, and sends each through every entry point: parseDsn, normalizeDsn,
// createKysely + a query, openDatabase, and the CLI's inspect (text and --json) and doctor, on
// every driver of the matrix. Every text they produce is checked: messages, stacks,
// util.inspect and JSON.stringify of errors (with their causes), log events, stdout and stderr.
// Paths are not secrets: a control case proves a path does reach these texts, so a check that
// finds nothing is not a blind one.
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { createKysely, DsnError, isPostgresDsn, normalizeDsn, openDatabase, parseDsn, type DualSqliteLogEvent } from '../../index.js';
import { FOREIGN_SCHEMES } from '../../dsn/scheme.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import type { DriverName } from '../../drivers/types.js';

const scale = Number(process.env.FC_RUNS_SCALE ?? 1);
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: Math.round(n * scale), ...(seed === undefined ? {} : { seed }) });

/** Every way an error can be turned into text, causes included. */
function renderings(e: unknown, depth = 0): string[] {
  if (depth > 4 || e === undefined || e === null) return [];
  if (!(e instanceof Error)) return [String(e), inspect(e, { depth: 8 })];
  let json = '';
  try {
    json = JSON.stringify(e);
  } catch {
    json = '';
  }
  return [String(e), e.message, e.stack ?? '', inspect(e, { depth: 8 }), json, ...renderings((e as { cause?: unknown }).cause, depth + 1)];
}

/** Streams that keep what the CLI writes. */
function captureIo(cwd: string, driver: string): { io: CliIo; text: () => string } {
  let out = '';
  const sink = (): NodeJS.WriteStream =>
    new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream;
  return { io: { stdout: sink(), stderr: sink(), env: { ...process.env, SQLITE_DRIVER: driver }, cwd }, text: () => out };
}

/** Every text the library produces for `dsn` on `driver`, through every entry point. */
async function everything(dsn: string, driver: DriverName, cwd: string): Promise<{ texts: string[]; parsed: boolean }> {
  const texts: string[] = [];
  const events: DualSqliteLogEvent[] = [];
  const log = (e: DualSqliteLogEvent): void => void events.push(e);
  let parsed = false;
  try {
    const config = parseDsn(dsn, { cwd });
    parsed = true;
    texts.push(JSON.stringify(config), inspect(config, { depth: 8 }), String(config), normalizeDsn(dsn, { cwd }));
  } catch (e) {
    texts.push(...renderings(e));
  }
  try {
    normalizeDsn(dsn, { cwd });
  } catch (e) {
    texts.push(...renderings(e));
  }
  try {
    // A PostgreSQL URL takes no SQLite option (driver): it would be refused before parsing.
    const db = createKysely(dsn, isPostgresDsn(dsn) ? { log } : { driver, log });
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      texts.push(...renderings(e));
    } finally {
      await db.destroy();
    }
  } catch (e) {
    texts.push(...renderings(e));
  }
  try {
    const handle = await openDatabase(dsn, { driver, log });
    await handle.close();
  } catch (e) {
    texts.push(...renderings(e));
  }
  for (const args of [['inspect', dsn], ['inspect', dsn, '--json'], ['doctor', dsn]]) {
    const { io, text } = captureIo(cwd, driver);
    await main(args, io);
    texts.push(text());
  }
  for (const e of events) texts.push(e.message, e.event, ...renderings(e.error));
  return { texts, parsed };
}

// ---- Generators: a secret in each position --------------------------------------------------

const secretArb = fc.stringMatching(/^[A-Za-z0-9]{8,14}$/).map((s) => `Zq${s}`);
const SECRET_KEYS = ['password', 'pass', 'pwd', 'authToken', 'auth_token', 'token', 'key', 'hexkey', 'textkey', 'secret', 'sslpassword', 'apiKey', '_auth_pass', 'Password'];
const KEY_PRAGMAS = ['key', 'hexkey', 'textkey', 'rekey', 'hexrekey'];
const SCHEMES = ['postgres', 'postgresql', 'mysql', 'libsql', 'https', 'wss', 'sqlite', 'sqlite3', 'file', 'FILE', 'mongodb+srv', 'custom-db'];
/** Other segments, valid or not, so that every rejection path gets its turn. */
/** Segments of a PostgreSQL URL, accepted or refused, so every path of its parser gets its turn. */
const PG_OTHERS = ['application_name=app', 'sslmode=disable', 'isolation=serializable', 'connect_timeout=2', '_txlock=immediate', 'sslmod=require', 'sslmode=prefer', 'statement_timeout=-1', 'max=2&pool_max=3', '%zz=1'];
const OTHERS = ['', '_txlock=immediate', '_fk=1', '_txlock=sometimes', '_fk=2', '_txlok=1', 'cache=shared', 'mode=ro', 'mode=nope', '_pragma=journal_mode(wal;x)', '%zz=1', '_busy_timeout=-1', 'vfs=unix-none', '_journal=wal&mode=ro'];

type Case = { dsn: string; secret: string; position: string };

function query(secret: string, carrier: string, others: string[]): string {
  return [...others.filter(Boolean), carrier].join('&');
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    secret: secretArb,
    position: fc.constantFrom('url-password', 'url-user', 'query', 'pragma', 'fragment', 'params', 'escape', 'go-mysql', 'userinfo', 'libpq', 'ado', 'postgres'),
    pgCarrier: fc.constantFrom('password', 'user', 'both', 'query', 'escape'),
    pgOthers: fc.array(fc.constantFrom(...PG_OTHERS), { maxLength: 3 }),
    goNet: fc.constantFrom('tcp(127.0.0.1:3306)', 'unix(/run/mysqld.sock)', 'tcp(db)'),
    libpqKey: fc.constantFrom('password', 'sslpassword', 'user'),
    adoKey: fc.constantFrom('Password', 'Pwd', 'User Id', 'Uid', 'password'),
    adoOther: fc.constantFrom('Data Source=app.db', 'Server=db,1433;Database=app', 'Driver={SQLite3};Database=app.db', 'DataSource=missing/dir/app.db'),
    scheme: fc.constantFrom(...SCHEMES),
    paramScheme: fc.constantFrom(...Object.keys(FOREIGN_SCHEMES)),
    key: fc.constantFrom(...SECRET_KEYS),
    pragma: fc.constantFrom(...KEY_PRAGMAS),
    pragmaForm: fc.constantFrom('(%s)', '=%s', "('%s')", '%20%s', ":%s"),
    base: fc.constantFrom('app.db', 'file:app.db', 'file:///nowhere/dir/app.db', 'missing/dir/app.db', ':memory:', '', 'file::memory:'),
    others: fc.array(fc.constantFrom(...OTHERS), { maxLength: 3 }),
    before: fc.boolean(),
  })
  .map((r): Case => {
    const { secret, position } = r;
    const q = (carrier: string): string => {
      const others = r.others.filter(Boolean);
      return (r.before ? [carrier, ...others] : [...others, carrier]).join('&');
    };
    // A PostgreSQL URL that passes validation connects: to a port where nothing listens, so the
    // attempt fails at once (ECONNREFUSED) and its error is checked too.
    const host = /^postgres/.test(r.scheme) ? '127.0.0.1:1' : 'db.example.com:5432';
    switch (position) {
      case 'url-password':
        return { secret, position, dsn: `${r.scheme}://admin:${secret}@${host}/app${r.others.length ? `?${q('x=1')}` : ''}` };
      case 'url-user':
        return { secret, position, dsn: `${r.scheme}://${secret}@${host}/app` };
      case 'postgres': {
        const userinfo = { password: `admin:${secret}@`, user: `${secret}@`, both: `${secret}:${secret}@`, query: 'admin@', escape: 'admin@' }[r.pgCarrier];
        const carrier = r.pgCarrier === 'query' ? [`${r.key}=${secret}`] : r.pgCarrier === 'escape' ? [`${r.key}=${secret.slice(0, 4)}%ZZ${secret.slice(4)}`] : [];
        const segments = r.before ? [...carrier, ...r.pgOthers] : [...r.pgOthers, ...carrier];
        return { secret, position, dsn: `${r.scheme.startsWith('postgres') ? r.scheme : 'postgres'}://${userinfo}127.0.0.1:1/app${segments.length ? `?${segments.join('&')}` : ''}` };
      }
      case 'query':
        return { secret, position, dsn: `${r.base}?${q(`${r.key}=${secret}`)}` };
      case 'pragma':
        return { secret, position, dsn: `${r.base}?${q(`_pragma=${r.pragma}${r.pragmaForm.replace('%s', secret)}`)}` };
      case 'fragment':
        return { secret, position, dsn: `${r.base.startsWith('file:') ? r.base : `file:${r.base}`}?${q('_fk=1')}#${secret}` };
      case 'params':
        // A name:... that is not a known scheme is a file name, and `;k=v` in it are characters.
        return { secret, position, dsn: `${r.paramScheme}:host=db;user=admin;${r.key}=${secret};dbname=app` };
      case 'go-mysql':
        return { secret, position, dsn: `root:${secret}@${r.goNet}/app?${q(r.before ? `_loc=${secret}` : 'parseTime=true')}` };
      case 'userinfo':
        return { secret, position, dsn: `app:${secret}@localhost${r.before ? ':5432' : ''}/db` };
      case 'libpq':
        return { secret, position, dsn: `host=localhost ${r.libpqKey}=${r.before ? `'${secret} x'` : secret} dbname=app` };
      case 'ado':
        return { secret, position, dsn: r.before ? `${r.adoOther};${r.adoKey}=${secret}` : `${r.adoKey}=${secret};${r.adoOther};` };
      default: // escape: a bad %-escape inside the secret
        return { secret, position, dsn: `${r.base}?${q(`${r.key}=${secret.slice(0, 4)}%ZZ${secret.slice(4)}`)}` };
    }
  });

// ---- Properties, per driver -----------------------------------------------------------------

// Relative DSNs that do parse (controls, `name:...` file names) create files: keep them in a
// temporary folder, never in the repository.
process.chdir(tmpDir());

matrix('dsn secrets never leak', (test, driver) => {
  const cwd = process.cwd();
  const seen = new Set<string>();

  test('control: a path does reach the texts checked (the check is not blind)', async () => {
    const marker = 'PathMarker7731';
    const { texts } = await everything(join(cwd, 'no-such-dir', `${marker}.db?mode=ro`), driver, cwd);
    const hits = texts.filter((t) => t.includes(marker)).length;
    assert.ok(hits >= 5, `the marker reached only ${hits} texts`);
  });

  test('a secret in any position reaches no message, line, event or rendering', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ dsn, secret, position }) => {
        seen.add(position);
        const { texts, parsed } = await everything(dsn, driver, cwd);
        assert.not.ok(parsed, `${dsn} was accepted although it carries a secret (${position})`);
        const leak = texts.find((t) => t.includes(secret));
        assert.is(leak, undefined, `${position}: ${dsn}\nleaked in: ${leak}`);
        // The refusals are DsnErrors: the first gate is the parser, on every path.
        try {
          parseDsn(dsn, { cwd });
        } catch (e) {
          assert.instance(e, DsnError);
        }
      }),
      runs(150),
    );
    assert.is(seen.size, 12, [...seen].join());
  });
});
