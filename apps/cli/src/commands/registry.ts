import type { Command } from 'commander';
import { CustomerImportFile, SubscriberImportFile } from '@kyoyu/contracts';
import { CustomerEntity, SubscriberEntity, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { CliError, ExitCode } from '../lib/errors';
import { duplicateIds, readImportFile } from '../lib/import-file';
import { table } from '../lib/output';
import type { Runner } from './runner';

/** `kyoyu customers …` and `kyoyu subscribers …`: the registry, from operators' JSON files. */
export function registerRegistryCommands(program: Command, run: Runner): void {
  const customers = program.command('customers').description('register, update and list customers');
  customers
    .command('import <file>')
    .description('register or update the customers in a JSON file (docs/registry-import.md)')
    .option('--dry-run', 'validate the file only')
    .action((file: string, opts: { dryRun?: boolean }) =>
      run(async (ctx) => {
        const parsed = await readImportFile(file, CustomerImportFile);
        const dups = duplicateIds(parsed.customers);
        if (dups.length) {
          throw new CliError('IMPORT.DUPLICATE_ID', `${file} lists an id twice`, ExitCode.BadInput, dups);
        }
        if (!opts.dryRun) await upsertCustomers(await ctx.database(), parsed.customers);
        const ids = parsed.customers.map((c) => c.id);
        ctx.out.result({ imported: opts.dryRun ? 0 : ids.length, validated: ids.length, ids }, () =>
          opts.dryRun
            ? `${ids.length} customer(s) valid; nothing written (--dry-run)`
            : `${ids.length} customer(s) registered or updated: ${ids.join(', ')}`,
        );
      }),
    );
  customers
    .command('list')
    .description('list registered customers (ids, sector, agreement; never their identifiers)')
    .action(() =>
      run(async (ctx) => {
        const rows = await (
          await ctx.database()
        )
          .getRepository(CustomerEntity)
          .find({ order: { id: 'ASC' } });
        const list = rows.map((r) => ({
          id: r.id,
          sector: r.profile.sector,
          country: r.profile.region?.country ?? '',
          autoRelease: r.agreement.autoRelease,
          agreementVersion: r.agreement.version,
          updatedAt: r.updatedAt,
        }));
        ctx.out.result(list, () => table(list));
      }),
    );

  const subscribers = program.command('subscribers').description('register, update and list subscribers');
  subscribers
    .command('import <file>')
    .description('register or update the subscribers in a JSON file (docs/registry-import.md)')
    .option('--dry-run', 'validate the file only')
    .action((file: string, opts: { dryRun?: boolean }) =>
      run(async (ctx) => {
        const parsed = await readImportFile(file, SubscriberImportFile);
        const dups = duplicateIds(parsed.subscribers);
        if (dups.length) {
          throw new CliError('IMPORT.DUPLICATE_ID', `${file} lists an id twice`, ExitCode.BadInput, dups);
        }
        // The whole registration, TAXII key included: persistence keeps only the key's hash.
        if (!opts.dryRun) await upsertSubscribers(await ctx.database(), parsed.subscribers);
        const ids = parsed.subscribers.map((s) => s.id);
        ctx.out.result({ imported: opts.dryRun ? 0 : ids.length, validated: ids.length, ids }, () =>
          opts.dryRun
            ? `${ids.length} subscriber(s) valid; nothing written (--dry-run)`
            : `${ids.length} subscriber(s) registered or updated: ${ids.join(', ')}`,
        );
      }),
    );
  subscribers
    .command('list')
    .description('list subscribers')
    .action(() =>
      run(async (ctx) => {
        const rows = await (
          await ctx.database()
        )
          .getRepository(SubscriberEntity)
          .find({ order: { id: 'ASC' } });
        const list = rows.map((r) => ({
          id: r.id,
          name: r.name,
          tlpClearance: r.tlpClearance,
          sectors: r.sectors,
          active: r.active,
        }));
        ctx.out.result(list, () => table(list));
      }),
    );
}
