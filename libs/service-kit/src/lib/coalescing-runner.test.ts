import { CoalescingRunner } from './coalescing-runner';

/** A job whose runs are released one at a time by the test. */
function gatedJob() {
  const gates: Array<() => void> = [];
  let started = 0;
  const job = () => {
    started += 1;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const release = async () => {
    gates.shift()?.();
    // Let the runner's continuation (and a follow-up run, if any) start.
    await new Promise((r) => setImmediate(r));
  };
  return { job, release, started: () => started, waiting: () => gates.length };
}

describe('CoalescingRunner', () => {
  it('runs once more after kicks that arrive during a run, however many, and never two at once', async () => {
    const g = gatedJob();
    const runner = new CoalescingRunner(g.job, () => undefined);
    runner.kick();
    runner.kick();
    runner.kick();
    await Promise.resolve();
    expect(g.started()).toBe(1);
    await g.release();
    expect(g.started()).toBe(2);
    expect(g.waiting()).toBe(1);
    await g.release();
    expect(g.started()).toBe(2);
    expect(g.waiting()).toBe(0);
  });

  it('starts one run after kicks made in one synchronous pass, and that run sees the work of all of them', async () => {
    const queued: string[] = [];
    const runs: string[][] = [];
    const runner = new CoalescingRunner(
      async () => {
        runs.push(queued.splice(0));
      },
      () => undefined,
    );
    for (const id of ['a', 'b', 'c']) {
      queued.push(id);
      runner.kick();
    }
    expect(runs).toEqual([]);
    await runner.stop();
    expect(runs).toEqual([['a', 'b', 'c']]);
  });

  it('reports a failed run and runs again on the next kick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const runner = new CoalescingRunner(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first run fails');
      },
      (e) => errors.push(e),
    );
    runner.kick();
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([expect.objectContaining({ message: 'first run fails' })]);
    runner.kick();
    await runner.stop();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('waits for the current run on stop and ignores kicks afterwards', async () => {
    const g = gatedJob();
    const runner = new CoalescingRunner(g.job, () => undefined);
    runner.kick();
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    expect(runner.stopped).toBe(true);
    runner.kick();
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    await g.release();
    await stopping;
    expect(stopped).toBe(true);
    expect(g.started()).toBe(1);
  });
});
