import { Waves } from './waves';

interface Item {
  name: string;
  weight: number;
  kind: 'a' | 'b';
}

/** Waves whose runs the test settles one at a time, recording what each run was given. */
function gatedWaves(maxInFlight: number, maxWeight: number) {
  const runs: Array<{ names: string[]; settle: (err?: Error) => void }> = [];
  const waves = new Waves<Item>({
    maxInFlight,
    maxWeight,
    weigh: (i) => i.weight,
    joins: (head, i) => head.kind === i.kind,
    run: (items) =>
      new Promise<void>((resolve, reject) =>
        runs.push({ names: items.map((i) => i.name), settle: (err) => (err ? reject(err) : resolve()) }),
      ),
  });
  return { waves, runs };
}

const item = (name: string, weight = 1, kind: 'a' | 'b' = 'a'): Item => ({ name, weight, kind });
/**
 * Past a settled wave's continuations and the next wave's start: the start waits one setImmediate, queued only
 * once the settled wave's continuations have run.
 */
const turn = async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

describe('Waves', () => {
  it('runs what is submitted in one turn as one wave, in submission order', async () => {
    const { waves, runs } = gatedWaves(1, 10);
    const done = ['p0', 'p1', 'p2'].map((n) => waves.submit(item(n)));
    await turn();
    expect(runs.map((r) => r.names)).toEqual([['p0', 'p1', 'p2']]);
    runs[0]?.settle();
    await expect(Promise.all(done)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('never runs more than maxInFlight waves; what waits meanwhile goes in the next wave together', async () => {
    const { waves, runs } = gatedWaves(1, 10);
    const first = waves.submit(item('p0'));
    await turn();
    const later = ['p1', 'p2'].map((n) => waves.submit(item(n)));
    await turn();
    expect(runs).toHaveLength(1);
    runs[0]?.settle();
    await first;
    await turn();
    expect(runs.map((r) => r.names)).toEqual([['p0'], ['p1', 'p2']]);
    runs[1]?.settle();
    await Promise.all(later);
  });

  it('keeps a wave within maxWeight (its first item always goes) and items that may not join apart', async () => {
    const { waves, runs } = gatedWaves(4, 10);
    void waves.submit(item('big', 12));
    void waves.submit(item('a1', 6));
    void waves.submit(item('b1', 1, 'b'));
    void waves.submit(item('a2', 4));
    void waves.submit(item('a3', 1));
    await turn();
    expect(runs.map((r) => r.names)).toEqual([['big'], ['a1', 'a2'], ['b1'], ['a3']]);
  });

  it('rejects the items of a failed wave, and only those; later waves still run', async () => {
    const { waves, runs } = gatedWaves(1, 10);
    const failed = [waves.submit(item('p0')), waves.submit(item('p1'))];
    await turn();
    const next = waves.submit(item('p2'));
    runs[0]?.settle(new Error('statement failed'));
    for (const f of failed) await expect(f).rejects.toThrow('statement failed');
    await turn();
    expect(runs.map((r) => r.names)).toEqual([['p0', 'p1'], ['p2']]);
    runs[1]?.settle();
    await expect(next).resolves.toBeUndefined();
  });
});
