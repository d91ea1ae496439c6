import { drainBatches } from './drain-batches';

/** A queue of `backlog` items taken at most `size` at a time; counts the takes. */
function queue(backlog: number) {
  let left = backlog;
  let takes = 0;
  const take = (size: number) => async () => {
    takes += 1;
    const n = Math.min(size, left);
    left -= n;
    return n;
  };
  return { take, takes: () => takes, left: () => left };
}

describe('drainBatches', () => {
  it('takes batch after batch until one comes back short', async () => {
    const q = queue(450);
    expect(await drainBatches(q.take(200), 200)).toBe(450);
    expect(q.takes()).toBe(3);
    expect(q.left()).toBe(0);
  });

  it('reads once more after a batch that was exactly full, to see the queue empty', async () => {
    const q = queue(400);
    expect(await drainBatches(q.take(200), 200)).toBe(400);
    expect(q.takes()).toBe(3);
  });

  it('stops between batches when told to, leaving the rest queued', async () => {
    const q = queue(1000);
    let stop = false;
    const take = q.take(100);
    const taken = await drainBatches(
      async () => {
        const n = await take();
        stop = q.takes() === 2;
        return n;
      },
      100,
      () => stop,
    );
    expect(taken).toBe(200);
    expect(q.left()).toBe(800);
  });

  it('rejects with the error of a failing batch and takes no more', async () => {
    const q = queue(1000);
    const take = q.take(100);
    await expect(
      drainBatches(async () => {
        if (q.takes() === 2) throw new Error('lost the database');
        return take();
      }, 100),
    ).rejects.toThrow('lost the database');
    expect(q.takes()).toBe(2);
  });
});
