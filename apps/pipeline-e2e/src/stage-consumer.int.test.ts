import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { Topics, decodeEvent } from '@kyoyu/contracts';
import {
  KafkaPublisher,
  PartitionPlacer,
  PoisonRecordError,
  StageConsumer,
  type InboundRecord,
  type StageConsumerOptions,
  type RecordOutcome,
  type TopicHandler,
  unacknowledged,
} from '@kyoyu/messaging';
import { TopicReader, connectedProducer, controlBroker, testKafka } from '@kyoyu/testing';

/**
 * The stage transport's batch mode on the real broker: every record ends in exactly one outcome whatever
 * its neighbours do, and the group's committed offset moves past the batch only after the outcomes exist.
 */
const bootstrap = (process.env.KYOYU_IT_BOOTSTRAP ?? '').split(',');
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let publisher: KafkaPublisher;
let reader: TopicReader;
const run = randomBytes(3).toString('hex');
const output = `it.stage-out.${run}`;
const inputA = `it.stage-in-a.${run}`;
const inputB = `it.stage-in-b.${run}`;
const consumers: StageConsumer[] = [];

beforeAll(async () => {
  kafka = testKafka(bootstrap);
  admin = kafka.admin();
  await admin.connect();
  // The mock cluster has no CreateTopics API; its control channel creates them.
  for (const t of [inputA, inputB, output]) await controlBroker(`create-topic ${t} 1`);
  producer = await connectedProducer(kafka);
  publisher = new KafkaPublisher(kafka);
  await publisher.connect();
  reader = await new TopicReader(kafka, [output, Topics.AlertsRejected]).start();
});

afterAll(async () => {
  for (const c of consumers) await c.stop();
  await reader?.stop();
  await publisher?.disconnect();
  await producer?.disconnect();
  await admin?.disconnect();
});

function startConsumer(
  input: string,
  groupId: string,
  handler: TopicHandler,
  options: Partial<StageConsumerOptions> = {},
): StageConsumer {
  const c = new StageConsumer(kafka, {
    stage: 'ingestion',
    groupId,
    topics: [input],
    handlerFor: (topic) => (topic === input ? handler : undefined),
    publisher,
    logger: pino({ level: 'silent' }),
    maxAttempts: 3,
    retryBaseDelayMs: 10,
    ...options,
  });
  consumers.push(c);
  return c;
}

async function produce(input: string, values: string[]): Promise<void> {
  await producer.send({ topic: input, acks: -1, messages: values.map((value) => ({ key: null, value })) });
}

function echo(r: InboundRecord) {
  return [{ topic: output, key: null, value: Buffer.from(`out:${r.value?.toString()}`) }];
}

function rejectionsFor(input: string, prefix: string) {
  return reader.messages
    .filter((m) => m.topic === Topics.AlertsRejected)
    .map((m) => decodeEvent(Topics.AlertsRejected, Buffer.from(m.value)).data)
    .filter(
      (d) =>
        d.origin.topic === input &&
        Buffer.from(d.original.base64 ?? '', 'base64')
          .toString()
          .startsWith(prefix),
    );
}

async function committedOffset(input: string, groupId: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [input] });
  return Number(t?.partitions[0]?.offset ?? -1);
}

async function endOffset(input: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(input);
  return Number(offsets[0]?.high ?? -1);
}

it('gives each record of a batch its own outcome: results, poison rejections and per-record retries', async () => {
  const calls: number[] = [];
  const flaky = new Map<string, number>();
  const values = Array.from({ length: 40 }, (_, i) => `a-${i}`);
  startConsumer(inputA, `it-batch-a-${run}`, {
    batch: true,
    handle: async (records): Promise<RecordOutcome[]> => {
      calls.push(records.length);
      return records.map((r) => {
        const v = r.value?.toString() ?? '';
        if (v === 'a-7') return new PoisonRecordError('SCHEMA_VIOLATION', 'record 7 is bad');
        if (v === 'a-13') {
          const seen = (flaky.get(v) ?? 0) + 1;
          flaky.set(v, seen);
          if (seen < 2) return new Error('transient');
        }
        return echo(r);
      });
    },
  }).start();
  await produce(inputA, values);

  const outs = await reader.waitFor((m) => m.topic === output && m.value.startsWith('out:a-'), 39);
  expect(new Set(outs.map((m) => m.value)).size).toBe(39);
  expect(outs.map((m) => m.value)).not.toContain('out:a-7');
  expect(outs.map((m) => m.value)).toContain('out:a-13');
  await reader.waitFor((m) => m.topic === Topics.AlertsRejected && rejectionsFor(inputA, 'a-7').length > 0);
  expect(rejectionsFor(inputA, 'a-7').map((r) => r.reason)).toEqual(['SCHEMA_VIOLATION']);
  expect(rejectionsFor(inputA, 'a-13')).toHaveLength(0);
  // Batches, not one call per record (a-13's retry is the one single-record call).
  expect(calls.length).toBeLessThan(values.length / 2);
  const end = await endOffset(inputA);
  await expect(
    waitUntil(async () => (await committedOffset(inputA, `it-batch-a-${run}`)) === end),
  ).resolves.toBe(true);
});

