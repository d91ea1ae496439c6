import type { DataSource } from 'typeorm';
import { SubscriberEntity } from './entities';

export interface SubscriberRecord {
  id: string;
  name: string;
  sectors: string[];
  tlpClearance: string;
  filters: Record<string, unknown>;
  active: boolean;
}

/** Subscribers as fan-out sees them, refreshed from PostgreSQL when they change. */
export class SubscriberDirectory {
  private subscribers: SubscriberRecord[] = [];
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

  active(): SubscriberRecord[] {
    return this.subscribers.filter((s) => s.active);
  }

  async refresh(): Promise<boolean> {
    const [marker] = (await this.dataSource.query(
      `SELECT coalesce(max(updated_at)::text, '') || ':' || count(*) AS v FROM subscribers`,
    )) as Array<{ v: string }>;
    if (!marker || marker.v === this.version) return false;
    const rows = await this.dataSource.getRepository(SubscriberEntity).find({ order: { id: 'ASC' } });
    this.subscribers = rows.map((r) => ({
      id: r.id,
      name: r.name,
      sectors: r.sectors,
      tlpClearance: r.tlpClearance,
      filters: r.filters,
      active: r.active,
    }));
    this.version = marker.v;
    return true;
  }
}

export async function upsertSubscribers(dataSource: DataSource, subs: SubscriberRecord[]): Promise<void> {
  const now = new Date();
  await dataSource.transaction(async (em) => {
    for (const s of subs) {
      await em.query(
        `INSERT INTO subscribers (id, name, sectors, tlp_clearance, filters, active, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sectors = EXCLUDED.sectors,
           tlp_clearance = EXCLUDED.tlp_clearance, filters = EXCLUDED.filters, active = EXCLUDED.active,
           updated_at = EXCLUDED.updated_at`,
        [s.id, s.name, JSON.stringify(s.sectors), s.tlpClearance, JSON.stringify(s.filters), s.active, now],
      );
    }
  });
}
