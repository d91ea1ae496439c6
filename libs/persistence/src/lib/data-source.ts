import { DataSource, type DataSourceOptions } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

export function dataSourceOptions(url: string, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    applicationName,
    extra: { max: 10, connectionTimeoutMillis: 5000, onConnect: keepErrorsFromCrashing },
  };
}

/**
 * pg-pool takes its own error listener off a client when it hands the client out, and TypeORM adds one only a
 * microtask later. A server shutting down sends FATAL 57P01 right behind "ready for query"; parsed in that gap
 * it was an unhandled 'error' event that killed the service (the fault suite's PostgreSQL restart, once).
 * With this listener the error is not lost: the client is marked unusable, its next statement fails (a
 * transient error the stage retries), and the pool discards it when it comes back.
 */
function keepErrorsFromCrashing(client: { on(event: 'error', listener: () => void): unknown }): void {
  client.on('error', () => undefined);
}

// Any fixed 64-bit number, the same in every service: serialises concurrent start-ups.
const MIGRATION_LOCK = 727_017_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so four services starting together
 * migrate once and the others wait, then find nothing to do.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

/** For the CLI and tests: connect, migrate, return the data source. */
export async function openDataSource(url: string, applicationName: string): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(url, applicationName));
  await ds.initialize();
  await migrate(ds);
  return ds;
}
