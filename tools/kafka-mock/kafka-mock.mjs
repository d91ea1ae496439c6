#!/usr/bin/env node
// kafka-mock: a Kafka-protocol broker on loopback (librdkafka's mock cluster),
// for dev, tests and the demo. Plain Node ESM, no dependencies. See README.md.
//
//   import { startKafkaMock } from '../tools/kafka-mock/kafka-mock.mjs';
//   const kafka = await startKafkaMock({ topics: [{ name: 'events', partitions: 4 }] });
//   kafka.bootstrap            // ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094']
//   await kafka.control('broker-down 2');
//   await kafka.stop();
//
// CLI:
//   node tools/kafka-mock/kafka-mock.mjs start [--brokers 3] [--base-port 19092] [--topics a:4,b:8]
//   node tools/kafka-mock/kafka-mock.mjs control broker-down 2
//   node tools/kafka-mock/kafka-mock.mjs status | stop | build

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import controlClient from './control-client.cjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { sendControl } = controlClient;
export { sendControl };

export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const DEFAULT_STATE_FILE = path.join(REPO_ROOT, '.kyoyu', 'kafka.json');
export const BINARY = path.join(HERE, '.build', 'kafka-mock');
const BUILD_SCRIPT = path.join(HERE, 'build.sh');

/** Builds the launcher if needed (no-op when up to date). Progress goes to stderr. */
export function buildKafkaMock() {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve(BINARY)
        : reject(new Error(`kafka-mock: build.sh failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/**
 * Sends one control command to a running kafka-mock; resolves with its one-line
 * reply ("ok", "ok <data>", "pong"); rejects on an "error ..." reply.
 */
/** Reads the state file written by a running kafka-mock, or null. */
export function readState(stateFile = DEFAULT_STATE_FILE) {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function normaliseTopics(topics) {
  if (typeof topics === 'string') topics = topics.split(',').filter(Boolean);
  return (topics ?? []).map((t) => {
    if (typeof t === 'string') {
      const [name, partitions = '1', rf] = t.split(':');
      t = { name, partitions: Number(partitions), replication: rf && Number(rf) };
    }
    if (!t.name || !/^[A-Za-z0-9._-]+$/.test(t.name)) throw new Error(`kafka-mock: bad topic name '${t.name}'`);
    const parts = t.partitions ?? 1;
    if (!Number.isInteger(parts) || parts < 1) throw new Error(`kafka-mock: bad partition count for '${t.name}'`);
    return t.replication ? `${t.name}:${parts}:${t.replication}` : `${t.name}:${parts}`;
  });
}

/**
 * Starts a mock Kafka cluster on 127.0.0.1.
 *
 * @param {object}  [opts]
 * @param {number}  [opts.brokers=3]          broker ids 1..brokers
 * @param {number}  [opts.basePort=19092]     broker <id> listens on basePort + id - 1
 * @param {number}  [opts.controlPort]        control channel port (default basePort - 1)
 * @param {Array<{name:string,partitions:number,replication?:number}|string>|string} [opts.topics=[]]
 *                                            pre-created topics ("a:4,b:8" also accepted)
 * @param {number}  [opts.defaultPartitions]  partitions of auto-created topics (mock default 4)
 * @param {string|null} [opts.stateFile]      default <repo>/.kyoyu/kafka.json; null = don't write
 * @param {number}  [opts.startTimeoutMs=15000]
 * @param {boolean} [opts.build=true]         run build.sh first (no-op when up to date)
 * @param {boolean} [opts.debug=false]        librdkafka mock debug logging
 * @param {(line:string)=>void|false} [opts.log] launcher stderr lines (default: to stderr; false = drop)
 * @returns {Promise<{bootstrap:string[], controlPort:number, pid:number, stateFile:string|null,
 *           control(cmd:string):Promise<string>, stop():Promise<void>, exited:Promise<number|null>}>}
 * @throws {Error} with code 'KAFKA_MOCK_PORT_IN_USE' when a broker or control port is taken
 */
export async function startKafkaMock({
  brokers = 3,
  basePort = 19092,
  controlPort = basePort - 1,
  topics = [],
  defaultPartitions,
  stateFile = DEFAULT_STATE_FILE,
  startTimeoutMs = 15_000,
  build = true,
  debug = false,
  log = (line) => process.stderr.write(`${line}\n`),
} = {}) {
  const topicArgs = normaliseTopics(topics);
  if (stateFile) {
    const prev = readState(stateFile);
    if (prev && prev.pid && isAlive(prev.pid)) {
      throw new Error(
        `kafka-mock: already running (pid ${prev.pid}, ${prev.bootstrap?.join(',')}) per ${stateFile}; ` +
          `stop it first, or pass another stateFile (or null) and basePort`,
      );
    }
  }
  if (build) await buildKafkaMock();
  if (!fs.existsSync(BINARY)) throw new Error(`kafka-mock: ${BINARY} missing; run ${BUILD_SCRIPT}`);

  const args = ['--brokers', String(brokers), '--base-port', String(basePort), '--control-port', String(controlPort)];
  if (defaultPartitions) args.push('--default-partitions', String(defaultPartitions));
  if (debug) args.push('--debug');
  args.push('--die-with-parent', ...topicArgs);

  const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    if (log) log(line);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  // Don't leave a broker holding the ports if this process dies without stop().
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {}
  };
  process.on('exit', killOnExit);

  let bootstrap;
  try {
    bootstrap = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kafka-mock: no BOOTSTRAP line within ${startTimeoutMs} ms\n${stderrTail.join('\n')}`));
      }, startTimeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`kafka-mock: cannot spawn ${BINARY}: ${e.message}`));
      });
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('BOOTSTRAP=')) {
          clearTimeout(timer);
          resolve(line.slice('BOOTSTRAP='.length).split(',').filter(Boolean));
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        const err = new Error(
          `kafka-mock exited (${code}) before it was ready` +
            (code === 3 ? ' - a port is in use' : '') +
            `:\n${stderrTail.join('\n')}`,
        );
        // Callers that may move to other ports tell this failure apart by its code, not its wording.
        if (code === 3) err.code = 'KAFKA_MOCK_PORT_IN_USE';
        reject(err);
      });
    });
  } catch (e) {
    process.off('exit', killOnExit);
    throw e;
  }

  const state = {
    bootstrap,
    pid: child.pid,
    controlPort,
    brokers,
    basePort,
    ownerPid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const removeState = () => {
    if (!stateFile) return;
    const cur = readState(stateFile);
    if (cur && cur.pid === child.pid) fs.rmSync(stateFile, { force: true });
  };
  if (stateFile) {
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    const tmp = `${stateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    fs.renameSync(tmp, stateFile);
  }
  exited.then(() => {
    removeState();
    process.off('exit', killOnExit);
  });

  let stopping;
  return {
    bootstrap,
    controlPort,
    pid: child.pid,
    stateFile: stateFile || null,
    exited,
    control: (cmd) => sendControl(cmd, { port: controlPort }),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        }
        removeState();
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------- CLI

function parseFlags(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const [k, inline] = a.slice(2).split('=', 2);
    const v = inline ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
    flags[k] = v;
  }
  return flags;
}

const USAGE = `usage: node tools/kafka-mock/kafka-mock.mjs <command>
  start [--brokers 3] [--base-port 19092] [--control-port P] [--topics a:4,b:8]
        [--default-partitions N] [--state-file F] [--debug]   run in foreground until Ctrl-C
  control <cmd...> [--state-file F]     send one control command (e.g. "broker-down 2", "help")
  status [--state-file F]               print the state file and ping the broker
  stop [--state-file F]                 stop the running one
  build                                 build the launcher if needed`;

async function cli(argv) {
  const [command, ...rest] = argv;
  if (command === 'start') {
    const f = parseFlags(rest);
    const num = (k, d) => (f[k] === undefined ? d : Number(f[k]));
    const basePort = num('base-port', 19092);
    const kafka = await startKafkaMock({
      brokers: num('brokers', 3),
      basePort,
      controlPort: num('control-port', basePort - 1),
      topics: f.topics ?? [],
      defaultPartitions: num('default-partitions', undefined),
      stateFile: f['state-file'] ? path.resolve(f['state-file']) : DEFAULT_STATE_FILE,
      debug: f.debug === 'true',
    });
    console.log(`kafka-mock running: bootstrap ${kafka.bootstrap.join(',')}, control port ${kafka.controlPort}, state ${kafka.stateFile}`);
    let signalled = false;
    const onSignal = async () => {
      if (signalled) return;
      signalled = true;
      await kafka.stop();
      console.log('kafka-mock stopped');
      process.exit(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const code = await kafka.exited;
    if (!signalled) {
      console.log(`kafka-mock exited (${code})`);
      process.exit(code === 0 ? 0 : 1);
    }
    return;
  }
  const stateIdx = rest.indexOf('--state-file');
  let stateFile = DEFAULT_STATE_FILE;
  if (stateIdx >= 0) {
    stateFile = path.resolve(rest[stateIdx + 1]);
    rest.splice(stateIdx, 2);
  }
  const state = () => {
    const s = readState(stateFile);
    if (!s || !isAlive(s.pid)) throw new Error(`kafka-mock is not running (no live state in ${stateFile})`);
    return s;
  };
  if (command === 'control') {
    if (!rest.length) throw new Error('control: missing command (try: control help)');
    console.log(await sendControl(rest.join(' '), { port: state().controlPort }));
  } else if (command === 'status') {
    const s = state();
    console.log(JSON.stringify(s, null, 2));
    console.log(await sendControl('ping', { port: s.controlPort }));
  } else if (command === 'stop') {
    const s = state();
    await sendControl('shutdown', { port: s.controlPort });
    for (let i = 0; i < 200 && isAlive(s.pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(s.pid)) throw new Error(`kafka-mock pid ${s.pid} did not exit`);
    const cur = readState(stateFile);
    if (cur && cur.pid === s.pid) fs.rmSync(stateFile, { force: true });
    console.log('stopped');
  } else if (command === 'build') {
    console.log(await buildKafkaMock());
  } else {
    console.error(USAGE);
    process.exit(command ? 2 : 0);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
