#!/usr/bin/env node
// Manual proof that kafka-mock works with kafkajs (not a jest test).
//
//   node tools/kafka-mock/verify.mjs [--base-port 19292]
//
// Needs kafkajs resolvable from here (the repo's node_modules) or via NODE_PATH.
// Starts its own mock (state file in the OS temp dir, so a running dev
// instance on the default ports and its state file are left alone), produces
// 1000 keyed messages with headers through an idempotent producer, consumes
// them with a consumer group, injects broker-down/up and a leader move while
// producing more, and checks every message arrives exactly once (by key).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafkaMock } from './kafka-mock.mjs';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');

const argIdx = process.argv.indexOf('--base-port');
const basePort = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 19292;
const TOPIC = 'verify-events';
const PARTITIONS = 4;
const results = [];
const check = (ok, what) => {
  results.push({ ok, what });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
};
const ms = (t0) => Math.round(performance.now() - t0);
const sleep = (n) => new Promise((r) => setTimeout(r, n));

const stateFile = path.join(os.tmpdir(), `kafka-mock-verify-${process.pid}.json`);
let t0 = performance.now();
const mock = await startKafkaMock({ basePort, topics: [{ name: TOPIC, partitions: PARTITIONS }], stateFile, log: false });
console.log(`mock up in ${ms(t0)} ms: ${mock.bootstrap.join(',')} (control ${mock.controlPort})`);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
check(state.pid === mock.pid && state.bootstrap.length === 3, `state file written (${stateFile})`);
check((await mock.control('ping')) === 'pong', 'control ping -> pong');

