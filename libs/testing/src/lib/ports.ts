import { createServer } from 'node:net';

/**
 * Every port a test or bench hands to a service lies below Linux's ephemeral range, 32768–60999 by default:
 * inside it, any outgoing connection of the machine may take the port between our check and the service's
 * bind (seen in CI: fan-out exited with EADDRINUSE on a port the kernel had just reported free).
 *
 * Fixed ports (the brokers' blocks from 19092 to 29152, a database that restarts on the same port) are
 * chosen by their callers. Everything else takes a port from FREE_PORT_RANGE that binds right now (freePort).
 */
export const FREE_PORT_RANGE = { first: 30000, last: 32767 } as const;

/** The fault suite's restartable PostgreSQL: just below its broker block (control port base − 1). */
export function restartableDatabasePort(brokerBasePort: number): number {
  return brokerBasePort - 2;
}

const span = FREE_PORT_RANGE.last - FREE_PORT_RANGE.first + 1;
// Each process walks the range from its own starting point, so concurrent test processes rarely try the
// same port, and one process never hands out the same port twice until it has walked the whole range.
let cursor = (process.pid * 7919) % span;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port of FREE_PORT_RANGE that nothing holds now. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < span; tried++) {
    const port = FREE_PORT_RANGE.first + cursor;
    cursor = (cursor + 1) % span;
    if (await canBind(port)) return port;
  }
  throw new Error(`freePort: every port of ${FREE_PORT_RANGE.first}-${FREE_PORT_RANGE.last} is taken`);
}
