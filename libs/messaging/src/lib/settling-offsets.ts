import type { PartitionOffset } from './offset-committer';

/** A handled run of one partition's records: settled once its work is durable, dropped when it must be redone. */
export interface SettlingRun {
  readonly topic: string;
  readonly partition: number;
  /** The partition's next offset to read once this run is settled. */
  readonly next: string;
  settled: boolean;
  dropped: boolean;
}

/**
 * Per partition, the handled runs of records in offset order, and how far the partition may be committed: past
 * the last run of its oldest unbroken stretch of settled runs. A stage may let a batch's work (its store) finish
 * after the batch is handed back to kafkajs, which then fetches the partition again; a later batch can settle
 * first, and committing its offset then would skip the earlier one's records should the process die before that
 * one settles. Pure bookkeeping: the consumer opens, settles and drops runs, and commits what it is given back.
 */
export class SettlingOffsets {
  private readonly runs = new Map<string, SettlingRun[]>();

  /** A run of records handled up to `next` - 1, after every run opened before it for the partition. */
  open(topic: string, partition: number, next: string): SettlingRun {
    const run: SettlingRun = { topic, partition, next, settled: false, dropped: false };
    const key = keyOf(topic, partition);
    let list = this.runs.get(key);
    if (!list) this.runs.set(key, (list = []));
    list.push(run);
    return run;
  }

  /**
   * Marks a run settled; returns its partition's offset to commit when its oldest runs are now all settled
   * (a dropped run, or one settled out of order, commits nothing).
   */
  settle(run: SettlingRun): PartitionOffset | undefined {
    if (run.dropped) return undefined;
    run.settled = true;
    const key = keyOf(run.topic, run.partition);
    const list = this.runs.get(key) ?? [];
    let done = 0;
    while (done < list.length && (list[done] as SettlingRun).settled) done++;
    if (done === 0) return undefined;
    const last = list[done - 1] as SettlingRun;
    list.splice(0, done);
    if (list.length === 0) this.runs.delete(key);
    return { topic: run.topic, partition: run.partition, offset: last.next };
  }

  /**
   * Drops a run and every run of its partition opened after it: their records are to be read again from the
   * run's first record, and none of them may be committed meanwhile. The runs before it stay.
   */
  drop(run: SettlingRun): void {
    if (run.dropped) return;
    const key = keyOf(run.topic, run.partition);
    const list = this.runs.get(key) ?? [];
    const at = list.indexOf(run);
    for (const r of at < 0 ? [run] : list.splice(at)) r.dropped = true;
    if (list.length === 0) this.runs.delete(key);
  }

  /** Drops every run: after a rebalance the partitions are read again from their committed offsets. */
  dropAll(): void {
    for (const list of this.runs.values()) for (const r of list) r.dropped = true;
    this.runs.clear();
  }
}

function keyOf(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}
