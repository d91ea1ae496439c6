import { Topics } from '@kyoyu/contracts';
import { restartableDatabasePort, startRestartableDatabase, type RestartableDatabase } from '@kyoyu/testing';
import { startFaultStack, type FaultStack } from './fault-stack';
import { postgresOutage, type ObservedOutage } from './postgres-outage';
import { expectNothingLostNothingLeaked, runScenario } from './scenario';

// A PostgreSQL of this test's own: restarting the machine's server would disturb everyone else's tests.
let pg: RestartableDatabase;
let stack: FaultStack;

beforeAll(async () => {
  pg = await startRestartableDatabase(restartableDatabasePort(Number(process.env['KYOYU_IT_BASE_PORT'])));
  stack = await startFaultStack({ databaseUrl: pg.url });
});

afterAll(async () => {
  await stack?.close();
  await pg?.stop();
});

/** The outage asked for; every stage's retries (capped back-off) must outlast it. */
const DOWN_MS = 5000;
/**
 * From PostgreSQL answering again to the last outcome: a stage resumes on its next retry (back-off capped
 * at 5 s), so anything much longer means a stage stalled and only a later timer or restart freed it.
 */
const RESUME_WITHIN_MS = 30_000;

describe('PostgreSQL restarted mid-stream', () => {
  it('is down for 5 s while records keep arriving; every stage resumes and every record gets exactly one outcome', async () => {
    let outage: ReturnType<typeof postgresOutage> | undefined;
    let observed: ObservedOutage | undefined;
    const r = await runScenario(stack, {
      name: 'postgres-restart',
      run: 41,
      faultAt: 0.3,
      // Not awaited: the stream goes on during the outage, so every stage meets it with records in hand.
      inject: async () => {
        outage = postgresOutage(pg, pg.url, DOWN_MS);
      },
      afterStream: async () => {
        observed = await outage?.ended();
      },
      settleTimeoutMs: 240_000,
    });
    const during = stack.reader.messages.filter(
      (m) =>
        m.topic === Topics.AlertsRaw &&
        observed !== undefined &&
        m.timestamp >= observed.startedAt &&
        m.timestamp <= observed.endedAt,
    ).length;
    const resumedMs = observed ? r.settledAt - observed.endedAt : NaN;
    process.stderr.write(
      `[faults] postgres-restart: down ${observed?.downMs ?? '?'} ms as a client saw it; ${during} records ` +
        `written while it was down; every outcome recorded ${resumedMs} ms after it answered again\n`,
    );
    await expectNothingLostNothingLeaked(stack, r);
    expect(observed?.downMs).toBeGreaterThanOrEqual(DOWN_MS - 500);
    expect(during).toBeGreaterThan(0);
    expect(resumedMs).toBeLessThan(RESUME_WITHIN_MS);
  });
});
