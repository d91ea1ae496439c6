import { z } from 'zod';

/** Raised when a service's configuration is missing or malformed. Names settings, never their values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: refusing to start, invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * The one place that reads the process environment. Each service declares a zod schema of the settings
 * it needs and gets them parsed and typed, or a ConfigError listing every problem at once.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      service,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
