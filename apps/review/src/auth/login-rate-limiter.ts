/**
 * Counts failed logins per key (client address, user name) in a sliding window. In memory: each replica
 * limits on its own, which still bounds guessing to replicas × limit per window.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  /** Whether any of the keys has used up its failures; returns the seconds until it may retry. */
  blocked(keys: readonly string[], now = Date.now()): number {
    let wait = 0;
    for (const k of keys) {
      const recent = this.recent(k, now);
      if (recent.length >= this.maxFailures) {
        wait = Math.max(wait, Math.ceil(((recent[0] ?? now) + this.windowMs - now) / 1000));
      }
    }
    return wait;
  }

  fail(keys: readonly string[], now = Date.now()): void {
    for (const k of keys) this.failures.set(k, [...this.recent(k, now), now]);
    if (this.failures.size > 100_000) this.prune(now);
  }

  succeed(keys: readonly string[]): void {
    for (const k of keys) this.failures.delete(k);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const k of [...this.failures.keys()]) if (this.recent(k, now).length === 0) this.failures.delete(k);
  }
}
