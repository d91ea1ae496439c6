/** How waves are formed and run. */
export interface WaveOptions<T> {
  /** Waves running at once. */
  maxInFlight: number;
  /** A wave takes further items only while their weights sum to at most this (its first item always goes). */
  maxWeight: number;
  weigh(item: T): number;
  /** Whether `item` may run in the wave that `head` starts. */
  joins(head: T, item: T): boolean;
  run(items: T[]): Promise<void>;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Runs submitted items in waves, at most `maxInFlight` at a time; the items waiting when a wave starts go in
 * it together where they may (`joins`, `maxWeight`). A consumer hands over the small batches of several
 * partitions at once (one fetch response); run as one wave they cost one handler call, one database statement
 * and one offset commit instead of one each, and none of them waits for a slot behind the others.
 * Each submitter is settled with its wave's outcome.
 */
export class Waves<T> {
  private readonly waiting: Array<Waiting<T>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly opts: WaveOptions<T>) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // One turn of the event loop first: by then every batch of the fetch response at hand has been submitted.
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      const wave = this.take();
      this.inFlight++;
      this.opts
        .run(wave.map((w) => w.item))
        .then(
          () => wave.forEach((w) => w.resolve()),
          (err: unknown) => wave.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }

  /** The oldest waiting item, and the later ones that may join it, in submission order. */
  private take(): Array<Waiting<T>> {
    const head = this.waiting.shift() as Waiting<T>;
    const wave = [head];
    let weight = this.opts.weigh(head.item);
    for (let i = 0; i < this.waiting.length;) {
      const next = this.waiting[i] as Waiting<T>;
      const w = this.opts.weigh(next.item);
      if (this.opts.joins(head.item, next.item) && weight + w <= this.opts.maxWeight) {
        wave.push(next);
        weight += w;
        this.waiting.splice(i, 1);
      } else i++;
    }
    return wave;
  }
}
