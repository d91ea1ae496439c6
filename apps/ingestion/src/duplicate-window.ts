import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Origin } from '@kyoyu/contracts';

/**
 * Remembers alert ids in PostgreSQL so an alert sent twice (SIEM retry, re-export) is emitted once,
 * across restarts and instances. The first sighting's coordinates are kept: when the very same record is
 * consumed again (our own at-least-once redelivery after a crash), it is re-emitted, not dropped,
 * and downstream deduplicates by its deterministic event id.
 */
@Injectable()
export class DuplicateWindow {
  constructor(private readonly dataSource: DataSource) {}

  /** True when the alert should be emitted. */
  async firstSighting(
    alertId: string,
    origin: Origin,
    windowHours: number,
    now = new Date(),
  ): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO seen_alerts (alert_id, first_seen_at, origin) VALUES ($1, $2, $4)
       ON CONFLICT (alert_id) DO UPDATE SET first_seen_at = EXCLUDED.first_seen_at, origin = EXCLUDED.origin
         WHERE seen_alerts.origin = EXCLUDED.origin
            OR seen_alerts.first_seen_at < $2::timestamptz - make_interval(hours => $3)
       RETURNING alert_id`,
      [alertId, now, windowHours, `${origin.topic}/${origin.partition}/${origin.offset}`],
    )) as unknown[];
    return rows.length === 1;
  }
}
