import type { DataSource } from 'typeorm';
import { SubscriberEntity } from './entities';
import { RefreshingTableView } from './table-view';

export interface SubscriberRecord {
  id: string;
  name: string;
  sectors: string[];
  tlpClearance: string;
  filters: Record<string, unknown>;
  active: boolean;
}

/** Subscribers as fan-out sees them, reloaded when they change. */
export class SubscriberDirectory extends RefreshingTableView {
  private subscribers: SubscriberRecord[] = [];

  constructor(dataSource: DataSource, refreshMs = 2000) {
    super(dataSource, 'subscribers', refreshMs);
  }

  /** The active subscribers (filtered once per reload, not per event). */
  active(): readonly SubscriberRecord[] {
    return this.subscribers;
  }

  protected async reload(): Promise<void> {
    const rows = await this.dataSource
      .getRepository(SubscriberEntity)
      .find({ where: { active: true }, order: { id: 'ASC' } });
    this.subscribers = rows.map((r) => ({
      id: r.id,
      name: r.name,
      sectors: r.sectors,
      tlpClearance: r.tlpClearance,
      filters: r.filters,
      active: r.active,
    }));
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
