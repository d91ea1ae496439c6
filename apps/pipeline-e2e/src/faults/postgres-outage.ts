import { Client } from 'pg';
import type { RestartableDatabase } from '@kyoyu/testing';

/** The outage as a client saw it: from the first refused query to the first answered one after it. */
export interface ObservedOutage {
  startedAt: number;
  endedAt: number;
  downMs: number;
}

/** How often the probe asks PostgreSQL; the outage it reports is exact to about this much. */
const PROBE_EVERY_MS = 50;

/** One `SELECT 1` on a fresh connection: a pooled one would hide a refused connect behind its retries. */
async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000, query_timeout: 1000 });
  // A connection cut by the shutdown reports its error here; the probe has already counted it as down.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Restarts PostgreSQL, down for `downMs`, without blocking the caller (the stream goes on meanwhile, so
 * the stages meet the outage with work in hand), and measures the outage from a client's side: the
 * controller's own timing would also count its shutdown and start-up while connections still worked.
 */
export function postgresOutage(
  pg: RestartableDatabase,
  url: string,
  downMs: number,
): { ended(): Promise<ObservedOutage> } {
  let startedAt: number | undefined;
  let endedAt: number | undefined;
  let restarted = false;
  const probing = (async () => {
    while (endedAt === undefined) {
      const at = Date.now();
      const up = await answers(url);
      if (!up && startedAt === undefined) startedAt = at;
      if (up && startedAt !== undefined) endedAt = at;
      // The restart is over and the probe never saw it down: nothing more to wait for.
      if (restarted && startedAt === undefined) return;
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();
  const restart = pg.restart(downMs).finally(() => (restarted = true));
  return {
    async ended() {
      await restart;
      await probing;
      if (startedAt === undefined || endedAt === undefined)
        throw new Error('the probe never saw PostgreSQL down');
      return { startedAt, endedAt, downMs: endedAt - startedAt };
    },
  };
}
