import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Headers, Topics, principalOfRawTopic, sha256Hex } from '@kyoyu/contracts';
import type { StoredRejection } from './rejections';

/** Marks a record on alerts.replay.v1 with the rejection it re-sends. */
export const REPLAY_OF_HEADER = 'kyoyu-replay-of';

export type ReplayResult =
  | { id: string; status: 'replayed'; sourceOrg: string | null }
  | { id: string; status: 'refused'; code: ReplayRefusal; message: string };

export type ReplayRefusal =
  'NOT_FOUND' | 'NOT_REPLAYABLE' | 'ORIGINAL_NOT_KEPT' | 'ORIGINAL_CORRUPT' | 'ALREADY_REPLAYED';

const INPUT_TOPICS = new Set<string>([Topics.AlertsRaw, Topics.AlertsReplay]);

/** Why a rejection cannot be replayed, or undefined when it can. */
export function replayRefusal(r: StoredRejection): { code: ReplayRefusal; message: string } | undefined {
  const d = r.event.data;
  if (d.stage !== 'ingestion' || !(INPUT_TOPICS.has(d.origin.topic) || principalOfRawTopic(d.origin.topic))) {
    return {
      code: 'NOT_REPLAYABLE',
      message: `rejected by ${d.stage} on ${d.origin.topic}: only records rejected at ingestion can be re-sent`,
    };
  }
  if (d.original.base64 === undefined) {
    return {
      code: 'ORIGINAL_NOT_KEPT',
      message: `the original (${d.original.size} bytes) was too large to keep in the rejection; re-send it from the SIEM`,
    };
  }
  if (sha256Hex(Buffer.from(d.original.base64, 'base64')) !== d.original.sha256) {
    return { code: 'ORIGINAL_CORRUPT', message: 'the kept original does not match its recorded sha256' };
  }
  return undefined;
}

/**
 * Re-sends a rejected record's original bytes to alerts.replay.v1, once: the replay is recorded in the
 * same transaction that is committed only after the broker acknowledged the record, so a second replay of
 * the same rejection is refused, and a failed send leaves no record behind.
 */
export async function replayOnce(
  db: DataSource,
  producer: Producer,
  r: StoredRejection,
  operator: string,
  sourceOrgOverride?: string,
): Promise<ReplayResult> {
  const id = r.event.id;
  const refusal = replayRefusal(r);
  if (refusal) return { id, status: 'refused', ...refusal };
  const d = r.event.data;
  const origin = `${d.origin.topic}/${d.origin.partition}/${d.origin.offset}`;
  const sourceOrg = d.sourceOrg ?? sourceOrgOverride ?? null;
  return db.transaction(async (em) => {
    const inserted = (await em.query(
      `INSERT INTO rejection_replays (rejection_id, origin, reason, replayed_at, replayed_by)
       VALUES ($1, $2, $3, now(), $4) ON CONFLICT (rejection_id) DO NOTHING RETURNING rejection_id`,
      [id, origin, d.reason, operator],
    )) as unknown[];
    if (inserted.length === 0) {
      const rows = (await em.query(
        `SELECT replayed_at, replayed_by FROM rejection_replays WHERE rejection_id = $1`,
        [id],
      )) as Array<{ replayed_at: Date; replayed_by: string }>;
      const when = rows[0]?.replayed_at.toISOString() ?? 'earlier';
      return {
        id,
        status: 'refused',
        code: 'ALREADY_REPLAYED',
        message: `already replayed at ${when} by ${rows[0]?.replayed_by ?? 'an operator'}; a record is replayed once`,
      } as const;
    }
    const headers: Record<string, string> = {
      [REPLAY_OF_HEADER]: id,
      [Headers.CorrelationId]: r.event.correlationId,
    };
    if (sourceOrg) headers[Headers.SourceOrg] = sourceOrg;
    await producer.send({
      topic: Topics.AlertsReplay,
      acks: -1,
      messages: [{ key: r.key ?? sourceOrg, value: Buffer.from(d.original.base64 ?? '', 'base64'), headers }],
    });
    return { id, status: 'replayed', sourceOrg } as const;
  });
}
