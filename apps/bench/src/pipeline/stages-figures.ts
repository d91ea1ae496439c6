import type { Kafka } from 'kafkajs';
import { Topics } from '@kyoyu/contracts';

/** The topic each stage writes, so its throughput can be read from offsets (no instrumentation needed). */
export function stageOutputs(shareTopics: string[]): Record<string, string[]> {
  return {
    'raw in (driver)': [Topics.AlertsRaw],
    ingestion: [Topics.AlertsNormalized, Topics.AlertsRejected],
    deidentify: [Topics.EventsReleased, Topics.ReviewRequested],
    'fanout (bundles)': shareTopics,
  };
}

/** Sum of the high watermarks of each topic. */
export async function watermarks(kafka: Kafka, topics: string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out = new Map<string, number>();
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t).catch(() => []);
      out.set(
        t,
        offsets.reduce((n, o) => n + Number(o.high), 0),
      );
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Average size in bytes of up to `n` records of a topic (read from the beginning). */
export async function averageSize(kafka: Kafka, topic: string, n = 300): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-size-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  let bytes = 0;
  let count = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (count >= n) return;
      bytes += message.value?.length ?? 0;
      if (++count >= n) done();
    },
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, 8000))]);
  await consumer.disconnect();
  return count ? Math.round(bytes / count) : 0;
}
