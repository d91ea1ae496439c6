/**
 * `npm run bench:ingestion [-- --seconds N --count N --formats ecs,cef --no-real --sequential]`:
 * parse + normalize throughput per format on one core, against the floor measured in the same run on
 * the same bytes:
 *  - JSON formats: `JSON.stringify(JSON.parse(utf8))`, the least any JSON ingestion must do;
 *  - CEF: the same "plain parse + stringify" for a CEF line: header split on `|`, extension cut into a
 *    key → value object at ` key=` boundaries (no unescaping, no validation), then `JSON.stringify` of it
 *    (JSON.parse cannot read a CEF line, and a JSON rendering of one would measure different bytes).
 * By default ours and the floor run interleaved (lib/paired.ts) and rates are per CPU second, so other
 * processes on the machine shift both sides alike; `--sequential` runs measureSync twice, wall clock.
 * Targets (kyoyu issue 3): every format ≥ 25% of its floor's throughput; ECS ≥ 20,000 records/s.
 * Exits 0 even when a target is missed; PASS/MISS is printed per target.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AlertFormat } from '@kyoyu/contracts';
import {
  type AttackCatalogue,
  buildAttackCatalogue,
  normalizeRecord,
  type RawRecord,
} from '@kyoyu/ingestion-core';
import { simulateAlerts } from '@kyoyu/simulator';
import { measureSync, round, type RunFigures, table, writeResults } from './lib/measure';
import { measurePaired, type PairedRunFigures } from './lib/paired';

const FORMATS: AlertFormat[] = ['ecs', 'suricata', 'wazuh', 'ocsf', 'cef'];
const TARGET_RATIO = 0.25;
const TARGET_ECS_PER_SECOND = 20_000;
const FLOOR_NAME: Record<'json' | 'cef', string> = {
  json: 'JSON.parse+JSON.stringify of the same bytes',
  cef: "header split on '|' + extension into a key/value object + JSON.stringify",
};

interface Row {
  set: 'simulated' | 'real';
  format: AlertFormat;
  records: number;
  avgBytes: number;
  ours: RunFigures & Partial<PairedRunFigures>;
  floor: RunFigures & Partial<PairedRunFigures>;
  floorKind: string;
  /** ours / floor: per CPU second when paired, per wall second when sequential. */
  ratio: number;
}
type Options = { warmupSeconds: number; minSeconds: number; sequential: boolean };
/** The figure targets are judged on: records per CPU second of one core when paired. */
const rate = (f: Row['ours']): number => f.cpuPerSecond ?? f.perSecond;

