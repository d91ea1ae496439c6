import { createServer, type AddressInfo, type Server } from 'node:net';
import { Pool, type PoolConfig } from 'pg';
import { dataSourceOptions } from './data-source';

/** One PostgreSQL backend message: type byte, length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const fields = (pairs: Array<[string, string]>) =>
  Buffer.concat([...pairs.map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')), Buffer.from([0])]);

/**
 * What a backend sends when the server shuts down right after accepting a connection: authentication ok,
 * ready for query and, in the same TCP segment, FATAL 57P01. A real server does this only by chance during a
 * restart (it killed the ingestion service in the fault suite once), so the exchange is scripted here.
 */
function terminatingServer(): Promise<Server> {
  const segment = Buffer.concat([
    message('R', Buffer.from([0, 0, 0, 0])),
    message('Z', Buffer.from('I')),
    message(
      'E',
      fields([
        ['S', 'FATAL'],
        ['V', 'FATAL'],
        ['C', '57P01'],
        ['M', 'terminating connection due to administrator command'],
      ]),
    ),
  ]);
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(segment));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the PostgreSQL pool the services use', () => {
  let server: Server;

  beforeAll(async () => {
    server = await terminatingServer();
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('survives a connection terminated in the same breath as it was handed out; the client then fails', async () => {
    const { port } = server.address() as AddressInfo;
    const url = `postgres://kyoyu@127.0.0.1:${port}/kyoyu`;
    const options = dataSourceOptions(url, 'kyoyu-test');
    const pool = new Pool({ ...((options.extra ?? {}) as PoolConfig), connectionString: url });
    // As TypeORM does: errors of idle clients are the pool's to report.
    const poolErrors: string[] = [];
    pool.on('error', (e) => poolErrors.push((e as Error & { code?: string }).code ?? e.name));

    // Without a listener of the pool options' own, the 57P01 right behind "ready" was an unhandled 'error'
    // event on the handed-out client: an uncaught exception that fails this test (and killed the service).
    const client = await pool.connect();
    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/);
    client.release();
    expect(poolErrors).toEqual(['57P01']);
    await pool.end();
  });
});
