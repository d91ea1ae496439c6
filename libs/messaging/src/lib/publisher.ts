import {
  Partitioners,
  type Admin,
  type Kafka,
  type Message,
  type PartitionMetadata,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import type { OutboundMessage } from './records';

/** How long a topic's partition count is trusted before it is read again. */
const PARTITION_COUNT_TTL_MS = 60_000;
/** Re-sends of messages the broker never acknowledged before publish() gives up (and the stage retries). */
const MAX_UNACKED_RESENDS = 5;

/** A message with the partition it goes to; none while its topic is unknown (kafkajs then creates it). */
type Placed = OutboundMessage & { partition?: number };

/**
 * The one producer of a process: idempotent (no duplicates from its own retries), acks from all
 * in-sync replicas, so a resolved publish() means the outcome is durable.
 *
 * kafkajs 2.2.4 can resolve a send while dropping some of its messages: when a partition's leader moves
 * to a broker that already answered its part of the same send, the retry skips that broker
 * (producer/sendMessages.js, `responsePerBroker`). Seen in the fault suite's leader-move scenario. So the
 * publisher places every message on its partition itself (the same murmur2 partitioner kafkajs uses, so
 * keys keep their partitions) and re-sends whatever partition the broker did not acknowledge.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitionCounts = new Map<string, { count: number; at: number }>();
  private connected = false;
  /** Messages kafkajs reported as sent without an acknowledgement, re-sent since start. */
  unackedResends = 0;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    let pending = await this.place(messages);
    for (let attempt = 0; ; attempt++) {
      const acks = await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(pending) });
      const acked = new Set(acks.map((a) => `${a.topicName}\u0000${a.partition}`));
      const missing = pending.filter(
        (m) => m.partition !== undefined && !acked.has(`${m.topic}\u0000${m.partition}`),
      );
      if (missing.length === 0) return;
      if (attempt >= MAX_UNACKED_RESENDS) {
        throw new Error(`broker acknowledged no write for ${missing.length} message(s) after re-sends`);
      }
      this.unackedResends += missing.length;
      pending = missing;
    }
  }

  private async place(messages: readonly OutboundMessage[]): Promise<Placed[]> {
    const out: Placed[] = [];
    for (const m of messages) {
      const count = await this.partitionCount(m.topic);
      if (count === undefined) {
        out.push({ ...m });
        continue;
      }
      const partitionMetadata = partitionsOf(count);
      const message: Message = { key: m.key, value: m.value };
      out.push({ ...m, partition: this.partitioner({ topic: m.topic, partitionMetadata, message }) });
    }
    return out;
  }

  /** The topic's partition count; undefined while the topic does not exist yet. */
  private async partitionCount(topic: string): Promise<number | undefined> {
    const known = this.partitionCounts.get(topic);
    if (known && Date.now() - known.at < PARTITION_COUNT_TTL_MS) return known.count;
    const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    const count = metadata?.topics[0]?.partitions.length ?? 0;
    if (count === 0) return undefined;
    this.partitionCounts.set(topic, { count, at: Date.now() });
    return count;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

/** What the partitioner reads of a topic (only the partition ids), built once per partition count. */
const partitionLists = new Map<number, PartitionMetadata[]>();
function partitionsOf(count: number): PartitionMetadata[] {
  let list = partitionLists.get(count);
  if (!list) {
    list = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [],
      isr: [],
    }));
    partitionLists.set(count, list);
  }
  return list;
}

function byTopic(messages: readonly Placed[]): TopicMessages[] {
  const out = new Map<string, TopicMessages>();
  for (const m of messages) {
    let t = out.get(m.topic);
    if (!t) out.set(m.topic, (t = { topic: m.topic, messages: [] }));
    t.messages.push({ key: m.key, value: m.value, headers: m.headers, partition: m.partition });
  }
  return [...out.values()];
}
