import { existsSync } from 'node:fs';
import path from 'node:path';

/** The workspace root (the folder with nx.json), wherever the caller runs from (src or dist). */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** ../shared/samples beside the clone, when present (tests that need it skip themselves otherwise). */
export function sharedSamplesDir(): string | undefined {
  const dir = path.resolve(repoRoot(), '..', 'shared', 'samples');
  return existsSync(dir) ? dir : undefined;
}