function main(): void {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '2' },
      count: { type: 'string', default: '2000' },
      formats: { type: 'string', default: FORMATS.join(',') },
      'no-real': { type: 'boolean', default: false },
      sequential: { type: 'boolean', default: false },
    },
  });
  const formats = values.formats
    .split(',')
    .filter((f): f is AlertFormat => FORMATS.includes(f as AlertFormat));
  if (formats.length === 0) throw new Error(`--formats: any of ${FORMATS.join(',')}`);
  const seconds = Number(values.seconds);
  const count = Number(values.count);
  if (!(seconds > 0) || !Number.isInteger(count) || count < 1)
    throw new Error('usage: ingestion.js [--seconds N>0] [--count N≥1]');
  const opts: Options = {
    warmupSeconds: Math.min(1, seconds / 2),
    minSeconds: seconds,
    sequential: values.sequential,
  };

  const samples = samplesDir();
  const catalogue = samples ? loadCatalogue(samples) : undefined;
  // One receive time per record, as the stage sees them (no conversion can be reused between records).
  const receivedAt = (i: number): Date => new Date(Date.UTC(2025, 2, 3) + i);
  const rows: Row[] = [];

  for (const format of formats) {
    const records = [...simulateAlerts({ seed: 1, count, formats: [format] })].map((s, i): RawRecord => ({
      value: Buffer.from(s.value, 'utf8'),
      sourceOrg: s.sourceOrg,
      receivedAt: receivedAt(i),
    }));
    rows.push(measureFormat('simulated', format, records, catalogue, opts));
  }
  if (samples && !values['no-real']) {
    const real = realRecords(samples, receivedAt, catalogue);
    for (const format of formats) {
      const records = real.get(format) ?? [];
      if (records.length > 0) rows.push(measureFormat('real', format, records, catalogue, opts));
    }
  }

  console.log(
    `\nIngestion: parse + normalize, one core, ${seconds}s per side (node ${process.version}); ` +
      `ATT&CK catalogue ${catalogue ? 'loaded' : 'absent'}; real samples ${samples ? samples : 'absent'}`,
  );
  console.log(`Floor: JSON formats = ${FLOOR_NAME.json}; CEF = ${FLOOR_NAME.cef}.`);
  console.log(
    opts.sequential
      ? 'Sequential runs (measureSync): rates per wall-clock second.\n'
      : 'Paired runs: ours and the floor alternate in 25 ms slices; "cpu rec/s" = records per CPU second of\n' +
          'this process (what one core delivers, unaffected by other processes); targets are judged on it.\n',
  );
  console.log(
    table(
      rows.map((r) => ({
        set: r.set,
        format: r.format,
        records: r.records,
        'avg B': r.avgBytes,
        ...(opts.sequential ? {} : { 'cpu rec/s': r.ours.cpuPerSecond ?? '' }),
        'wall rec/s': r.ours.perSecond,
        'p50 ms': r.ours.latencyMs.p50,
        'p99 ms': r.ours.latencyMs.p99,
        ...(opts.sequential ? {} : { 'floor cpu rec/s': r.floor.cpuPerSecond ?? '' }),
        'floor wall rec/s': r.floor.perSecond,
        'floor p99 ms': r.floor.latencyMs.p99,
        'of floor': `${(r.ratio * 100).toFixed(1)}%`,
      })),
    ),
  );

  const verdicts: { target: string; value: string; pass: boolean }[] = [];
  for (const r of rows)
    verdicts.push({
      target: `${r.set} ${r.format}: ≥ ${TARGET_RATIO * 100}% of floor`,
      value: `${(r.ratio * 100).toFixed(1)}%`,
      pass: r.ratio >= TARGET_RATIO,
    });
  const ecs = rows.find((r) => r.set === 'simulated' && r.format === 'ecs');
  if (ecs)
    verdicts.push({
      target: `simulated ecs: ≥ ${TARGET_ECS_PER_SECOND} rec/s on one core`,
      value: `${rate(ecs.ours)} rec/s`,
      pass: rate(ecs.ours) >= TARGET_ECS_PER_SECOND,
    });
  console.log('');
  for (const v of verdicts) console.log(`${v.pass ? 'PASS' : 'MISS'}  ${v.target}  (${v.value})`);

  const file = writeResults('ingestion', {
    seconds,
    mode: opts.sequential ? 'sequential, wall clock' : 'paired 25 ms slices, per CPU second',
    catalogue: catalogue !== undefined,
    floors: FLOOR_NAME,
    targets: { ratioOfFloor: TARGET_RATIO, ecsPerSecond: TARGET_ECS_PER_SECOND },
    rows: rows.map((r) => ({
      set: r.set,
      format: r.format,
      records: r.records,
      avgBytes: r.avgBytes,
      perSecond: r.ours.perSecond,
      cpuPerSecond: r.ours.cpuPerSecond,
      latencyMs: r.ours.latencyMs,
      floor: {
        kind: r.floorKind,
        perSecond: r.floor.perSecond,
        cpuPerSecond: r.floor.cpuPerSecond,
        latencyMs: r.floor.latencyMs,
      },
      ratioOfFloor: round(r.ratio),
    })),
    verdicts,
  });
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
}

function measureFormat(
  set: Row['set'],
  format: AlertFormat,
  records: RawRecord[],
  catalogue: AttackCatalogue | undefined,
  opts: Options,
): Row {
  // Only records that normalize are measured: the figure is the cost of a real alert, not of a rejection.
  const normalizeOpts = catalogue ? { catalogue } : {};
  for (const r of records) {
    const o = normalizeRecord(r, normalizeOpts);
    if (o.kind !== 'normalized')
      throw new Error(`${set} ${format}: input rejected (${o.reason}); the bench measures alerts only`);
  }
  const floorKind = format === 'cef' ? FLOOR_NAME.cef : FLOOR_NAME.json;
  const floorFn = format === 'cef' ? cefFloor : jsonFloor;
  const label = `${set} ${format}`;
  const oursFn = (r: RawRecord) => normalizeRecord(r, normalizeOpts);
  const floorOf = (r: RawRecord) => floorFn(r.value);
  let ours: Row['ours'];
  let floor: Row['floor'];
  if (opts.sequential) {
    ours = measureSync(`${label} normalizeRecord`, records, oursFn, opts);
    floor = measureSync(`${label} floor`, records, floorOf, opts);
  } else ({ a: ours, b: floor } = measurePaired(label, records, oursFn, floorOf, opts));
  const avgBytes = Math.round(records.reduce((n, r) => n + r.value.length, 0) / records.length);
  console.log(`${label}: ${rate(ours)} rec/s, floor ${rate(floor)} rec/s`);
  return {
    set,
    format,
    records: records.length,
    avgBytes,
    ours,
    floor,
    floorKind,
    ratio: rate(ours) / rate(floor),
  };
}

