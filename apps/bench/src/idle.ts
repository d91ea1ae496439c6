/**
 * `npm run bench:idle [-- --seconds S --rounds R --compare NAME=VALUE,…]`: what the four stages cost when there
 * is nothing to do (CPU cores each, measured from /proc over S seconds after they have settled), with their
 * defaults and, alternating round by round, with the settings given to --compare (by default the stage
 * consumers' fetch wait at kafkajs' 100 ms instead of 20). A deployment pays this on every replica around the
 * clock, so it is the other side of a setting that buys latency with polling.
 */
import { parseArgs } from 'node:util';
import { localSecrets, startBroker, startDatabase, startStages } from '@kyoyu/testing';
import { round, table, writeResults } from './lib/measure';
import { serviceSettings } from './lib/service-settings';
import { ProcMonitor, findProcesses, isLocalServer } from './pipeline/proc-stats';

const STAGES = ['ingestion', 'deidentify', 'review', 'fanout'] as const;

interface IdleRound {
  settings: Record<string, string>;
  coresByStage: Record<string, number>;
  stagesCores: number;
  brokerCores: number;
  machineBusyCores: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '20' },
      /** Quiet time after the stages report ready, before the clock starts (group joins, first metadata). */
      settle: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      compare: { type: 'string', default: 'KAFKA_FETCH_MAX_WAIT_MS=100' },
      'base-port': { type: 'string', default: '25692' },
      'database-server': { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const settle = Number(values.settle);
  const variants = [{}, serviceSettings('--compare', values.compare)];
  // A broker of its own, not the demo's state file: the bench runs beside `npm run demo`.
  const broker = await startBroker({ basePort: Number(values['base-port']), stateFile: null });
  const database = await startDatabase({ serverUrl: values['database-server'] });
  const rounds: IdleRound[] = [];
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const settings of variants) {
        const stages = await startStages({
          bootstrap: broker.bootstrap,
          databaseUrl: database.url,
          ...localSecrets(),
          extraEnv: () => settings,
        });
        try {
          // Waits out the start-up work (group joins, first metadata) so that only the idle loop is measured.
          await new Promise((resolve) => setTimeout(resolve, settle * 1000));
          const monitor = new ProcMonitor(
            findProcesses(process.pid, { localServer: isLocalServer(values['database-server']) }),
          );
          monitor.begin();
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
          const { processes, machine } = monitor.end();
          const coresByStage = Object.fromEntries(STAGES.map((s) => [s, processes[s]?.cpuCores ?? 0]));
          const stagesCores = round(
            STAGES.reduce((sum, s) => sum + (coresByStage[s] ?? 0), 0),
            3,
          );
          rounds.push({
            settings,
            coresByStage,
            stagesCores,
            brokerCores: processes['broker']?.cpuCores ?? 0,
            machineBusyCores: machine.busyCores,
          });
          console.log(`round ${r + 1} ${label(settings)}: stages ${stagesCores} cores`);
        } finally {
          await Promise.all([...stages.values()].map((s) => s.stop()));
        }
      }
    }
  } finally {
    await database.stop();
    await broker.stop();
  }
  console.log(
    table(
      rounds.map((r) => ({
        settings: label(r.settings),
        ...r.coresByStage,
        'four stages': r.stagesCores,
        broker: r.brokerCores,
        machine: r.machineBusyCores,
      })),
    ),
  );
  console.log(writeResults('idle', { seconds, settle, rounds }));
}

function label(settings: Record<string, string>): string {
  const entries = Object.entries(settings);
  return entries.length === 0 ? 'defaults' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
