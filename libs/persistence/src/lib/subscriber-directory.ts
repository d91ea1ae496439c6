import type { DataSource } from 'typeorm';
import {
  DeliveryChannel,
  SubscriberFilters,
  SubscriberRegistration,
  sha256Hex,
  type SubscriberRegistrationInput,
} from '@kyoyu/contracts';
import { SubscriberEntity } from './entities';
import { RefreshingTableView } from './table-view';

/** A subscriber as stored (the TAXII key only as its hash). */
export interface SubscriberRecord {
  id: string;
  name: string;
  sectors: string[];
  tlpClearance: string;
  filters: Record<string, unknown>;
  active: boolean;
  /** Defaults to both channels. */
  channels?: DeliveryChannel[];
}

/** An active subscriber, ready for routing: filters parsed, channels known. */
export interface ActiveSubscriber {
  id: string;
  name: string;
  sectors: string[];
  tlpClearance: string;
  filters: SubscriberFilters;
  channels: DeliveryChannel[];
  taxiiApiKeyHash: string | null;
}

/**
 * The stored form of a TAXII API key. Keys are random tokens of at least 128 bits (the registration
 * schema enforces their length), so a fast hash is enough and lets a request find its subscriber in
 * one lookup; a slow password hash would only be needed for low-entropy secrets.
 */
export function hashTaxiiApiKey(key: string): string {
  return `sha256:${sha256Hex(key)}`;
}

/** Subscribers as fan-out sees them, reloaded when they change. */
export class SubscriberDirectory extends RefreshingTableView {
  private subscribers: ActiveSubscriber[] = [];
  private byKeyHash = new Map<string, ActiveSubscriber>();
  private invalidIds: string[] = [];

  constructor(dataSource: DataSource, refreshMs = 2000) {
    super(dataSource, 'subscribers', refreshMs);
  }

  /** The active subscribers (parsed once per reload, not per event). */
  active(): readonly ActiveSubscriber[] {
    return this.subscribers;
  }

  /** The active subscriber a TAXII API key belongs to, if any. */
  byTaxiiApiKey(key: string): ActiveSubscriber | undefined {
    return this.byKeyHash.get(hashTaxiiApiKey(key));
  }

  /**
   * Active subscribers left out because their stored filters or channels do not parse (only possible by
   * editing the table by hand): they receive nothing until fixed, and the caller reports them.
   */
  invalid(): readonly string[] {
    return this.invalidIds;
  }

  protected async reload(): Promise<void> {
    const rows = await this.dataSource
      .getRepository(SubscriberEntity)
      .find({ where: { active: true }, order: { id: 'ASC' } });
    const subscribers: ActiveSubscriber[] = [];
    const invalid: string[] = [];
    for (const r of rows) {
      const filters = SubscriberFilters.safeParse(r.filters);
      const channels = DeliveryChannel.array().safeParse(r.channels);
      if (!filters.success || !channels.success) {
        invalid.push(r.id);
        continue;
      }
      subscribers.push({
        id: r.id,
        name: r.name,
        sectors: r.sectors,
        tlpClearance: r.tlpClearance,
        filters: filters.data,
        channels: channels.data,
        taxiiApiKeyHash: r.taxiiApiKeyHash,
      });
    }
    this.subscribers = subscribers;
    this.invalidIds = invalid;
    this.byKeyHash = new Map(
      subscribers.flatMap((s) => (s.taxiiApiKeyHash ? [[s.taxiiApiKeyHash, s] as const] : [])),
    );
  }
}

/**
 * Registers or updates subscribers, validating each against the registration schema (a ZodError names the
 * offending paths). A `taxiiApiKey` is stored only as its hash; leaving it out keeps the stored one.
 */
export async function upsertSubscribers(
  dataSource: DataSource,
  subs: ReadonlyArray<SubscriberRegistrationInput | SubscriberRecord>,
): Promise<void> {
  const parsed = subs.map((s) => SubscriberRegistration.parse(s));
  const now = new Date();
  await dataSource.transaction(async (em) => {
    for (const s of parsed) {
      await em.query(
        `INSERT INTO subscribers (id, name, sectors, tlp_clearance, filters, active, channels, taxii_api_key_hash, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sectors = EXCLUDED.sectors,
           tlp_clearance = EXCLUDED.tlp_clearance, filters = EXCLUDED.filters, active = EXCLUDED.active,
           channels = EXCLUDED.channels,
           taxii_api_key_hash = coalesce(EXCLUDED.taxii_api_key_hash, subscribers.taxii_api_key_hash),
           updated_at = EXCLUDED.updated_at`,
        [
          s.id,
          s.name,
          JSON.stringify(s.sectors),
          s.tlpClearance,
          JSON.stringify(s.filters),
          s.active,
          JSON.stringify(s.channels),
          s.taxiiApiKey === undefined ? null : hashTaxiiApiKey(s.taxiiApiKey),
          now,
        ],
      );
    }
  });
}
