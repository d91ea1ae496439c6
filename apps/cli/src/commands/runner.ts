import type { Command } from 'commander';
import { ConfigError } from '@kyoyu/config';
import { SchemaMissing } from '@kyoyu/persistence';
import { loadCliConfig } from '../config';
import { CommandContext } from '../lib/context';
import { CliError, ExitCode } from '../lib/errors';

/** Runs one command body with a context, turns errors into a message and an exit code, closes the stores. */
export type Runner = (body: (ctx: CommandContext) => Promise<ExitCode | void>) => Promise<void>;

export function createRunner(program: Command): Runner {
  return async (body) => {
    const json = Boolean(program.opts<{ json?: boolean }>().json);
    let ctx: CommandContext | undefined;
    let code: ExitCode = ExitCode.Ok;
    try {
      ctx = new CommandContext(loadCliConfig(), json);
      code = (await body(ctx)) ?? ExitCode.Ok;
    } catch (e) {
      code = report(e, json);
    } finally {
      await ctx?.close();
    }
    process.exitCode = code;
  };
}

function report(e: unknown, json: boolean): ExitCode {
  const err =
    e instanceof CliError
      ? e
      : e instanceof ConfigError
        ? new CliError(e.code, 'invalid settings in the environment', ExitCode.Unavailable, e.problems)
        : e instanceof SchemaMissing
          ? new CliError(e.code, e.message, ExitCode.Unavailable)
          : // Driver errors can quote values (victim data): name the error class only.
            new CliError('INTERNAL', `unexpected ${(e as Error)?.name ?? typeof e}`, ExitCode.Internal);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`kyoyu: ${err.message} [${err.code}]\n`);
    for (const d of err.details) process.stderr.write(`  - ${d}\n`);
  }
  return err.exitCode;
}
