import type { ServiceProcess, StageName } from '@kyoyu/testing';
import { startFaultStack, type FaultStack } from './fault-stack';
import { expectNothingLostNothingLeaked, runScenario } from './scenario';

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('consumer group rebalance storm', () => {
  it('members of every stage join and leave repeatedly (clean stops and kill -9) without loss', async () => {
    const order: StageName[] = ['deidentify', 'ingestion', 'fanout', 'review', 'deidentify', 'ingestion'];
    let storm: Promise<void> = Promise.resolve();
    let rounds = 0;
    const r = await runScenario(stack, {
      name: 'rebalance-storm',
      run: 51,
      alerts: 400,
      faultAt: 0.1,
      // The stream goes on while the storm runs: each member joins, works, then leaves or crashes.
      inject: async (s) => {
        storm = (async () => {
          for (const [i, stage] of order.entries()) {
            const members: ServiceProcess[] = [await s.extraMember(stage), await s.extraMember(stage)];
            await Promise.all(members.map((m, j) => ((i + j) % 2 === 0 ? m.stop() : m.kill())));
            rounds++;
          }
        })();
      },
      afterStream: () => storm,
    });
    process.stderr.write(`[faults] rebalance storm: ${rounds} rounds of two members joining and leaving\n`);
    expect(rounds).toBe(order.length);
    await expectNothingLostNothingLeaked(stack, r);
  });
});