it('falls back to one record per call when a batch keeps failing, so only the culprit is rejected', async () => {
  // A bug that breaks any batch containing b-5, e.g. one bad row failing a multi-row INSERT.
  startConsumer(inputB, `it-batch-b-${run}`, {
    batch: true,
    handle: async (records): Promise<RecordOutcome[]> => {
      if (records.some((r) => r.value?.toString() === 'b-5')) throw new Error('statement failed');
      return records.map(echo);
    },
  }).start();
  await produce(
    inputB,
    Array.from({ length: 12 }, (_, i) => `b-${i}`),
  );

  const outs = await reader.waitFor((m) => m.topic === output && m.value.startsWith('out:b-'), 11);
  expect(outs.map((m) => m.value).sort()).toEqual(
    Array.from({ length: 12 }, (_, i) => `out:b-${i}`)
      .filter((v) => v !== 'out:b-5')
      .sort(),
  );
  await waitUntil(async () => rejectionsFor(inputB, 'b-5').length === 1);
  expect(rejectionsFor(inputB, 'b-5').map((r) => r.reason)).toEqual(['RETRIES_EXHAUSTED']);
});

it('handles the waiting batches of several partitions in one call and commits each partition past its own', async () => {
  const topic = `it.stage-waves.${run}`;
  const partitions = 8;
  const groupId = `it-waves-${run}`;
  await controlBroker(`create-topic ${topic} ${partitions}`);
  // Every partition holds records before the consumer joins: each broker's first fetch response carries the
  // batches of the partitions it leads (8 partitions over the mock's 3 brokers: at least two each).
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: partitions * 5 }, (_, i) => ({
      partition: i % partitions,
      key: null,
      value: `w-${i}`,
    })),
  });
  const calls: Array<Array<{ partition: number; offset: string }>> = [];
  const handler: TopicHandler = {
    batch: true,
    handle: async (records): Promise<RecordOutcome[]> => {
      calls.push(records.map((r) => ({ partition: r.partition, offset: r.offset })));
      return records.map(echo);
    },
  };
  // One slot: the batches of one fetch response, and those that arrive while a call runs, share a call.
  await startConsumer(topic, groupId, handler, { partitionsConsumedConcurrently: 1 }).start();

  const outs = await reader.waitFor(
    (m) => m.topic === output && m.value.startsWith('out:w-'),
    partitions * 5,
  );
  expect(new Set(outs.map((m) => m.value)).size).toBe(partitions * 5);
  // Fewer calls than partitions: a call took the records of several partitions...
  expect(calls.length).toBeLessThan(partitions);
  expect(Math.max(...calls.map((call) => new Set(call.map((r) => r.partition)).size))).toBeGreaterThan(1);
  // ...each partition's records still in their order, and every partition's offset committed past its last.
  for (let p = 0; p < partitions; p++) {
    const offsets = calls
      .flat()
      .filter((r) => r.partition === p)
      .map((r) => Number(r.offset));
    expect(offsets).toEqual([0, 1, 2, 3, 4]);
  }
  await expect(
    waitUntil(async () => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return t?.partitions.filter((p) => p.offset === '5').length === partitions;
    }),
  ).resolves.toBe(true);
});

it('commits the batch it was handling when stopped, so a clean restart reads none of it again', async () => {
  const topic = `it.stage-stop.${run}`;
  const groupId = `it-stop-${run}`;
  await controlBroker(`create-topic ${topic} 1`);
  await produce(topic, ['s-0', 's-1', 's-2']);
  let entered!: () => void;
  const inWave = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = startConsumer(topic, groupId, {
    batch: true,
    handle: async (records): Promise<RecordOutcome[]> => {
      entered();
      await gate;
      return records.map(echo);
    },
  });
  await first.start();
  await inWave;
  // Stopped while its wave is in flight: kafkajs no longer accepts consumer.commitOffsets from here on.
  const stopped = first.stop();
  expect(first.isReady).toBe(false);
  release();
  await stopped;
  consumers.splice(consumers.indexOf(first), 1);
  expect(await committedOffset(topic, groupId)).toBe(3);

  // The same group again: it starts after the three records it had handled.
  const seen: string[] = [];
  await startConsumer(topic, groupId, {
    batch: true,
    handle: async (records): Promise<RecordOutcome[]> => {
      seen.push(...records.map((r) => r.value?.toString() ?? ''));
      return records.map(echo);
    },
  }).start();
  await produce(topic, ['s-3']);
  await waitUntil(async () => seen.includes('s-3'));
  expect(seen).toEqual(['s-3']);
});