const kafka = new Kafka({ clientId: 'kafka-mock-verify', brokers: mock.bootstrap, logLevel: process.env.VERIFY_DEBUG ? logLevel.WARN : logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({
  groupId: `verify-${process.pid}`,
  sessionTimeout: 6000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
});

const sendRange = async (from, to) => {
  for (let i = from; i < to; i += 100) {
    const messages = [];
    for (let j = i; j < Math.min(i + 100, to); j++) {
      messages.push({ key: `key-${j}`, value: JSON.stringify({ n: j }), headers: { 'x-seq': String(j), 'x-src': 'verify' } });
    }
    await producer.send({ topic: TOPIC, messages });
  }
};

let failed = false;
try {
  t0 = performance.now();
  await producer.connect();
  await sendRange(0, 1000);
  const produceMs = ms(t0);
  check(true, `idempotent producer sent 1000 keyed messages with headers in ${produceMs} ms`);

  const seen = new Map();
  let deliveries = 0;
  let headerErrors = 0;
  let joinMs = null;
  let joins = 0;
  const tJoin = performance.now();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joins++;
    if (joinMs === null) joinMs = ms(tJoin);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const tConsume = performance.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      deliveries++;
      const key = message.key.toString();
      const { n } = JSON.parse(message.value.toString());
      if (message.headers['x-seq']?.toString() !== String(n) || message.headers['x-src']?.toString() !== 'verify' || key !== `key-${n}`) headerErrors++;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    },
  });
  const waitFor = async (count, timeoutMs) => {
    const t = performance.now();
    while (seen.size < count && performance.now() - t < timeoutMs) await sleep(20);
    return seen.size >= count;
  };
  check(await waitFor(1000, 30_000), `consumed 1000 distinct keys in ${ms(tConsume)} ms`);
  check(joinMs !== null && joinMs < 3000, `first group join took ${joinMs} ms (connect+subscribe+run, < 3000)`);
  check(headerErrors === 0, `keys/values/headers intact (${headerErrors} bad)`);

  t0 = performance.now();
  await consumer.disconnect();
  check(true, `consumer left the group in ${ms(t0)} ms`);

  // Fault injection on the producer: broker 2 down while producing, back up
  // after 1.5 s; then a partition leader move (NOT_LEADER_OR_FOLLOWER + retry).
  // (A consumer is not kept running through these: see README "kafkajs notes".)
  t0 = performance.now();
  check((await mock.control('broker-down 2')) === 'ok', 'control broker-down 2');
  const during = sendRange(1000, 1100);
  await sleep(1500);
  check((await mock.control('broker-up 2')) === 'ok', 'control broker-up 2');
  await during;
  check(true, `100 more messages sent across broker-down/up in ${ms(t0)} ms`);
  check((await mock.control(`leader ${TOPIC} 0 3`)) === 'ok', `control leader ${TOPIC} 0 3`);
  t0 = performance.now();
  await sendRange(1100, 1200);
  check(true, `100 more messages sent across a leader move in ${ms(t0)} ms`);

  // A fresh consumer group reads everything back: nothing lost, nothing doubled.
  const consumer2 = kafka.consumer({ groupId: `verify2-${process.pid}`, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  const seen2 = new Map();
  let join2Ms = null;
  const tJoin2 = performance.now();
  consumer2.on(consumer2.events.GROUP_JOIN, () => { if (join2Ms === null) join2Ms = ms(tJoin2); });
  await consumer2.connect();
  await consumer2.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer2.run({
    eachMessage: async ({ message }) => {
      const key = message.key.toString();
      seen2.set(key, (seen2.get(key) ?? 0) + 1);
    },
  });
  const t2 = performance.now();
  while (seen2.size < 1200 && performance.now() - t2 < 30_000) await sleep(20);
  await sleep(300); // let any duplicate arrive before counting
  const total = [...seen2.values()].reduce((a, b) => a + b, 0);
  const dupKeys = [...seen2.values()].filter((c) => c > 1).length;
  if (dupKeys) console.log('keys twice (sample):', [...seen2].filter(([, c]) => c > 1).map(([k]) => k).slice(0, 12).join(' '));
  console.log(`second group: joined in ${join2Ms} ms, ${total} deliveries, ${seen2.size} distinct keys, ${dupKeys} keys twice`);
  let lostBefore = 0;
  let lostAfterMove = 0;
  for (let j = 0; j < 1200; j++) if (!seen2.has(`key-${j}`)) j < 1100 ? lostBefore++ : lostAfterMove++;
  check(lostBefore === 0, `messages 0..1099 all stored, incl. the 100 sent across broker-down/up (${lostBefore} missing)`);
  check(total === seen2.size && dupKeys === 0, 'no duplicates (idempotent producer retries deduplicated by the mock)');
  // kafkajs 2.2.4 bug, not the broker's: when a send() spans several brokers and
  // a partition's leader moves to a broker that already acked its part of the
  // same send(), the retry skips that broker and the moved partition's
  // messages are silently dropped (producer/sendMessages.js responsePerBroker).
  console.log(`NOTE leader move: ${lostAfterMove} of 100 messages silently dropped by kafkajs (known kafkajs 2.2.4 retry bug, see README)`);
  await consumer2.disconnect();

  // Long polling (patch 7): a waiting fetch completes when its own partitions get records, and only then.
  // A consumer of an idle topic fetches about once per MaxWait per broker while another topic is written
  // (it used to be woken, and fetch again, by every Produce in the cluster).
  const IDLE = 'verify-idle';
  const idle = kafka.consumer({ groupId: `verify3-${process.pid}`, maxWaitTimeInMs: 100 });
  const arrivals = [];
  let wanted = { n: 0, resolve: () => {} };
  let fetches = 0;
  idle.on(idle.events.FETCH, () => fetches++);
  await idle.connect();
  await idle.subscribe({ topic: IDLE, fromBeginning: true });
  await idle.run({
    eachMessage: async ({ message }) => {
      arrivals.push(performance.now() - Number(message.value.toString()));
      if (arrivals.length >= wanted.n) wanted.resolve();
    },
  });
  // Resolves when the n-th record has reached the idle consumer; fails after 30 s.
  const arrived = (n) =>
    new Promise((resolve, reject) => {
      if (arrivals.length >= n) return resolve();
      const timer = setTimeout(() => reject(new Error(`only ${arrivals.length} of ${n} records reached the idle consumer`)), 30_000);
      wanted = { n, resolve: () => { clearTimeout(timer); resolve(); } };
    });
  await producer.send({ topic: IDLE, messages: [{ value: String(performance.now()) }] });
  await arrived(1);
  fetches = 0;
  const produces = 200;
  for (let i = 0; i < produces; i++) await producer.send({ topic: `${TOPIC}-other`, messages: [{ value: 'x' }] });
  check(fetches < produces / 4, `idle consumer fetched ${fetches} times while ${produces} produces went to another topic`);
  for (let i = 0; i < 20; i++) {
    // Not a wait for an outcome: 30 ms lets the consumer's next fetch reach the broker and wait there, so the
    // record below arrives during a waiting fetch, which is what this checks.
    await sleep(30);
    await producer.send({ topic: IDLE, messages: [{ value: String(performance.now()) }] });
  }
  await arrived(21);
  const waits = arrivals.slice(1).sort((a, b) => a - b);
  // A record that waited out MaxWait would take 100 ms or more.
  check(waits[waits.length - 1] < 100, `waiting fetch completed by its own records: slowest of 20 in ${Math.round(waits[waits.length - 1])} ms (MaxWait 100)`);
  await idle.disconnect();
} catch (e) {
  failed = true;
  console.error('FAIL', e);
} finally {
  await consumer.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  t0 = performance.now();
  await mock.stop();
  check(!fs.existsSync(stateFile), `stopped in ${ms(t0)} ms, state file removed`);
}
const bad = results.filter((r) => !r.ok).length + (failed ? 1 : 0);
console.log(`${results.length - bad} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);
