import type { Admin, Kafka } from 'kafkajs';
import { ContractViolation, Topics, decodeEvent, type AlertRejectedEvent } from '@kyoyu/contracts';
import type { Progress } from './progress';
import { scanTopic } from './topic-scan';

export interface StoredRejection {
  event: AlertRejectedEvent;
  /** The Kafka key of the rejection record (the original record's key). */
  key: string | null;
  /** Where the rejection itself is on alerts.rejected.v1. */
  at: { partition: number; offset: string };
}

export interface RejectionScan {
  rejections: StoredRejection[];
  /** Records on the rejected topic that do not match its contract (counted, never echoed). */
  unreadable: number;
}

/** Every rejection still retained on alerts.rejected.v1. */
export async function readRejections(
  kafka: Kafka,
  admin: Admin,
  progress?: Progress,
): Promise<RejectionScan> {
  const rejections: StoredRejection[] = [];
  let unreadable = 0;
  await scanTopic(
    kafka,
    admin,
    Topics.AlertsRejected,
    (r) => {
      try {
        rejections.push({
          event: decodeEvent(Topics.AlertsRejected, r.value),
          key: r.key?.toString('utf8') ?? null,
          at: { partition: r.partition, offset: r.offset },
        });
      } catch (e) {
        if (!(e instanceof ContractViolation)) throw e;
        unreadable++;
      }
    },
    progress,
  );
  return { rejections, unreadable };
}

/** A rejection as operators list it: codes, coordinates and sizes, never the original bytes. */
export function summarize(r: StoredRejection) {
  const d = r.event.data;
  return {
    id: r.event.id,
    reason: d.reason,
    stage: d.stage,
    origin: `${d.origin.topic}/${d.origin.partition}/${d.origin.offset}`,
    sourceOrg: d.sourceOrg ?? null,
    size: d.original.size,
    originalKept: d.original.base64 !== undefined,
    rejectedAt: d.rejectedAt,
    correlationId: r.event.correlationId,
  };
}
