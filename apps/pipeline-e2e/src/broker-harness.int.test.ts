import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Topics } from '@kyoyu/contracts';
import { BROKER_PORT_STEP, repoRoot, testKafka } from '@kyoyu/testing';

/**
 * The test harness's broker is started on fixed ports, and CI once found one of them held by another process
 * (an outgoing connection in the kernel's ephemeral range). It must then move to the next block and report
 * where it went, instead of failing the run.
 */
const BASE = 27092; // below the ephemeral range, away from the integration (29092) and fault (28092) blocks

// The broker launcher is ESM, which jest's CommonJS sandbox cannot import: started from a Node process of
// its own through the built harness, as global-setup.mjs does. It prints the broker's ports, stops on stdin's end.
const STARTER = `
const { startBroker } = require(${JSON.stringify(path.join(repoRoot(), 'dist/libs/testing/src/index.js'))});
(async () => {
  const b = await startBroker({ basePort: Number(process.argv[1]), stateFile: null });
  console.log(JSON.stringify({ bootstrap: b.bootstrap, controlPort: b.controlPort }));
  process.stdin.on('end', () => b.stop().then(() => process.exit(0))).resume();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

let squatter: Server;
let starter: ChildProcess | undefined;

beforeAll(async () => {
  squatter = createServer();
  squatter.listen(BASE + 1, '127.0.0.1');
  await once(squatter, 'listening');
});

afterAll(async () => {
  if (starter && starter.exitCode === null) {
    const exited = once(starter, 'exit');
    starter.stdin?.end();
    await exited;
  }
  squatter.close();
});

it('moves to the next block of ports when one of its block is taken, and reports the ports it took', async () => {
  starter = spawn(process.execPath, ['-e', STARTER, String(BASE)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await Promise.race([
    once(createInterface({ input: starter.stdout! }), 'line'),
    once(starter, 'exit').then(([code]) => {
      throw new Error(`broker starter exited with ${String(code)}`);
    }),
  ])) as [string];
  const broker = JSON.parse(line) as { bootstrap: string[]; controlPort: number };

  const next = BASE + BROKER_PORT_STEP;
  expect(broker.controlPort).toBe(next - 1);
  expect(broker.bootstrap).toEqual([`127.0.0.1:${next}`, `127.0.0.1:${next + 1}`, `127.0.0.1:${next + 2}`]);

  // A real broker there: the contract topics answer a metadata request.
  const admin = testKafka(broker.bootstrap).admin();
  await admin.connect();
  try {
    expect(await admin.listTopics()).toContain(Topics.AlertsRaw);
  } finally {
    await admin.disconnect();
  }
});
