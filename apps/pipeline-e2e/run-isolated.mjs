// Runs each integration test file in its own jest process, so each gets its own broker and database
// (global-setup.mjs): suites share topics, consumer groups and tables otherwise, and one suite's
// alerts, subscribers or audit entries would leak into another's assertions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const only = process.argv.slice(2);
const files = readdirSync(path.join(here, 'src'))
  .filter((f) => f.endsWith('.int.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const out = mkdtempSync(path.join(tmpdir(), 'kyoyu-it-'));
const failed = [];
for (const file of files) {
  const rel = path.join('apps', 'pipeline-e2e', 'src', file);
  const report = path.join(out, `${file}.json`);
  process.stdout.write(`\n=== ${rel}\n`);
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      '-c',
      'apps/pipeline-e2e/jest.config.js',
      '--runTestsByPath',
      rel,
      '--json',
      `--outputFile=${report}`,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // Judged by jest's own report: kafkajs test clients whose topic was deleted under them can still touch
  // modules after the environment is torn down, which sets a non-zero exit code for a passing suite.
  let ok = false;
  try {
    const res = JSON.parse(readFileSync(report, 'utf8'));
    ok = res.success === true && res.numFailedTests === 0 && res.numRuntimeErrorTestSuites === 0 && res.numTotalTests > 0;
  } catch {
    ok = false;
  }
  if (ok && r.status !== 0) process.stdout.write(`(${file}: all tests passed; jest exited ${r.status} after teardown)\n`);
  if (!ok) failed.push(file);
}
process.stdout.write(`\n${files.length - failed.length} of ${files.length} integration suites passed\n`);
if (failed.length > 0) {
  process.stdout.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
