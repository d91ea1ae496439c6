import {
  Partitioners,
  type Admin,
  type Kafka,
  type Message,
  type PartitionMetadata,
  type RecordMetadata,
} from 'kafkajs';

/** String keys whose partitions a placer remembers, per partition count. */
const RECENT_KEYS = 4096;

/** How long a topic's partition count is trusted before it is read again. */
const PARTITION_COUNT_TTL_MS = 60_000;

/** A message placed on its partition; none while its topic is unknown (kafkajs then creates it and picks one). */
export type PlacedMessage<M> = M & { partition?: number };

/**
 * Places messages on their partitions before a send, with the murmur2 partitioner kafkajs itself uses (so a
 * key keeps its partition), so that what the broker acknowledged can be checked partition by partition.
 *
 * Why the check is needed: kafkajs 2.2.4 can resolve a send while dropping some of its messages. When a
 * partition's leader moves to a broker that already answered its part of the same send, the retry skips that
 * broker (producer/sendMessages.js, `responsePerBroker`), and the partitions it should have written are
 * simply absent from the acknowledgements. Seen in the fault suite's leader-move scenario, for stage output
 * and for subscriber topics alike.
 */
export class PartitionPlacer {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly counts = new Map<string, { count: number; at: number }>();
  /**
   * Recent string keys' partitions, by partition count: fan-out places each event's key on every subscriber's
   * topic, and kafkajs' murmur2 allocates a Buffer and several Longs per call (4.6% of fan-out's allocations at
   * 100 subscribers, performance doc). Emptied when it holds RECENT_KEYS of one count.
   */
  private readonly recent = new Map<number, Map<string, number>>();
  /** Its own admin client, for topic metadata; connected on first use (or by connect()). */
  private readonly admin: Admin;
  private adminReady: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  /** Connects the admin client now (a start-up check that the brokers answer); place() does so when needed. */
  connect(): Promise<void> {
    this.adminReady ??= this.admin.connect().catch((e: unknown) => {
      this.adminReady = undefined;
      throw e;
    });
    return this.adminReady;
  }

  async disconnect(): Promise<void> {
    if (!this.adminReady) return;
    this.adminReady = undefined;
    await this.admin.disconnect();
  }

  async place<M extends { topic: string; key?: string | Buffer | null }>(
    messages: readonly M[],
  ): Promise<Array<PlacedMessage<M>>> {
    await this.connect();
    const out: Array<PlacedMessage<M>> = [];
    // One lookup per topic of the call, not one await per message (a dispatch holds hundreds of one topic).
    const counts = new Map<string, number | undefined>();
    for (const m of messages)
      if (!counts.has(m.topic)) counts.set(m.topic, await this.partitionCount(m.topic));
    for (const m of messages) {
      const count = counts.get(m.topic);
      if (count === undefined) {
        out.push({ ...m });
        continue;
      }
      out.push({ ...m, partition: this.partitionOf(m.topic, m.key ?? null, count) });
    }
    return out;
  }

  /** Where kafkajs' partitioner puts the key; a recent string key is not hashed again. */
  private partitionOf(topic: string, key: string | Buffer | null, count: number): number {
    // Only a string key is remembered: without a key kafkajs goes round the partitions.
    if (typeof key !== 'string') return this.hash(topic, key, count);
    let known = this.recent.get(count);
    if (!known) this.recent.set(count, (known = new Map()));
    let partition = known.get(key);
    if (partition === undefined) {
      partition = this.hash(topic, key, count);
      if (known.size >= RECENT_KEYS) known.clear();
      known.set(key, partition);
    }
    return partition;
  }

  private hash(topic: string, key: string | Buffer | null, count: number): number {
    const message: Message = { key, value: null };
    return this.partitioner({ topic, partitionMetadata: partitionsOf(count), message });
  }

  /** The topic's partition count; undefined while the topic does not exist (or its metadata cannot be read). */
  private async partitionCount(topic: string): Promise<number | undefined> {
    const known = this.counts.get(topic);
    if (known && Date.now() - known.at < PARTITION_COUNT_TTL_MS) return known.count;
    const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    const count = metadata?.topics[0]?.partitions.length ?? 0;
    if (count === 0) return undefined;
    this.counts.set(topic, { count, at: Date.now() });
    return count;
  }
}

/**
 * The messages of a resolved send whose write the broker did not acknowledge: a placed message needs its
 * topic-partition among the acknowledgements, an unplaced one (kafkajs chose its partition) at least its topic.
 */
export function unacknowledged<M extends { topic: string; partition?: number }>(
  messages: readonly M[],
  acks: readonly RecordMetadata[],
): M[] {
  const acknowledged = acknowledgedBy(acks);
  return messages.filter((m) => !acknowledged(m));
}

/**
 * Whether a message's write is among a resolved send's acknowledgements (as `unacknowledged` decides), with
 * the acknowledgements indexed once: a shared request checks the rows of many subscribers against the same ones.
 */
export function acknowledgedBy(
  acks: readonly RecordMetadata[],
): (m: { topic: string; partition?: number }) => boolean {
  const partitions = new Set(acks.map((a) => `${a.topicName}\u0000${a.partition}`));
  const topics = new Set(acks.map((a) => a.topicName));
  return (m) =>
    m.partition === undefined ? topics.has(m.topic) : partitions.has(`${m.topic}\u0000${m.partition}`);
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
