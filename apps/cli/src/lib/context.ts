import type { Admin, Kafka } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createKafka } from '@kyoyu/messaging';
import { openDataSource } from '@kyoyu/persistence';
import type { CliConfig } from '../config';
import { CliError, ExitCode } from './errors';
import { FanoutApi } from './fanout-api';
import { createOutput, type Output } from './output';
import { createProgress, type Progress } from './progress';

/** What a command runs with: settings, output, and the stores, connected on first use and closed at exit. */
export class CommandContext {
  readonly out: Output;
  readonly progress: Progress;
  private db: DataSource | undefined;
  private kafkaClient: Kafka | undefined;
  private adminClient: Admin | undefined;

  constructor(
    readonly config: CliConfig,
    json: boolean,
  ) {
    this.out = createOutput(json);
    this.progress = createProgress(!json);
  }

  async database(): Promise<DataSource> {
    if (this.db) return this.db;
    const url = this.config.DATABASE_URL;
    if (!url)
      throw new CliError('CONFIG.DATABASE_URL', 'set DATABASE_URL=postgres://…', ExitCode.Unavailable);
    try {
      this.db = await openDataSource(url, 'kyoyu-cli');
    } catch (e) {
      throw new CliError(
        'DATABASE.UNREACHABLE',
        `cannot open the database named by DATABASE_URL (${(e as Error).name})`,
        ExitCode.Unavailable,
      );
    }
    return this.db;
  }

  fanout(): FanoutApi {
    const { FANOUT_URL: url, FANOUT_ADMIN_TOKEN: token } = this.config;
    if (!url || !token)
      throw new CliError(
        'CONFIG.FANOUT_URL',
        "set FANOUT_URL=http://… and FANOUT_ADMIN_TOKEN (fan-out's operator token)",
        ExitCode.Unavailable,
      );
    return new FanoutApi(url, token);
  }

  kafka(): Kafka {
    if (this.kafkaClient) return this.kafkaClient;
    const c = this.config;
    if (!c.KAFKA_BROKERS?.length) {
      throw new CliError(
        'CONFIG.KAFKA_BROKERS',
        'set KAFKA_BROKERS=host:port[,host:port]',
        ExitCode.Unavailable,
      );
    }
    // kafkajs warnings go to stderr as JSON lines, apart from the command's own output.
    const logger = pino({ level: 'error', base: { service: 'kyoyu-cli' } }, pino.destination(2));
    this.kafkaClient = createKafka(
      {
        brokers: c.KAFKA_BROKERS,
        clientId: c.KAFKA_CLIENT_ID ?? 'kyoyu-cli',
        ssl: c.KAFKA_SSL,
        ...(c.KAFKA_SASL_MECHANISM && c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD
          ? {
              sasl: {
                mechanism: c.KAFKA_SASL_MECHANISM,
                username: c.KAFKA_SASL_USERNAME,
                password: c.KAFKA_SASL_PASSWORD,
              },
            }
          : {}),
      },
      logger,
    );
    return this.kafkaClient;
  }

  async admin(): Promise<Admin> {
    if (this.adminClient) return this.adminClient;
    const admin = this.kafka().admin();
    try {
      await admin.connect();
    } catch (e) {
      throw new CliError(
        'KAFKA.UNREACHABLE',
        `cannot reach the brokers in KAFKA_BROKERS (${(e as Error).name})`,
        ExitCode.Unavailable,
      );
    }
    this.adminClient = admin;
    return admin;
  }

  async close(): Promise<void> {
    this.progress.stop();
    await this.adminClient?.disconnect().catch(() => undefined);
    await this.db?.destroy().catch(() => undefined);
  }
}
