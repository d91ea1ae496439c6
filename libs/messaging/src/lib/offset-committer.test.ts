import { OffsetCommitter, type PartitionOffset } from './offset-committer';

/** A committer whose requests the test answers one at a time, recording what each carried. */
function gatedCommitter() {
  const requests: Array<{ offsets: string[]; answer: (err?: Error) => void }> = [];
  const errors: Array<{ err: unknown; partitions: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const committer = new OffsetCommitter({
    send: (offsets) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<void>((resolve, reject) =>
        requests.push({
          offsets: offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).sort(),
          answer: (err) => {
            inFlight--;
            if (err) reject(err);
            else resolve();
          },
        }),
      );
    },
    onError: (err, partitions) => errors.push({ err, partitions }),
  });
  return { committer, requests, errors, maxInFlight: () => maxInFlight };
}

const at = (topic: string, partition: number, offset: number): PartitionOffset => ({
  topic,
  partition,
  offset: String(offset),
});
/** Lets the answered request's continuations (and the next request's start) run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('OffsetCommitter', () => {
  it('sends at once, and what is handed over meanwhile in one later request, the latest offset per partition', async () => {
    const { committer, requests, maxInFlight } = gatedCommitter();
    committer.commit([at('t', 0, 5)]);
    expect(requests.map((r) => r.offsets)).toEqual([['t/0@5']]);

    committer.commit([at('t', 0, 9), at('t', 1, 3)]);
    committer.commit([at('t', 1, 7)]);
    committer.commit([at('u', 0, 2)]);
    expect(requests).toHaveLength(1);

    requests[0]?.answer();
    await settle();
    expect(requests.map((r) => r.offsets)).toEqual([['t/0@5'], ['t/0@9', 't/1@7', 'u/0@2']]);
    requests[1]?.answer();
    await committer.flush();
    expect(requests).toHaveLength(2);
    expect(maxInFlight()).toBe(1);
  });

  it('keeps the offsets of a failed commit, unless newer ones came, and sends them with the next', async () => {
    const { committer, requests, errors } = gatedCommitter();
    committer.commit([at('t', 0, 5), at('t', 1, 4)]);
    committer.commit([at('t', 1, 6)]);
    requests[0]?.answer(new Error('REBALANCE_IN_PROGRESS'));
    await settle();
    expect(errors).toEqual([{ err: new Error('REBALANCE_IN_PROGRESS'), partitions: 2 }]);
    // Nothing is retried on its own: a failing coordinator is not hammered.
    expect(requests).toHaveLength(1);
    expect(committer.pending).toBe(2);

    committer.commit([at('t', 2, 1)]);
    expect(requests[1]?.offsets).toEqual(['t/0@5', 't/1@6', 't/2@1']);
    requests[1]?.answer();
    await committer.flush();
    expect(committer.pending).toBe(0);
  });

  it('flush sends what waits after a failure and resolves once no commit is in flight', async () => {
    const { committer, requests } = gatedCommitter();
    committer.commit([at('t', 0, 5)]);
    requests[0]?.answer(new Error('NOT_COORDINATOR'));
    await settle();

    let flushed = false;
    const flushing = committer.flush().then(() => (flushed = true));
    expect(requests[1]?.offsets).toEqual(['t/0@5']);
    await settle();
    expect(flushed).toBe(false);
    requests[1]?.answer();
    await flushing;
    expect(committer.pending).toBe(0);
  });

  it('drops waiting offsets of partitions another member now reads', async () => {
    const { committer, requests } = gatedCommitter();
    committer.commit([at('t', 0, 1)]);
    committer.commit([at('t', 0, 2), at('t', 1, 2), at('u', 3, 2)]);
    committer.retain(new Map([['t', new Set([1])]]));
    requests[0]?.answer();
    await settle();
    expect(requests[1]?.offsets).toEqual(['t/1@2']);
  });

  it('after a rebalance sends the offsets a failed commit kept, without waiting for another record', async () => {
    const { committer, requests } = gatedCommitter();
    committer.commit([at('t', 0, 4), at('t', 1, 8)]);
    requests[0]?.answer(new Error('REBALANCE_IN_PROGRESS'));
    await settle();
    expect(requests).toHaveLength(1);

    committer.retain(new Map([['t', new Set([1, 2])]]));
    expect(requests[1]?.offsets).toEqual(['t/1@8']);
    requests[1]?.answer();
    await committer.flush();
    expect(committer.pending).toBe(0);
  });

  it('strands nothing handed over just as the last request is answered', async () => {
    const { committer, requests } = gatedCommitter();
    committer.commit([at('t', 0, 1)]);
    const answered = new Promise<void>((resolve) => {
      requests[0]?.answer();
      resolve();
    });
    // Runs in the same microtask checkpoint as the committer's own continuation.
    void answered.then(() => committer.commit([at('t', 0, 2)]));
    await settle();
    expect(requests.map((r) => r.offsets)).toEqual([['t/0@1'], ['t/0@2']]);
  });
});
