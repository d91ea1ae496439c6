import { serviceSettings } from '../lib/service-settings';

export interface BenchOptions {
  help: boolean;
  quick: boolean;
  loads: number[];
  flatOut: boolean;
  /** At most this many alerts in the flat-out run (quick runs only). */
  flatOutMax: number | undefined;
  seconds: number;
  basePort: number;
  databaseUrl: string | undefined;
  ceiling: boolean;
  ceilingAlerts: number;
  poolSize: number;
  soak: number | undefined;
  soakRate: number;
  hostile: boolean;
  hostileCount: number;
  hostileRate: number;
  hostileSeconds: number;
  /** Settings for all four stages beyond their defaults (`--stage-env NAME=VALUE,…`). */
  stageEnv: Record<string, string>;
}

export const USAGE = `usage: npm run bench -- [options]
  --loads 1000,5000,10000,20000  offered loads in alerts/s (each for --seconds)
  --seconds 20                   duration of each load
  --no-flat-out                  skip the flat-out run
  --no-ceiling                   skip the transport ceiling
  --ceiling-alerts 100000        alerts through the bare kafkajs chain
  --soak N                       N alerts at --soak-rate; CPU-seconds per 1k alerts per 100k window
  --soak-rate 5000
  --hostile                      10,000 bad records mixed into good alerts (--hostile-rate, --hostile-count)
  --hostile-rate 2000 --hostile-count 10000 --hostile-seconds 20
  --base-port 25092              broker ports (base..base+2, control base-1)
  --stage-env NAME=VALUE,…       settings for all four stages beyond their defaults (KAFKA_FETCH_MAX_WAIT_MS=100)
  --quick                        smoke run: small loads, short phases
  DATABASE_URL                   use this PostgreSQL server (a fresh database) instead of an embedded one`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const o: BenchOptions = {
    help: false,
    quick: false,
    loads: [1000, 5000, 10_000, 20_000],
    flatOut: true,
    flatOutMax: undefined,
    seconds: 20,
    basePort: 25092,
    databaseUrl: env['DATABASE_URL'],
    ceiling: true,
    ceilingAlerts: 100_000,
    poolSize: 5000,
    soak: undefined,
    soakRate: 5000,
    hostile: false,
    hostileCount: 10_000,
    hostileRate: 2000,
    hostileSeconds: 20,
    stageEnv: {},
  };
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  let loadsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--loads') {
      o.loads = (argv[++i] ?? '').split(',').map((x) => num(x, '--loads'));
      loadsGiven = true;
    } else if (a === '--seconds') o.seconds = num(argv[++i], a);
    else if (a === '--no-flat-out') o.flatOut = false;
    else if (a === '--no-ceiling') o.ceiling = false;
    else if (a === '--ceiling-alerts') o.ceilingAlerts = num(argv[++i], a);
    else if (a === '--soak') o.soak = num(argv[++i], a);
    else if (a === '--soak-rate') o.soakRate = num(argv[++i], a);
    else if (a === '--hostile') o.hostile = true;
    else if (a === '--hostile-rate') o.hostileRate = num(argv[++i], a);
    else if (a === '--hostile-count') o.hostileCount = num(argv[++i], a);
    else if (a === '--hostile-seconds') o.hostileSeconds = num(argv[++i], a);
    else if (a === '--base-port') o.basePort = num(argv[++i], a);
    else if (a === '--stage-env') o.stageEnv = serviceSettings(a, argv[++i] ?? '');
    else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.quick) {
    if (!loadsGiven) o.loads = [250, 1000];
    o.seconds = Math.min(o.seconds, 6);
    o.flatOutMax = 2000;
    o.ceilingAlerts = Math.min(o.ceilingAlerts, 5000);
    o.poolSize = 1000;
    o.hostileCount = Math.min(o.hostileCount, 1000);
    o.hostileRate = Math.min(o.hostileRate, 500);
    o.hostileSeconds = Math.min(o.hostileSeconds, 6);
  }
  return o;
}
