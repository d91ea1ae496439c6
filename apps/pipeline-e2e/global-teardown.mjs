export default async function globalTeardown() {
  const it = globalThis.__KYOYU_IT__;
  if (!it) return;
  await it.database.stop().catch((e) => process.stderr.write(`[it] database stop: ${e.message}\n`));
  await it.broker.stop().catch((e) => process.stderr.write(`[it] broker stop: ${e.message}\n`));
}