it('fetches and handles the next records while a batch’s deferred work settles, and commits past it only after', async () => {
  const topic = `it.stage-defer.${run}`;
  const groupId = `it-defer-${run}`;
  await controlBroker(`create-topic ${topic} 1`);
  let finishFirst!: () => void;
  const firstWork = new Promise<void>((resolve) => (finishFirst = resolve));
  const calls: Array<{ values: string[]; deferred: boolean }> = [];
  await startConsumer(topic, groupId, {
    batch: true,
    handle: async (records, batch): Promise<RecordOutcome[]> => {
      // The first batch's work (its store, in fan-out) stays unfinished until the test says so.
      const work = calls.length === 0 ? firstWork : Promise.resolve();
      calls.push({ values: records.map((r) => r.value?.toString() ?? ''), deferred: batch.defer(work) });
      return records.map(echo);
    },
  }).start();
  await produce(topic, ['d-0', 'd-1']);
  await reader.waitFor((m) => m.topic === output && m.value === 'out:d-1');
  // Produced after the first batch was handled: fetched, handled and published while its work is unfinished.
  await produce(topic, ['d-2']);
  await reader.waitFor((m) => m.topic === output && m.value === 'out:d-2');
  expect(calls.map((c) => c.values)).toEqual([['d-0', 'd-1'], ['d-2']]);
  expect(calls.every((c) => c.deferred)).toBe(true);
  // d-2's work is done, d-0's is not: committing past d-2 would lose d-0 and d-1 to a crash now.
  expect(await committedOffset(topic, groupId)).toBe(-1);
  finishFirst();
  await expect(waitUntil(async () => (await committedOffset(topic, groupId)) === 3)).resolves.toBe(true);
});

