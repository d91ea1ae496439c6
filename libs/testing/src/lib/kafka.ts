import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { createKafka, flattenHeaders } from '@kyoyu/messaging';

/**
 * The services' own client (metadata refreshed every 5 s, consumers run again after a crash kafkajs gives up
 * on), silent: a plain kafkajs client here let a test reader stop fetching for good after earlier tests
 * deleted or refused topics, and the bundle it waited for, though on the topic, went unseen.
 */
export function testKafka(bootstrap: string[]): Kafka {
  return createKafka({ brokers: bootstrap, clientId: 'kyoyu-test' }, pino({ level: 'silent' }));
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Broker/producer timestamp, ms since the epoch. */
  timestamp: number;
}

/**
 * Reads topics from the beginning into memory, so a test can wait for an outcome to appear
 * (never for a fixed time).
 */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private readonly perTopic = new Map<string, number>();
  private readonly consumer: Consumer;
  private waiters: Array<() => void> = [];

  constructor(
    kafka: Kafka,
    private readonly topics: Array<string | RegExp>,
  ) {
    this.consumer = kafka.consumer({
      groupId: `test-reader-${randomBytes(4).toString('hex')}`,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
  }

  async start(): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    let joined!: () => void;
    const join = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? '',
          headers: flattenHeaders(message.headers),
          timestamp: Number(message.timestamp),
        });
        this.perTopic.set(topic, (this.perTopic.get(topic) ?? 0) + 1);
        const w = this.waiters;
        this.waiters = [];
        w.forEach((f) => f());
      },
    });
    await join;
    return this;
  }

  /** Messages read so far from one topic. */
  count(topic: string): number {
    return this.perTopic.get(topic) ?? 0;
  }

  /** Resolves with the matching messages once at least `count` match; rejects after `timeoutMs`. */
  async waitFor(
    predicate: (m: ReadMessage) => boolean,
    count = 1,
    timeoutMs = 30_000,
  ): Promise<ReadMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(predicate);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${count} message(s); ${found.length} matched of ${this.messages.length} read`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  await p.connect();
  return p;
}
