import type { StageName } from '@kyoyu/testing';
import { startFaultStack, type FaultStack } from './fault-stack';
import { createReviewer } from '@kyoyu/testing';
import { approve } from './reviewer';
import { expectNothingLostNothingLeaked, runScenario, seededRandom } from './scenario';
import { waitUntilSettled } from './verify';

// Random but reproducible kill points: override with KYOYU_FAULT_SEED to replay a failure.
const seed = Number(process.env['KYOYU_FAULT_SEED'] ?? Date.now() % 100_000);
const random = seededRandom(seed);
process.stderr.write(`[faults] kill-stages seed ${seed}\n`);

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
});

afterAll(async () => {
  await stack?.close();
});

/** Waits until the stage has just recorded new work, so the kill lands between its output and its commit. */
async function whenBusy(stack: FaultStack, table: string): Promise<void> {
  const count = async () =>
    Number(((await stack.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as Array<{ n: number }>)[0]!.n);
  const before = await count();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await count()) === before) await new Promise((r) => setTimeout(r, 5));
}

const BUSY_TABLE: Record<StageName, string> = {
  ingestion: 'ingest_outcomes',
  deidentify: 'review_items',
  review: 'review_items',
  fanout: 'released_events',
};

describe.each<[StageName, number]>([
  ['ingestion', 11],
  ['deidentify', 12],
  ['review', 13],
  ['fanout', 14],
])('kill -9 of %s mid-stream', (stage, run) => {
  it('recovers with every record accounted for, no conflicting payloads and no victim data', async () => {
    const faultAt = 0.2 + random() * 0.6;
    const r = await runScenario(stack, {
      name: `kill-9 ${stage} at ${(faultAt * 100).toFixed(0)}%`,
      run,
      faultAt,
      inject: async (s) => {
        await whenBusy(s, BUSY_TABLE[stage]);
        await s.crashAndRestart(stage);
      },
    });
    await expectNothingLostNothingLeaked(stack, r);
  });
});

describe('kill -9 of review between the decision commit and the outbox publish', () => {
  it('publishes every committed approval after the restart, exactly once', async () => {
    let approvedBeforeKill = 0;
    let unpublishedAtKill = 0;
    const r = await runScenario(stack, {
      name: 'kill-9 review after approvals',
      run: 15,
      alerts: 200,
      inject: async () => undefined,
      afterStream: async (s, records) => {
        await waitUntilSettled(s, records);
        const review = s.stages.get('review')!;
        const auth = await createReviewer(review.url, s.env.reviewToken, ['cust-harbor']);
        const held = (await s.db.query(
          `SELECT case_id FROM review_items WHERE state = 'held' AND draft::text LIKE '%45.15.%' ORDER BY case_id`,
        )) as Array<{ case_id: string }>;
        expect(held.length).toBeGreaterThan(10);
        // Approvals in flight; the kill lands right after the first one is committed and answered.
        let first!: () => void;
        const firstDone = new Promise<void>((res) => (first = res));
        const pending = held.map((h, i) =>
          new Promise((res) => setTimeout(res, i * 3)).then(async () => {
            const status = await approve(review.url, auth, h.case_id);
            if (status === 200) first();
            return status;
          }),
        );
        await firstDone;
        await review.kill();
        const [row] = (await s.db.query(
          `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished FROM outbox`,
        )) as Array<{ unpublished: number }>;
        unpublishedAtKill = row!.unpublished;
        const statuses = await Promise.all(pending);
        approvedBeforeKill = statuses.filter((x) => x === 200).length;
        process.stderr.write(
          `[faults] review killed after ${approvedBeforeKill} approval(s) answered; ${unpublishedAtKill} outbox row(s) unpublished at the kill\n`,
        );
        await s.crashAndRestart('review');
      },
    });
    await expectNothingLostNothingLeaked(stack, r);
    expect(approvedBeforeKill).toBeGreaterThan(0);
    const [approved] = (await stack.db.query(
      `SELECT count(*)::int AS n FROM review_items WHERE state = 'approved' AND draft::text LIKE '%45.15.%'`,
    )) as Array<{ n: number }>;
    expect(approved!.n).toBeGreaterThanOrEqual(approvedBeforeKill);
    expect(r.verdict.offsets.outcomes['released']).toBeGreaterThan(0);
  });
});
