/** Exit codes scripts can rely on. */
export const ExitCode = {
  Ok: 0,
  /** The command ran and found problems (e.g. reconcile found records without an outcome). */
  ProblemsFound: 1,
  /** Bad usage or bad input file. */
  BadInput: 2,
  /** Missing settings or a store that cannot be reached. */
  Unavailable: 3,
  NotFound: 4,
  /** Refused on purpose (e.g. a rejection already replayed). */
  Refused: 5,
  /** A bug: an error the command did not expect. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error for the operator: a stable code, a message that says what to do, never record content. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    /** Further lines, e.g. one per invalid field of an import file. */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}