it('reads a batch again when its deferred work fails, and handles it then without deferral', async () => {
  const topic = `it.stage-defer-fail.${run}`;
  const groupId = `it-defer-fail-${run}`;
  await controlBroker(`create-topic ${topic} 1`);
  const calls: Array<{ values: string[]; deferred: boolean }> = [];
  await startConsumer(topic, groupId, {
    batch: true,
    handle: async (records, batch): Promise<RecordOutcome[]> => {
      // The first time, the work fails after the handler returned, as a store does.
      const work =
        calls.length === 0
          ? new Promise((_, reject) => setImmediate(() => reject(new Error('store failed'))))
          : Promise.resolve();
      const deferred = batch.defer(work);
      calls.push({ values: records.map((r) => r.value?.toString() ?? ''), deferred });
      if (!deferred) await work;
      return records.map(echo);
    },
  }).start();
  await produce(topic, ['f-0', 'f-1']);
  await expect(waitUntil(async () => (await committedOffset(topic, groupId)) === 2)).resolves.toBe(true);
  // Deferred the first time; read again from f-0 and handled with the work awaited.
  expect(calls).toEqual([
    { values: ['f-0', 'f-1'], deferred: true },
    { values: ['f-0', 'f-1'], deferred: false },
  ]);
  // Published on both attempts: the outcome is the stage's at-least-once, never a loss.
  const outs = await reader.waitFor((m) => m.topic === output && m.value.startsWith('out:f-'), 4);
  expect(outs.map((m) => m.value).sort()).toEqual(['out:f-0', 'out:f-0', 'out:f-1', 'out:f-1']);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

it('loses nothing and never sticks when stage partitions publish at once while partition leaders move', async () => {
  const topic = `it.publish-race.${run}`;
  const partitions = 4;
  await controlBroker(`create-topic ${topic} ${partitions}`);
  // A publisher of its own, shared by four writers as the stage's partitions share their process's one.
  const shared = new KafkaPublisher(kafka);
  await shared.connect();
  const WRITERS = 4;
  const BATCHES = 30;
  const PER_BATCH = 20;
  let moves = 0;
  const sent: string[] = [];
  const writer = async (w: number): Promise<void> => {
    for (let b = 0; b < BATCHES; b++) {
      // Every other batch is one message, on one partition: those may go out beside sends on other partitions.
      const batch = Array.from({ length: b % 2 === 0 ? PER_BATCH : 1 }, (_, i) => ({
        topic,
        key: `k-${w}-${b}-${i}`,
        value: Buffer.from(`v-${w}-${b}-${i}`),
      }));
      for (const m of batch) sent.push(m.value.toString());
      // As a stage does: a failed publish is retried, the records stay unacknowledged meanwhile.
      for (let attempt = 1; ; attempt++) {
        try {
          await shared.publish(batch);
          break;
        } catch (e) {
          if (attempt >= 8) throw new Error(`publish failed ${attempt} times: ${(e as Error).message}`);
        }
      }
      // Each acknowledged batch moves one partition's leader to another broker.
      const m = moves++;
      await controlBroker(`leader ${topic} ${m % partitions} ${(m % 3) + 1}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  } finally {
    await shared.disconnect();
  }

  // Everything the topic holds (retried publishes may have written some messages twice), then every message.
  const written = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  const check = await new TopicReader(kafka, [topic]).start();
  try {
    const seen = new Set((await check.waitFor(() => true, written)).map((m) => m.value));
    expect(sent.filter((v) => !seen.has(v))).toEqual([]);
  } finally {
    await check.stop();
  }
});

it('replaces its producer when the broker refuses its sequence numbers, and the retry goes out', async () => {
  const topic = `it.publish-renew.${run}`;
  await controlBroker(`create-topic ${topic} 1`);
  const own = new KafkaPublisher(kafka);
  await own.connect();
  const message = (value: string) => [{ topic, key: 'k', value: Buffer.from(value) }];
  try {
    await own.publish(message('before'));
    // Non-retriable for kafkajs: without a new producer id every later send of this partition would be refused.
    await controlBroker('error Produce DUPLICATE_SEQUENCE_NUMBER 1');
    await expect(own.publish(message('refused'))).rejects.toThrow(/duplicate sequence number/);
    expect(own.producerRenewals).toBe(1);
    await own.publish(message('after'));
  } finally {
    await own.disconnect();
  }
  const check = await new TopicReader(kafka, [topic]).start();
  try {
    expect((await check.waitFor(() => true, 2)).map((m) => m.value)).toEqual(['before', 'after']);
  } finally {
    await check.stop();
  }
});

it('places keyed messages on the partitions kafkajs itself gives them, so acknowledgements can be checked per partition', async () => {
  const topic = `it.placement.${run}`;
  await controlBroker(`create-topic ${topic} 4`);
  const messages = Array.from({ length: 40 }, (_, i) => ({ topic, key: `event-${i}`, value: `v-${i}` }));
  const { placed, acks, landed } = await placeThenLand(messages);
  expect(placed.map((m) => landed.get(m.value))).toEqual(placed.map((m) => m.partition));
  expect(new Set(placed.map((m) => m.partition)).size).toBe(4);
  expect(unacknowledged(placed, acks)).toEqual([]);
  // A partition missing from the acknowledgements (as kafkajs can resolve a send after a leader move): its
  // messages, and only they, were not written.
  const withoutFirst = acks.filter((a) => a.partition !== placed[0]?.partition);
  expect(unacknowledged(placed, withoutFirst)).toEqual(
    placed.filter((m) => m.partition === placed[0]?.partition),
  );
  // An unplaced message (its topic did not exist yet) needs at least its topic acknowledged.
  const unplaced = [{ topic: `${topic}.new`, key: 'k' }];
  expect(unacknowledged(unplaced, acks)).toEqual(unplaced);
  expect(unacknowledged(unplaced, [{ ...acks[0]!, topicName: `${topic}.new` }])).toEqual([]);
});

it('places one key on topics of different partition counts, one after the other, where kafkajs puts it on each', async () => {
  // As fan-out places an event on every subscriber's topic: the same key on consecutive topics.
  const topics = [4, 7, 3].map((count) => ({ name: `it.placement-${count}.${run}`, count }));
  for (const t of topics) await controlBroker(`create-topic ${t.name} ${t.count}`);
  const messages = Array.from({ length: 20 }, (_, i) =>
    topics.map((t) => ({ topic: t.name, key: `event-${i}`, value: `${t.name}/${i}` })),
  ).flat();
  const { placed, landed } = await placeThenLand(messages);
  expect(placed.map((m) => landed.get(m.value))).toEqual(placed.map((m) => m.partition));
});

/**
 * Places messages with a PartitionPlacer, then sends them without partitions, so that kafkajs' own partitioner
 * decides where each lands: the placement, the send's acknowledgements, and the partition each value landed on.
 */
async function placeThenLand(messages: ReadonlyArray<{ topic: string; key: string; value: string }>) {
  const placer = new PartitionPlacer(kafka);
  const placed = await placer.place(messages).finally(() => placer.disconnect());
  const topics = [...new Set(messages.map((m) => m.topic))];
  const acks = await producer.sendBatch({
    acks: -1,
    topicMessages: topics.map((topic) => ({
      topic,
      messages: messages.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
    })),
  });
  const check = await new TopicReader(kafka, topics).start();
  try {
    const read = await check.waitFor(() => true, messages.length);
    return { placed, acks, landed: new Map(read.map((m) => [m.value, m.partition])) };
  } finally {
    await check.stop();
  }
}
