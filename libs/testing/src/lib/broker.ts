import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TopicPartitions } from '@kyoyu/contracts';
import { repoRoot } from './repo';

export interface Broker {
  bootstrap: string[];
  control(command: string): Promise<string>;
  stop(): Promise<void>;
}

interface KafkaMockModule {
  startKafkaMock(opts: {
    brokers?: number;
    basePort?: number;
    topics?: Array<{ name: string; partitions: number }>;
    stateFile?: string;
  }): Promise<Broker>;
}

/** The contract topics with their partition counts, for the dev broker to pre-create. */
export function contractTopics(): Array<{ name: string; partitions: number }> {
  return Object.entries(TopicPartitions).map(([name, partitions]) => ({ name, partitions }));
}

/**
 * Starts the Kafka-protocol broker of tools/kafka-mock (librdkafka's mock cluster) on loopback,
 * building it first if needed.
 */
export async function startBroker(
  opts: { basePort?: number; brokers?: number; stateFile?: string } = {},
): Promise<Broker> {
  const file = pathToFileURL(path.join(repoRoot(), 'tools', 'kafka-mock', 'kafka-mock.mjs')).href;
  // A real ESM import (SWC leaves dynamic imports alone), since the launcher wrapper is plain ESM.
  const mod = (await import(file)) as KafkaMockModule;
  return mod.startKafkaMock({ ...opts, topics: contractTopics() });
}
