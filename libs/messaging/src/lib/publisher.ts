import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import type { OutboundMessage } from './records';

/**
 * The one producer of a process: idempotent (no duplicates from its own retries), acks from all
 * in-sync replicas, so a resolved publish() means the outcome is durable.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, TopicMessages>();
    for (const m of messages) {
      let t = byTopic.get(m.topic);
      if (!t) byTopic.set(m.topic, (t = { topic: m.topic, messages: [] }));
      t.messages.push({ key: m.key, value: m.value, headers: m.headers });
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic.values()] });
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
  }
}
