import { controlBroker } from '@kyoyu/testing';

/**
 * A broker fault that lasts `ms`: `on` commands now, `off` commands after the time, whatever the stream
 * is doing meanwhile (a send may hang on the fault itself). `healed` resolves once `off` was sent.
 */
export function timedFault(
  on: string[],
  off: string[],
  ms: number,
): { start(): Promise<void>; healed(): Promise<void> } {
  let healed: Promise<void> = Promise.resolve();
  return {
    async start() {
      for (const c of on) await controlBroker(c);
      healed = new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          void (async () => {
            for (const c of off) await controlBroker(c);
          })().then(resolve, reject);
        }, ms),
      );
    },
    healed: () => healed,
  };
}