const jsonFloor = (b: Buffer): string => JSON.stringify(JSON.parse(b.toString('utf8')));

function cefFloor(b: Buffer): string {
  const parts = b.toString('utf8').split('|');
  const fields: Record<string, string> = {};
  let key = '';
  for (const token of parts.slice(7).join('|').split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0 && isWord(token, eq)) fields[(key = token.slice(0, eq))] = token.slice(eq + 1);
    else if (key) fields[key] += ` ${token}`;
  }
  return JSON.stringify({ header: parts.slice(0, 7), fields });
}

/** True when token[0, end) is a CEF key: letters, digits, underscore. */
function isWord(token: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = token.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Real samples (../shared/samples beside the clone), grouped by format; only records that normalize.

function samplesDir(): string | undefined {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  const samples = path.resolve(dir, '..', 'shared', 'samples');
  return existsSync(samples) ? samples : undefined;
}

function loadCatalogue(dir: string): AttackCatalogue | undefined {
  const t = path.join(dir, 'attack', 'enterprise-techniques.json');
  const a = path.join(dir, 'attack', 'enterprise-tactics.json');
  if (!existsSync(t) || !existsSync(a)) return undefined;
  return buildAttackCatalogue(JSON.parse(readFileSync(t, 'utf8')), JSON.parse(readFileSync(a, 'utf8')));
}

function realRecords(
  dir: string,
  receivedAt: (i: number) => Date,
  catalogue: AttackCatalogue | undefined,
): Map<AlertFormat, RawRecord[]> {
  const values: Buffer[] = [];
  const read = (rel: string): string => readFileSync(path.join(dir, rel), 'utf8');
  const lines = (rel: string): void => {
    for (const l of read(rel).split('\n')) if (l.trim()) values.push(Buffer.from(l, 'utf8'));
  };
  const has = (rel: string): boolean => existsSync(path.join(dir, rel));
  const isDir = (rel: string): boolean => has(rel) && statSync(path.join(dir, rel)).isDirectory();
  const filesIn = (rel: string, ext: string): string[] =>
    isDir(rel)
      ? readdirSync(path.join(dir, rel))
          .filter((n) => n.endsWith(ext))
          .map((n) => path.join(rel, n))
      : [];

  for (const f of filesIn('suricata', '.log')) lines(f);
  for (const f of filesIn('suricata', '-eve.json')) lines(f);
  if (has('wazuh/wazuh-sample-alerts.json')) lines('wazuh/wazuh-sample-alerts.json');
  if (has('wazuh/wazuh-indexer-wazuh-event.sample.json'))
    values.push(readFileSync(path.join(dir, 'wazuh/wazuh-indexer-wazuh-event.sample.json')));
  for (const sub of has('ecs') ? readdirSync(path.join(dir, 'ecs')) : [])
    for (const f of filesIn(path.join('ecs', sub), 'sample_event.json'))
      values.push(readFileSync(path.join(dir, f)));
  for (const f of filesIn('cef', '.log')) lines(f);
  for (const f of filesIn('cef/graylog-plugin-cef-fixtures', '.json')) {
    const json = read(f)
      .split('\n')
      .filter((l) => !/^\s*\/\//.test(l))
      .join('\n');
    values.push(Buffer.from((JSON.parse(json) as { testString: string }).testString, 'utf8'));
  }
  if (has('cef/integrations-test-trend-micro.json'))
    for (const e of (
      JSON.parse(read('cef/integrations-test-trend-micro.json')) as {
        events: { event: { original: string } }[];
      }
    ).events)
      values.push(Buffer.from(e.event.original, 'utf8'));

  const byFormat = new Map<AlertFormat, RawRecord[]>();
  for (const [i, value] of values.entries()) {
    const r: RawRecord = { value, sourceOrg: 'org-sample', receivedAt: receivedAt(i) };
    const o = normalizeRecord(r, catalogue ? { catalogue } : {});
    if (o.kind !== 'normalized') continue;
    const list = byFormat.get(o.alert.format) ?? [];
    list.push(r);
    byFormat.set(o.alert.format, list);
  }
  return byFormat;
}

main();
