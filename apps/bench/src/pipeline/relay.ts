import { Kafka, logLevel } from 'kafkajs';

/**
 * One hop of the transport ceiling: a bare kafkajs consumer → producer pass-through, as its own process
 * like a stage. Copies each record's first 32 bytes (the driver's send time) and pads to the size the
 * matching stage emits, to every output topic (fan-out hops write one copy per subscriber).
 * argv: <bootstrap> <group> <in-topic> <out-size> <out-topic>...
 */
async function main(): Promise<void> {
  const [bootstrap, group, input, size, ...outputs] = process.argv.slice(2);
  if (!bootstrap || !group || !input || !size || outputs.length === 0)
    throw new Error('usage: relay <bootstrap> <group> <in> <size> <out>...');
  const kafka = new Kafka({ clientId: group, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({
    groupId: group,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  const pad = 'x'.repeat(Number(size));
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const messages = batch.messages.map((m) => ({
        key: m.key,
        value: (m.value?.subarray(0, 32).toString('utf8') ?? '').padEnd(32) + pad.slice(32),
      }));
      await producer.sendBatch({ acks: -1, topicMessages: outputs.map((topic) => ({ topic, messages })) });
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await heartbeat();
    },
  });
  process.send?.('ready');
  const stop = () =>
    void Promise.all([consumer.disconnect(), producer.disconnect()]).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
