import type { DataSource } from 'typeorm';
import { Customer, type Customer as CustomerT } from '@kyoyu/contracts';
import { CustomerEntity } from './entities';

/**
 * An in-memory view of the customer registry, refreshed from PostgreSQL when it changes (checked every
 * `refreshMs`), so services pick up registrations and agreement changes without a restart.
 */
export class CustomerDirectory {
  private customers = new Map<string, CustomerT>();
  private version = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly refreshMs = 2000,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get(id: string): CustomerT | undefined {
    return this.customers.get(id);
  }

  all(): CustomerT[] {
    return [...this.customers.values()];
  }

  /** Reloads when the registry's change marker moved; cheap when nothing changed. */
  async refresh(): Promise<boolean> {
    const [marker] = (await this.dataSource.query(
      `SELECT coalesce(max(updated_at)::text, '') || ':' || count(*) AS v FROM customers`,
    )) as Array<{ v: string }>;
    if (!marker || marker.v === this.version) return false;
    const rows = await this.dataSource.getRepository(CustomerEntity).find();
    const next = new Map<string, CustomerT>();
    for (const row of rows) {
      const parsed = Customer.safeParse({ ...row.profile, agreement: row.agreement });
      if (parsed.success) next.set(row.id, parsed.data);
    }
    this.customers = next;
    this.version = marker.v;
    return true;
  }
}

/** Registers or updates customers; an agreement change must come with a higher version. */
export async function upsertCustomers(dataSource: DataSource, customers: CustomerT[]): Promise<void> {
  const now = new Date();
  await dataSource.transaction(async (em) => {
    for (const c of customers) {
      const { agreement, ...profile } = Customer.parse(c);
      await em.query(
        `INSERT INTO customers (id, profile, agreement, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET profile = EXCLUDED.profile, agreement = EXCLUDED.agreement, updated_at = EXCLUDED.updated_at`,
        [c.id, JSON.stringify(profile), JSON.stringify(agreement), now],
      );
    }
  });
}
