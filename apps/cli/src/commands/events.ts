import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { RevocationReason, Topics, deterministicId, encodeEvent } from '@kyoyu/contracts';
import { auditLogPage } from '@kyoyu/persistence';
import { verifyAuditLog, type AuditAction } from '@kyoyu/review-core';
import { CliError, ExitCode } from '../lib/errors';
import type { Runner } from './runner';

/** `kyoyu events revoke` and `kyoyu audit verify`. */
export function registerEventAndAuditCommands(program: Command, run: Runner): void {
  const events = program.command('events').description('act on released events');
  events
    .command('revoke <eventId>')
    .description('withdraw a released event: fan-out sends revoked versions to every subscriber that got it')
    .requiredOption('--reason <reason>', `one of ${RevocationReason.options.join(', ')}`)
    .action((eventId: string, opts: { reason: string }) =>
      run(async (ctx) => {
        const reason = RevocationReason.safeParse(opts.reason);
        if (!reason.success) {
          throw new CliError(
            'USAGE',
            `--reason must be one of ${RevocationReason.options.join(', ')}`,
            ExitCode.BadInput,
          );
        }
        const revokedAt = new Date().toISOString();
        const id = deterministicId('revocation', eventId);
        const value = encodeEvent(Topics.EventsRevoked, {
          id,
          type: 'EventRevoked',
          schemaVersion: 1,
          correlationId: eventId,
          occurredAt: revokedAt,
          data: { eventId, reason: reason.data, revokedAt, revokedBy: userInfo().username },
        });
        const producer = ctx.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        try {
          await producer.send({
            topic: Topics.EventsRevoked,
            acks: -1,
            messages: [{ key: eventId, value, headers: { 'kyoyu-event-type': 'EventRevoked' } }],
          });
        } finally {
          await producer.disconnect();
        }
        ctx.out.result(
          { eventId, revocationId: id, reason: reason.data, revokedAt },
          () =>
            `revocation of ${eventId} sent (${reason.data}); fan-out notifies every subscriber that received it`,
        );
      }),
    );

  const audit = program.command('audit').description('the review audit log');
  audit
    .command('verify')
    .description('verify the hash chain of the review audit log, entry by entry')
    .option('--page-size <n>', 'entries read per query', (v) => Number(v), 5000)
    .action((opts: { pageSize: number }) =>
      run(async (ctx) => {
        const db = await ctx.database();
        const [{ total } = { total: 0 }] = (await db.query(
          `SELECT count(*)::int AS total FROM audit_log`,
        )) as Array<{
          total: number;
        }>;
        ctx.progress.start(total, 'verifying');
        const verdict = await verifyAuditLog(async (after) => {
          const page = await auditLogPage<AuditAction>(db, after, opts.pageSize);
          ctx.progress.increment(page.length);
          return page;
        });
        ctx.progress.stop();
        ctx.out.result(verdict, () =>
          verdict.ok
            ? `audit log intact: ${verdict.entries} entries, head ${verdict.head}`
            : `audit log BROKEN at entry ${verdict.brokenAt} (${verdict.problem})`,
        );
        return verdict.ok ? ExitCode.Ok : ExitCode.ProblemsFound;
      }),
    );
}
