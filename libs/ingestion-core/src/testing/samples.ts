// Test-only: loads the public sample corpus in ../shared/samples. Never imported by library code.
const fs = require('node:fs') as typeof import('node:fs');
const path = require('node:path') as typeof import('node:path');

export const SAMPLES_DIR = path.resolve(__dirname, '../../../../../shared/samples');
export const samplesPresent = (): boolean => fs.existsSync(SAMPLES_DIR);

export interface SampleRecord {
  file: string;
  index: number;
  value: Buffer;
}

const read = (rel: string): string => fs.readFileSync(path.join(SAMPLES_DIR, rel), 'utf8');
export const readJson = (rel: string): unknown => JSON.parse(read(rel));

export function listFiles(relDir: string, filter: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(path.join(SAMPLES_DIR, d), { withFileTypes: true })) {
      const rel = path.join(d, e.name);
      if (e.isDirectory()) walk(rel);
      else if (filter(e.name)) out.push(rel);
    }
  };
  walk(relDir);
  return out.sort();
}

/** Every line, as the SIEM would send it (a line = a record; empty lines included). */
export function ndjson(rel: string): SampleRecord[] {
  const lines = read(rel).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l, index) => ({ file: rel, index, value: Buffer.from(l, 'utf8') }));
}

/** One pretty-printed document, or each of `{"expected":[...]}`, re-serialised as one record each. */
export function jsonDocs(rel: string): SampleRecord[] {
  const j = readJson(rel) as { expected?: unknown[] };
  const docs = Array.isArray(j.expected) ? j.expected : [j];
  return docs.map((d, index) => ({ file: rel, index, value: Buffer.from(JSON.stringify(d), 'utf8') }));
}

/** Graylog fixtures: `//` comment lines stripped, the raw line is `testString`. */
export function graylogCef(rel: string): SampleRecord[] {
  const t = read(rel)
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
  const j = JSON.parse(t) as { testString: string };
  return [{ file: rel, index: 0, value: Buffer.from(j.testString, 'utf8') }];
}

export function trendMicroCef(rel: string): SampleRecord[] {
  const j = readJson(rel) as { events: { event: { original: string } }[] };
  return j.events.map((e, index) => ({ file: rel, index, value: Buffer.from(e.event.original, 'utf8') }));
}

export function attackCatalogueJson(): { techniques: unknown; tactics: unknown } {
  return {
    techniques: readJson('attack/enterprise-techniques.json'),
    tactics: readJson('attack/enterprise-tactics.json'),
  };
}

/** The whole file as one record (a pretty-printed single document), bytes untouched. */
export function rawFile(rel: string): SampleRecord[] {
  return [{ file: rel, index: 0, value: fs.readFileSync(path.join(SAMPLES_DIR, rel)) }];
}
