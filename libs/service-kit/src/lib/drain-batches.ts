/**
 * Takes batches (a transaction each, say) until one comes back short of `batchSize`, so the queue is empty or
 * was when that batch was read, or until `stopped` says so between batches. Returns how many were taken.
 * For the loops that work through a table's backlog: one batch per wake-up would cap them at a batch per
 * timer interval however long the backlog.
 */
export async function drainBatches(
  takeBatch: () => Promise<number>,
  batchSize: number,
  stopped: () => boolean = () => false,
): Promise<number> {
  let taken = 0;
  while (!stopped()) {
    const n = await takeBatch();
    taken += n;
    if (n < batchSize) break;
  }
  return taken;
}
