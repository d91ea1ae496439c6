/**
 * Runs a job one at a time for loops that drain a queue when woken (after a commit, on a timer): a kick while
 * the job runs asks for exactly one more run afterwards, however many kicks arrive meanwhile, so no wake-up
 * is lost and no two runs overlap. Kicks in one synchronous pass start one run, after that pass.
 */
export class CoalescingRunner {
  private running: Promise<void> | undefined;
  private again = false;
  private halted = false;

  constructor(
    private readonly job: () => Promise<void>,
    /** Called with whatever the job threw; the next kick runs it again. Must not throw. */
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Set by stop(): a job that loops checks it to end early. */
  get stopped(): boolean {
    return this.halted;
  }

  kick(): void {
    if (this.halted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    // The run starts once the current synchronous pass is over: kicks made together (one per subscriber of a
    // stored batch, say) then share a run that sees all their work. Started at the first kick, it saw only the
    // first one's, and the others waited for it to finish.
    this.running = Promise.resolve()
      .then(() => this.job())
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) this.kick();
      });
  }

  /** No runs after this; resolves once the current one has finished. */
  async stop(): Promise<void> {
    this.halted = true;
    await this.running;
  }
}
