import type { DataSource } from 'typeorm';

/**
 * An in-memory copy of a small, rarely changing table (the customer registry, the subscribers), so the
 * hot path never queries it. A cheap change marker (latest `updated_at` and row count) is polled every
 * `refreshMs`; the table is reloaded only when the marker moves, so changes apply without a restart.
 */
export abstract class RefreshingTableView {
  private marker = '';
  private timer: NodeJS.Timeout | undefined;

  protected constructor(
    protected readonly dataSource: DataSource,
    private readonly table: 'customers' | 'subscribers',
    private readonly refreshMs: number,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reloads when the table's change marker moved; returns whether it did. */
  async refresh(): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT coalesce(max(updated_at)::text, '') || ':' || count(*) AS v FROM ${this.table}`,
    )) as Array<{ v: string }>;
    if (!row || row.v === this.marker) return false;
    await this.reload();
    this.marker = row.v;
    return true;
  }

  protected abstract reload(): Promise<void>;
}
