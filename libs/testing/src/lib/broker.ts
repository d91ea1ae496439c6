import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TopicPartitions } from '@kyoyu/contracts';
import { repoRoot } from './repo';

export interface Broker {
  bootstrap: string[];
  controlPort: number;
  control(command: string): Promise<string>;
  stop(): Promise<void>;
}

interface KafkaMockModule {
  startKafkaMock(opts: {
    brokers?: number;
    basePort?: number;
    topics?: Array<{ name: string; partitions: number }>;
    stateFile?: string | null;
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
async function loadMock(): Promise<KafkaMockModule> {
  const file = pathToFileURL(path.join(repoRoot(), 'tools', 'kafka-mock', 'kafka-mock.mjs')).href;
  // A real ESM import (SWC leaves dynamic imports alone), since the launcher wrapper is plain ESM.
  return (await import(file)) as KafkaMockModule;
}

/**
 * One fault-injection command to a running broker's control channel (see tools/kafka-mock/README.md),
 * e.g. `create-topic t 4`, `delete-topic t`, `broker-down 2`. Resolves with the reply; rejects on `error …`.
 * Integration tests find the port in KYOYU_IT_CONTROL_PORT.
 */
export async function controlBroker(
  command: string,
  port = Number(process.env.KYOYU_IT_CONTROL_PORT),
): Promise<string> {
  if (!Number.isInteger(port) || port <= 0) throw new Error('no broker control port (KYOYU_IT_CONTROL_PORT)');
  const client = path.join(repoRoot(), 'tools', 'kafka-mock', 'control-client.cjs');
  const { sendControl } = require(client) as {
    sendControl(cmd: string, o: { port: number }): Promise<string>;
  };
  return sendControl(command, { port });
}

/** How far startBroker moves when its ports are taken: blocks of ten ports, five more tries. */
export const BROKER_PORT_STEP = 10;
export const BROKER_PORT_TRIES = 6;

/**
 * Starts the broker with the contract topics. When a port of its block (control, brokers) is taken, it
 * moves up by BROKER_PORT_STEP and tries again: callers read the ports from the returned Broker, never
 * from the base they asked for.
 */
export async function startBroker(
  opts: { basePort?: number; brokers?: number; stateFile?: string | null } = {},
): Promise<Broker> {
  const mock = await loadMock();
  const requested = opts.basePort ?? 19092;
  for (let attempt = 0; ; attempt++) {
    const basePort = requested + attempt * BROKER_PORT_STEP;
    try {
      return await mock.startKafkaMock({ ...opts, basePort, topics: contractTopics() });
    } catch (e) {
      const taken = (e as { code?: unknown }).code === 'KAFKA_MOCK_PORT_IN_USE';
      if (!taken || attempt + 1 >= BROKER_PORT_TRIES) throw e;
      const last = basePort + (opts.brokers ?? 3) - 1;
      process.stderr.write(
        `broker: a port of ${basePort - 1}..${last} is taken; trying from ${basePort + BROKER_PORT_STEP - 1}\n`,
      );
    }
  }
}
