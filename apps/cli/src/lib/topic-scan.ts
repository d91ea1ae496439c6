import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { flattenHeaders } from '@kyoyu/messaging';
import type { Progress } from './progress';

export interface ScannedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Reads a topic from its earliest retained record to the end it had when the scan started, then stops.
 * Uses a throw-away consumer group and never commits, so it does not disturb the stages.
 */
export async function scanTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onRecord: (r: ScannedRecord) => void,
  progress?: Progress,
): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const remaining = new Map<number, bigint>();
  let total = 0;
  for (const p of offsets) {
    const end = BigInt(p.high);
    const start = BigInt(p.low);
    if (end > start) {
      remaining.set(p.partition, end);
      total += Number(end - start);
    }
  }
  if (remaining.size === 0) return 0;
  progress?.start(total, `reading ${topic}`);
  const consumer = kafka.consumer({
    groupId: `kyoyu-cli-scan-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  let read = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined) return;
            const offset = BigInt(message.offset);
            if (offset < end) {
              onRecord({
                topic,
                partition,
                offset: message.offset,
                timestamp: Number(message.timestamp),
                key: message.key,
                value: message.value,
                headers: flattenHeaders(message.headers),
              });
              read++;
              progress?.increment();
            }
            if (offset + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    progress?.stop();
    await consumer.disconnect().catch(() => undefined);
  }
  return read;
}
