import type { DataSource } from 'typeorm';
import { Topics, shareTopic } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import {
  TopicReader,
  connectedProducer,
  localSecrets,
  startStages,
  testKafka,
  type ServiceProcess,
  type StackEnv,
  type StageName,
} from '@kyoyu/testing';
import type { Kafka, Producer } from 'kafkajs';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, SUBSCRIBERS } from './fixtures';

/** Everything a pipeline test needs: the running stages, a producer, readers and the database. */
export interface PipelineHarness {
  env: StackEnv;
  kafka: Kafka;
  producer: Producer;
  db: DataSource;
  stages: Map<StageName, ServiceProcess>;
  reader: TopicReader;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<PipelineHarness> {
  // Set by global-setup.mjs for this run.
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  if (!bootstrap.length || !databaseUrl) throw new Error('integration stack not started (global-setup.mjs)');
  const env: StackEnv = { bootstrap, databaseUrl, ...localSecrets() };

  const db = await openDataSource(databaseUrl, 'kyoyu-it');
  await upsertCustomers(db, [AUTO_CUSTOMER, REVIEW_CUSTOMER]);
  await upsertSubscribers(db, SUBSCRIBERS);

  const kafka = testKafka(bootstrap);
  const producer = await connectedProducer(kafka);
  const shareTopics = SUBSCRIBERS.map((s) => shareTopic(s.id));
  const reader = await new TopicReader(kafka, [
    ...shareTopics,
    Topics.AlertsRejected,
    Topics.EventsReleased,
  ]).start();
  const stages = await startStages(env);
  return {
    env,
    kafka,
    producer,
    db,
    stages,
    reader,
    async close() {
      await Promise.all([...stages.values()].map((s) => s.stop()));
      await reader.stop();
      await producer.disconnect();
      await db.destroy();
    },
  };
}
