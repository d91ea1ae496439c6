import { startFaultStack, type FaultStack } from './fault-stack';
import { expectNothingLostNothingLeaked, runScenario } from './scenario';

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('bad input under load (small version of `npm run bench -- --hostile`)', () => {
  it('rejects each malformed, hostile or oversized record with its reason; hostile but valid alerts get an outcome; no stage dies', async () => {
    const r = await runScenario(stack, {
      name: 'hostile-input',
      run: 61,
      alerts: 300,
      bad: 600,
      hostileValidEvery: 10,
      batchSize: 50,
      inject: async () => undefined,
    });
    const bad = r.records.filter((x) => x.kind === 'bad').length;
    const hostileValid = r.records.filter((x) => x.kind === 'hostile-valid').length;
    process.stderr.write(
      `[faults] hostile-input: ${bad} bad records, ${hostileValid} hostile valid alerts\n`,
    );
    expect(bad).toBe(540);
    expect(r.verdict.offsets.outcomes['rejected']).toBeGreaterThanOrEqual(bad);
    await expectNothingLostNothingLeaked(stack, r);
  });
});
