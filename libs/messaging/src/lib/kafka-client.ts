import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerConfig,
  type ConsumerRunConfig,
  type KafkaConfig,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string };
}

/**
 * How often consumers and producers refresh cluster metadata unless they say otherwise. kafkajs 2.2.4
 * drops a broker that went away from its metadata and only fetches that broker's partitions again on
 * the next refresh (default 5 minutes): after a broker outage a stage would sit idle on those partitions
 * for minutes. Measured in the fault suite (broker down and up): with 5 s every stage resumes within seconds.
 */
export const DEFAULT_METADATA_MAX_AGE_MS = 5000;

/** Delay before a consumer that kafkajs gave up on runs again (doubling per failed attempt, capped). */
const CONSUMER_RESTART_MS = 1000;

/**
 * kafkajs 2.2.4 restarts a crashed consumer only for retriable errors. After a coordinator outage longer
 * than the session timeout the group has evicted the member, and the next heartbeat or commit fails with
 * UNKNOWN_MEMBER_ID, which kafkajs marks non-retriable: the consumer stops for good while the process
 * lives on (seen in the fault suite's broker-down scenario: ingestion stopped consuming). A stage must
 * never stop consuming while it runs, so such a consumer is connected and run again, as a new member,
 * with its own configuration; its uncommitted records are redelivered (at-least-once, as after a crash).
 */
function restartAfterFatalCrash(consumer: Consumer): Consumer {
  let lastRun: ConsumerRunConfig | undefined;
  let stopped = false;
  const run = consumer.run.bind(consumer);
  const disconnect = consumer.disconnect.bind(consumer);
  const stop = consumer.stop.bind(consumer);
  consumer.run = (config?: ConsumerRunConfig) => {
    lastRun = config;
    stopped = false;
    return run(config);
  };
  consumer.disconnect = () => {
    stopped = true;
    return disconnect();
  };
  consumer.stop = () => {
    stopped = true;
    return stop();
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || stopped || !lastRun) return;
    const again = (delay: number) =>
      setTimeout(() => {
        if (stopped) return;
        consumer
          .connect()
          .then(() => run(lastRun))
          .catch(() => again(Math.min(delay * 2, 30_000)));
      }, delay);
    again(CONSUMER_RESTART_MS);
  });
  return consumer;
}

/** A kafkajs client whose consumers and producers default to {@link DEFAULT_METADATA_MAX_AGE_MS}. */
class ResilientKafka extends Kafka {
  override consumer(config: ConsumerConfig) {
    return restartAfterFatalCrash(super.consumer({ metadataMaxAge: DEFAULT_METADATA_MAX_AGE_MS, ...config }));
  }

  override producer(config?: ProducerConfig) {
    return super.producer({ metadataMaxAge: DEFAULT_METADATA_MAX_AGE_MS, ...config });
  }
}

/** One kafkajs client per process; its log lines go to pino (they hold broker addresses, never payloads). */
export function createKafka(conn: KafkaConnection, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: conn.clientId,
    brokers: conn.brokers,
    ssl: conn.ssl ?? false,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log;
      const level =
        entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
      logger[level]({ kafka: entry.namespace, broker: rest['broker'], error: rest['error'] }, message);
    },
  };
  if (conn.sasl) config.sasl = conn.sasl as SASLOptions;
  return new ResilientKafka(config);
}
