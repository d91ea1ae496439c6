import { IsNull, type DataSource } from 'typeorm';
import { Customer, type Customer as CustomerT } from '@kyoyu/contracts';
import { CustomerEntity } from './entities';
import { RefreshingTableView } from './table-view';

/** The customer registry as the stages see it, with the counts k-anonymity needs derived once per change. */
export class CustomerDirectory extends RefreshingTableView {
  private customers = new Map<string, CustomerT>();
  private list: readonly CustomerT[] = [];
  private byPrincipal = new Map<string, CustomerT>();
  private bySector = new Map<string, number>();
  private byCountry = new Map<string, number>();
  private bySectorAndCountry = new Map<string, number>();

  /**
   * @param includeDeactivated also customers who have left: their records are refused, but their names stay
   *   what must never be shared (fan-out's egress guard reads the registry so).
   */
  constructor(
    dataSource: DataSource,
    refreshMs = 2000,
    private readonly includeDeactivated = false,
  ) {
    super(dataSource, 'customers', refreshMs);
  }

  get(id: string): CustomerT | undefined {
    return this.customers.get(id);
  }

  /** Every customer loaded: the same array until the registry changes, so what is derived from it can be kept. */
  all(): readonly CustomerT[] {
    return this.list;
  }

  /** The customer whose SIEM writes as this Kafka principal (its `kafkaPrincipals`). */
  forPrincipal(principal: string): CustomerT | undefined {
    return this.byPrincipal.get(principal);
  }

  /** How many registered customers share this sector (for k-anonymous release of context). */
  countWithSector(sector: string): number {
    return this.bySector.get(sector) ?? 0;
  }

  countWithCountry(country: string): number {
    return this.byCountry.get(country) ?? 0;
  }

  /** Sector and country together can single a customer out even when each alone cannot. */
  countWithSectorAndCountry(sector: string, country: string): number {
    return this.bySectorAndCountry.get(`${sector}\u0000${country}`) ?? 0;
  }

  protected async reload(): Promise<void> {
    // A deactivated customer is as good as unregistered: its records are rejected (UNKNOWN_SOURCE).
    const rows = await this.dataSource
      .getRepository(CustomerEntity)
      .find(this.includeDeactivated ? {} : { where: { deactivatedAt: IsNull() } });
    const customers = new Map<string, CustomerT>();
    const byPrincipal = new Map<string, CustomerT>();
    const bySector = new Map<string, number>();
    const byCountry = new Map<string, number>();
    const bySectorAndCountry = new Map<string, number>();
    for (const row of rows) {
      const parsed = Customer.safeParse({ ...row.profile, agreement: row.agreement });
      if (!parsed.success) continue;
      const c = parsed.data;
      customers.set(c.id, c);
      for (const p of c.kafkaPrincipals) byPrincipal.set(p, c);
      bySector.set(c.sector, (bySector.get(c.sector) ?? 0) + 1);
      byCountry.set(c.region.country, (byCountry.get(c.region.country) ?? 0) + 1);
      const pair = `${c.sector}\u0000${c.region.country}`;
      bySectorAndCountry.set(pair, (bySectorAndCountry.get(pair) ?? 0) + 1);
    }
    this.customers = customers;
    this.list = [...customers.values()];
    this.byPrincipal = byPrincipal;
    this.bySector = bySector;
    this.byCountry = byCountry;
    this.bySectorAndCountry = bySectorAndCountry;
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
