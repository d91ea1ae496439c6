import { Command, CommanderError } from 'commander';
import { registerEventAndAuditCommands } from './commands/events';
import { registerFanoutCommands } from './commands/fanout';
import { registerHeldCommands } from './commands/held';
import { registerReconcileCommand } from './commands/reconcile';
import { registerRegistryCommands } from './commands/registry';
import { registerRejectionCommands } from './commands/rejections';
import { createRunner } from './commands/runner';
import { ExitCode } from './lib/errors';

/** The `kyoyu` operator command. Settings come from the environment (DATABASE_URL, KAFKA_BROKERS, …). */
export function buildProgram(): Command {
  const program = new Command('kyoyu')
    .description(
      'kyoyu operator tool: registry, held items, rejections and replays, revocations, audit, reconciliation,\n' +
        "fan-out's egress-guard holds and backlog.\n" +
        'Reads DATABASE_URL and KAFKA_BROKERS (and KAFKA_SASL_* / KAFKA_SSL), FANOUT_URL and FANOUT_ADMIN_TOKEN\n' +
        'from the environment.',
    )
    .version('0.1.0')
    .option('--json', 'print results as JSON on stdout (errors too)')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ sortSubcommands: true });
  const run = createRunner(program);
  registerRegistryCommands(program, run);
  registerHeldCommands(program, run);
  registerRejectionCommands(program, run);
  registerReconcileCommand(program, run);
  registerEventAndAuditCommands(program, run);
  registerFanoutCommands(program, run);
  // Every group and subcommand shares the same error handling and --help.
  for (const c of allCommands(program)) c.exitOverride().showHelpAfterError('(add --help for usage)');
  return program;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

/** Runs the program; usage errors exit 2, help and version 0. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const benign =
      e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
    process.exitCode = benign ? ExitCode.Ok : ExitCode.BadInput;
  }
}
