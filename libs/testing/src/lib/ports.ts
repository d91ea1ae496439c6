import { createServer } from 'node:net';

/**
 * Fixed ports (the brokers' blocks, a database that restarts on the same port) stay below Linux's ephemeral
 * range, 32768–60999 by default: inside it, any outgoing connection of the machine may already hold one.
 * Everything else takes a port the kernel reports free (freePort).
 */

/** The fault suite's restartable PostgreSQL: just below its broker block (control port base − 1). */
export function restartableDatabasePort(brokerBasePort: number): number {
  return brokerBasePort - 2;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
