import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { FREE_PORT_RANGE, freePort } from '@kyoyu/testing';

/**
 * CI once saw fan-out fail to bind a port freePort had just reported free: the kernel had chosen it from
 * the ephemeral range, where an outgoing connection took it first. freePort must stay below that range and
 * step over ports that something already holds.
 */
const EPHEMERAL_FIRST = 32768;

const held: Server[] = [];
afterAll(async () => {
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
});

async function hold(port: number): Promise<void> {
  const s = createServer();
  s.listen(port, '127.0.0.1');
  await once(s, 'listening');
  held.push(s);
}

it('hands out ports below the ephemeral range that bind', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const p of ports) {
    expect(p).toBeGreaterThanOrEqual(FREE_PORT_RANGE.first);
    expect(p).toBeLessThanOrEqual(FREE_PORT_RANGE.last);
  }
  expect(FREE_PORT_RANGE.last).toBeLessThan(EPHEMERAL_FIRST);
  expect(new Set(ports).size).toBe(3);
  await hold(ports[0] as number); // it did bind
});

it('steps over ports that are held', async () => {
  const probe = await freePort();
  // The next port this process would hand out is probe + 1 (or the range's start): hold it and the one after.
  const next = probe === FREE_PORT_RANGE.last ? FREE_PORT_RANGE.first : probe + 1;
  await hold(next);
  const got = await freePort();
  expect(got).not.toBe(next);
  await hold(got);
});
