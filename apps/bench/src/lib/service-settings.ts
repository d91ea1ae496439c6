/**
 * `NAME=VALUE,NAME=VALUE` from a bench's command line as an environment for the services it starts, so a
 * setting is measured by the same bench that measures the default. The services validate the values when they
 * start (an unknown name is ignored by them, a malformed value stops them with its name).
 */
export function serviceSettings(option: string, list: string): Record<string, string> {
  const entries = list
    .split(',')
    .filter((e) => e.trim() !== '')
    .map((e) => {
      const at = e.indexOf('=');
      if (at < 1) throw new Error(`${option}: expected NAME=VALUE, got "${e}"`);
      return [e.slice(0, at).trim(), e.slice(at + 1).trim()] as const;
    });
  return Object.fromEntries(entries);
}
