// TLS on PostgreSQL (issue 18): each sslmode against a real PostgreSQL 18 that serves a
// certificate signed by a CA made here with openssl (for localhost only). What each mode must do
// follows libpq's documented meaning: disable never uses TLS; require always does and checks
// nothing unless sslrootcert is given (then the chain is checked, as verify-ca); verify-ca checks
// the chain; verify-full the chain and the host name; no-verify uses TLS without any check. A
// refused certificate is PG_CONNECT_FAILED naming the reason, never the password.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { sql } from 'kysely';
import { createKysely } from '../../index.js';
import { PG_PASSWORD, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';

const certs = tmpDir('kds-pg-tls-');
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });

/** A CA, a server certificate it signs (localhost only) and an unrelated CA. */
function makeCertificates(): void {
  const ca = (name: string) =>
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`);
  ca('test-ca');
  ca('other-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(certs, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
}

/** The server's TLS files go in its data folder, owned by the user the server runs as (PostgreSQL refuses a key others can read). */
function installServerFiles(dataDir: string): void {
  for (const name of ['server.crt', 'server.key']) {
    const dest = join(dataDir, name);
    copyFileSync(join(certs, name), dest, 0);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dest, uid, gid);
    }
    execFileSync('chmod', ['600', dest]);
  }
}

const test = suite<{ server: PostgresServer }>('postgres TLS: every sslmode against a real server', {} as { server: PostgresServer });

test.before(async (ctx) => {
  makeCertificates();
  ctx.server = await startPostgres({
    flags: (dataDir) => ['-c', 'ssl=on', '-c', `ssl_cert_file=${join(dataDir, 'server.crt')}`, '-c', `ssl_key_file=${join(dataDir, 'server.key')}`],
    beforeStart: installServerFiles,
  });
});
test.after(async (ctx) => {
  await ctx.server?.stop();
});

const ca = join(certs, 'test-ca.pem');
const other = join(certs, 'other-ca.pem');

/** [what, host, query, expected: TLS in use (true/false) or the pattern of the refusal]. */
const CASES: [string, 'localhost' | '127.0.0.1', string, boolean | RegExp][] = [
  ['disable: plain text', '127.0.0.1', 'sslmode=disable', false],
  ['require: TLS, the certificate is not checked', '127.0.0.1', 'sslmode=require', true],
  ['no-verify: TLS without any check', '127.0.0.1', 'sslmode=no-verify', true],
  ['verify-ca: the chain is checked, not the host name', '127.0.0.1', `sslmode=verify-ca&sslrootcert=${ca}`, true],
  ['verify-full: chain and host name', 'localhost', `sslmode=verify-full&sslrootcert=${ca}`, true],
  ['verify-full: a host name the certificate does not name is refused', '127.0.0.1', `sslmode=verify-full&sslrootcert=${ca}`, /IP: 127\.0\.0\.1 is not in the cert's list|altnames|host ?name/i],
  ['verify-ca: a chain to another CA is refused', '127.0.0.1', `sslmode=verify-ca&sslrootcert=${other}`, /self[- ]signed|unable to (get|verify)|certificate/i],
  ['require with sslrootcert checks the chain (libpq), so another CA is refused', '127.0.0.1', `sslmode=require&sslrootcert=${other}`, /self[- ]signed|unable to (get|verify)|certificate/i],
  ['verify-full without sslrootcert checks against the system CAs, which do not know this one', 'localhost', 'sslmode=verify-full', /self[- ]signed|unable to (get|verify)|certificate/i],
];

for (const [what, host, query, expected] of CASES) {
  test(what, async ({ server }) => {
    const url = server.url('postgres', `${query}&connect_timeout=30`).replace('@127.0.0.1:', `@${host}:`);
    const db = createKysely(url);
    try {
      const run = sql<{ ssl: boolean }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
      if (typeof expected === 'boolean') {
        assert.equal((await run).rows, [{ ssl: expected }]);
        return;
      }
      const e = (await run.then(() => undefined, (error: unknown) => error)) as (Error & { code?: string }) | undefined;
      if (e === undefined) return assert.unreachable(`${what}: connected, expected a refusal`);
      assert.is(e.code, 'PG_CONNECT_FAILED', String(e));
      assert.is((e as Error & { kind?: string }).kind, 'tls', String(e));
      assert.match(e.message, expected);
      for (const text of [String(e), e.stack ?? '', inspect(e, { depth: 8 })]) {
        assert.not.ok(text.includes(PG_PASSWORD) || text.includes(encodeURIComponent(PG_PASSWORD)), text);
      }
    } finally {
      await db.destroy();
    }
  });
}

test.run();
