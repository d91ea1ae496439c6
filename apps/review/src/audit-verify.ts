/**
 * `npx nx run review:audit-verify` (after a build): verifies the audit log's hash chain in the database
 * named by DATABASE_URL. Prints the verdict as JSON; exits 0 when intact, 2 when broken.
 */
import { z } from 'zod';
import { loadConfig } from '@kyoyu/config';
import { openDataSource } from '@kyoyu/persistence';
import { AuditWriter } from './audit.writer';

async function main(): Promise<number> {
  const { DATABASE_URL } = loadConfig(
    'audit-verify',
    z.object({ DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }) }),
  );
  const ds = await openDataSource(DATABASE_URL, 'kyoyu-audit-verify');
  try {
    const verdict = await new AuditWriter(ds).verify();
    process.stdout.write(`${JSON.stringify(verdict)}\n`);
    return verdict.ok ? 0 : 2;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
