import { startRestartableDatabase, type RestartableDatabase } from '@kyoyu/testing';
import { startFaultStack, type FaultStack } from './fault-stack';
import { expectNothingLostNothingLeaked, runScenario } from './scenario';

// A PostgreSQL of this test's own: restarting the machine's server would disturb everyone else's tests.
let pg: RestartableDatabase;
let stack: FaultStack;

beforeAll(async () => {
  pg = await startRestartableDatabase(Number(process.env['KYOYU_IT_BASE_PORT'] ?? 37092) + 25400);
  stack = await startFaultStack({ databaseUrl: pg.url });
});

afterAll(async () => {
  await stack?.close();
  await pg?.stop();
});

describe('PostgreSQL restarted mid-stream', () => {
  it('is down for 5 s; every stage reconnects and every record still gets exactly one outcome', async () => {
    let restartMs = 0;
    const r = await runScenario(stack, {
      name: 'postgres-restart',
      run: 41,
      inject: async () => {
        const t = Date.now();
        await pg.restart(5000);
        restartMs = Date.now() - t;
      },
      settleTimeoutMs: 240_000,
    });
    process.stderr.write(`[faults] postgres was down for ${restartMs} ms\n`);
    await expectNothingLostNothingLeaked(stack, r);
  });
});
