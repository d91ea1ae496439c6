import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  start(total: number, label: string): void;
  increment(by?: number): void;
  setTotal(total: number): void;
  stop(): void;
}

const nothing = (): void => undefined;
const silent: Progress = { start: nothing, increment: nothing, setTotal: nothing, stop: nothing };

/** A progress bar on stderr for long operations; silent with --json or when stderr is not a terminal. */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return silent;
  const bar = new SingleBar(
    { stream: process.stderr, format: '{label} [{bar}] {value}/{total} {eta_formatted}', hideCursor: true },
    Presets.shades_classic,
  );
  return {
    start: (total, label) => bar.start(total, 0, { label }),
    increment: (by = 1) => bar.increment(by),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}
