import {
  downstreamOutcome,
  reconcile,
  type DownstreamFacts,
  type IngestFact,
  type OffsetRange,
} from './rules';

const RAW = 'alerts.raw.v1';

function range(partition: number, from: number, to: number): OffsetRange {
  return { topic: RAW, partition, from: BigInt(from), to: BigInt(to) };
}

function row(
  partition: number,
  offset: number,
  outcome: IngestFact['outcome'],
  alertId: string | null = null,
  reason: string | null = null,
): IngestFact {
  return { topic: RAW, partition, offset: BigInt(offset), outcome, reason, alertId };
}

describe('downstreamOutcome', () => {
  it.each<[DownstreamFacts | undefined, string]>([
    [undefined, 'NO_DOWNSTREAM_OUTCOME'],
    [{}, 'NO_DOWNSTREAM_OUTCOME'],
    [{ released: { deliveries: 2 } }, 'released'],
    [{ review: 'held' }, 'held'],
    [{ review: 'awaiting-second-approval' }, 'held'],
    [{ review: 'approved', released: { deliveries: 1 } }, 'released'],
    [{ review: 'approved' }, 'APPROVED_NOT_RELEASED'],
    [{ review: 'rejected' }, 'rejected-by-review'],
    [{ review: 'expired' }, 'expired-in-review'],
    [{ rejectedBy: { stage: 'deidentify', reason: 'INVALID_EVENT' } }, 'rejected'],
    [{ droppedByPolicy: { reason: 'EMBARGO' } }, 'dropped-by-policy'],
    [{ review: 'held', released: { deliveries: 1 } }, 'CONFLICTING_OUTCOMES'],
    [{ released: { deliveries: 1 }, rejectedBy: { stage: 'fanout', reason: 'X' } }, 'CONFLICTING_OUTCOMES'],
    [{ review: 'held', rejectedBy: { stage: 'deidentify', reason: 'X' } }, 'CONFLICTING_OUTCOMES'],
    [{ embargoed: { withdrawn: false } }, 'embargoed'],
    [{ embargoed: { withdrawn: true } }, 'withdrawn-under-embargo'],
    [{ review: 'approved', embargoed: { withdrawn: false } }, 'embargoed'],
    [{ embargoed: { withdrawn: false }, released: { deliveries: 1 } }, 'CONFLICTING_OUTCOMES'],
    [{ guardHeld: { withdrawn: false } }, 'held-by-egress-guard'],
    [{ guardHeld: { withdrawn: true } }, 'withdrawn-while-held'],
    [{ review: 'approved', guardHeld: { withdrawn: false } }, 'held-by-egress-guard'],
    [{ guardHeld: { withdrawn: false }, released: { deliveries: 1 } }, 'CONFLICTING_OUTCOMES'],
  ])('given %j it classifies as %s', (facts, expected) => {
    expect(downstreamOutcome(facts)).toBe(expected);
  });
});

describe('reconcile', () => {
  it('accounts for every offset of every range when each has exactly one outcome', () => {
    const downstream = new Map<string, DownstreamFacts>([
      ['a1', { released: { deliveries: 2 } }],
      ['a2', { review: 'held' }],
    ]);
    const report = reconcile(
      [range(0, 10, 13), range(1, 0, 1)],
      [
        row(0, 10, 'normalized', 'a1'),
        row(0, 11, 'duplicate'),
        row(0, 12, 'rejected', null, 'MALFORMED_JSON'),
        row(1, 0, 'normalized', 'a2'),
      ],
      downstream,
    );
    expect(report.ok).toBe(true);
    expect(report.inputRecords).toBe(4);
    expect(report.problems).toEqual([]);
    expect(report.outcomes).toMatchObject({ released: 1, held: 1, duplicate: 1, rejected: 1 });
    expect(report.outcomesWithoutInput).toBe(0);
  });

  it('lists each input record without an outcome by its coordinates', () => {
    const report = reconcile([range(2, 5, 8)], [row(2, 6, 'duplicate')], new Map());
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { origin: 'alerts.raw.v1/2/5', code: 'NO_OUTCOME', found: [] },
      { origin: 'alerts.raw.v1/2/7', code: 'NO_OUTCOME', found: [] },
    ]);
  });

  it('flags a normalized alert that nothing downstream recorded, and one recorded twice', () => {
    const report = reconcile(
      [range(0, 0, 2)],
      [row(0, 0, 'normalized', 'lost'), row(0, 1, 'normalized', 'twice')],
      new Map([['twice', { review: 'held' as const, released: { deliveries: 1 } }]]),
    );
    expect(report.problems).toEqual([
      { origin: 'alerts.raw.v1/0/0', code: 'NO_DOWNSTREAM_OUTCOME', found: [], alertId: 'lost' },
      {
        origin: 'alerts.raw.v1/0/1',
        code: 'CONFLICTING_OUTCOMES',
        found: ['review:held', 'released:1-deliveries'],
        alertId: 'twice',
      },
    ]);
  });

  it('counts outcome rows that have no input record in the range apart (e.g. deleted by retention)', () => {
    const report = reconcile([range(0, 1, 2)], [row(0, 0, 'duplicate'), row(0, 1, 'duplicate')], new Map());
    expect(report.ok).toBe(true);
    expect(report.outcomesWithoutInput).toBe(1);
  });

  it('treats an empty range as nothing to prove', () => {
    const report = reconcile([range(0, 4, 4)], [], new Map());
    expect(report).toMatchObject({ ok: true, inputRecords: 0, problems: [] });
  });
});
