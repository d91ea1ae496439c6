import type { Admin, Kafka } from 'kafkajs';
import { Topics, principalOfRawTopic } from '@kyoyu/contracts';
import type { OffsetRange } from '@kyoyu/persistence';
import type { Progress } from './progress';
import { scanTopic } from './topic-scan';

/** The input topics: the development raw topic, the operator's replay topic, every principal's raw topic. */
export async function inputTopics(admin: Admin): Promise<string[]> {
  const all = await admin.listTopics();
  const fixed = [Topics.AlertsRaw, Topics.AlertsReplay].filter((t) => all.includes(t));
  return [...fixed, ...all.filter((t) => principalOfRawTopic(t) !== undefined).sort()];
}

/**
 * The offsets written to each partition of `topic` with a timestamp in `[fromMs, toMs)`. Asks the broker
 * (ListOffsets by timestamp); a broker that cannot answer that (it returns the end for every time, as
 * librdkafka's mock cluster does) is detected and the partition's timestamps are read instead.
 */
export async function offsetRanges(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  fromMs: number,
  toMs: number,
  progress?: Progress,
): Promise<OffsetRange[]> {
  const [watermarks, earliest, start, end] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchTopicOffsetsByTimestamp(topic, 0),
    admin.fetchTopicOffsetsByTimestamp(topic, fromMs),
    admin.fetchTopicOffsetsByTimestamp(topic, toMs),
  ]);
  const earliestOf = new Map(earliest.map((p) => [p.partition, p.offset]));
  const lookupWorks = watermarks.every((w) => w.low === w.high || earliestOf.get(w.partition) === w.low);
  if (!lookupWorks) return scanRanges(kafka, admin, topic, fromMs, toMs, progress);
  const endOf = new Map(end.map((p) => [p.partition, BigInt(p.offset)]));
  return start
    .map((p) => ({ topic, partition: p.partition, from: BigInt(p.offset), to: endOf.get(p.partition) ?? 0n }))
    .filter((r) => r.to > r.from)
    .sort((a, b) => a.partition - b.partition);
}

/** Ranges from the records' own timestamps (reads the topic; nothing of a record is kept but its offset). */
async function scanRanges(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  fromMs: number,
  toMs: number,
  progress?: Progress,
): Promise<OffsetRange[]> {
  const bounds = new Map<number, { from: bigint; to: bigint }>();
  await scanTopic(
    kafka,
    admin,
    topic,
    (r) => {
      if (r.timestamp < fromMs || r.timestamp >= toMs) return;
      const offset = BigInt(r.offset);
      const b = bounds.get(r.partition);
      if (!b) bounds.set(r.partition, { from: offset, to: offset + 1n });
      else {
        if (offset < b.from) b.from = offset;
        if (offset + 1n > b.to) b.to = offset + 1n;
      }
    },
    progress,
  );
  return [...bounds]
    .map(([partition, b]) => ({ topic, partition, ...b }))
    .sort((a, b) => a.partition - b.partition);
}
