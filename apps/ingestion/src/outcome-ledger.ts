import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { originOf, type IngestOutcome } from '@kyoyu/persistence';

/** One consumed raw record as ingestion decided it, before the duplicate check. */
export interface LedgerEntry {
  topic: string;
  partition: number;
  offset: string;
  sourceOrg: string | null;
  /** Set when the record became a canonical alert. */
  alertId: string | null;
  /** Set when the record was rejected. */
  reason: string | null;
}

/** A record's origin, as reconciliation names it (persistence's originOf). */
export function originKey(e: Pick<LedgerEntry, 'topic' | 'partition' | 'offset'>): string {
  return originOf(e.topic, e.partition, e.offset);
}

/**
 * Decides duplicates and records every record's outcome, for a whole batch in one statement.
 *
 * An alert id seen within the window is a duplicate and is not re-emitted, across restarts and instances.
 * The first sighting's coordinates are kept: when the very same record is consumed again (our own
 * at-least-once redelivery after a crash), it is re-emitted, not dropped, and downstream deduplicates by
 * its deterministic event id. Inside one batch only the earliest copy of an alert can be its first sighting.
 */
@Injectable()
export class OutcomeLedger {
  constructor(private readonly dataSource: DataSource) {}

  /** Each entry's outcome, keyed by originKey. */
  async record(
    entries: LedgerEntry[],
    windowHours: number,
    now = new Date(),
  ): Promise<Map<string, IngestOutcome>> {
    if (entries.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[])
           AS t(origin, topic, partition, "offset", source_org, alert_id, reason)
       ), firsts AS (
         SELECT DISTINCT ON (alert_id) alert_id, origin FROM input
          WHERE alert_id IS NOT NULL ORDER BY alert_id, topic, partition, "offset"
       ), emitted AS (
         INSERT INTO seen_alerts (alert_id, first_seen_at, origin) SELECT alert_id, $8, origin FROM firsts
         ON CONFLICT (alert_id) DO UPDATE SET first_seen_at = EXCLUDED.first_seen_at, origin = EXCLUDED.origin
           WHERE seen_alerts.origin = EXCLUDED.origin
              OR seen_alerts.first_seen_at < $8::timestamptz - make_interval(hours => $9)
         RETURNING origin
       )
       INSERT INTO ingest_outcomes (origin, topic, partition, "offset", source_org, alert_id, outcome, reason, recorded_at)
       SELECT i.origin, i.topic, i.partition, i."offset", i.source_org, i.alert_id,
              CASE WHEN i.alert_id IS NULL THEN 'rejected' WHEN e.origin IS NOT NULL THEN 'normalized' ELSE 'duplicate' END,
              i.reason, $8
         FROM input i LEFT JOIN emitted e ON e.origin = i.origin
       ON CONFLICT (origin) DO UPDATE SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
         alert_id = EXCLUDED.alert_id, source_org = EXCLUDED.source_org, recorded_at = EXCLUDED.recorded_at
       RETURNING origin, outcome`,
      [
        entries.map(originKey),
        entries.map((e) => e.topic),
        entries.map((e) => e.partition),
        entries.map((e) => e.offset),
        entries.map((e) => e.sourceOrg),
        entries.map((e) => e.alertId),
        entries.map((e) => e.reason),
        now,
        windowHours,
      ],
    )) as Array<{ origin: string; outcome: IngestOutcome }>;
    return new Map(rows.map((r) => [r.origin, r.outcome]));
  }
}
