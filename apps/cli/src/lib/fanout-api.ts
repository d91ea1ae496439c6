import { CliError, ExitCode } from './errors';

/**
 * Fan-out's operator endpoints (`/fanout/*`, bearer token). Commands that change what subscribers get go
 * through them, so routing, embargo and the dispatcher's kick stay in fan-out's own code.
 */
export class FanoutApi {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string): Promise<T> {
    return this.request<T>('POST', path);
  }

  private async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CliError(
        'FANOUT.UNREACHABLE',
        `cannot reach fan-out at FANOUT_URL (${(e as Error).name})`,
        ExitCode.Unavailable,
      );
    }
    // Fan-out's error bodies carry a stable code and a message without record content.
    const body = (await res.json().catch(() => undefined)) as
      { code?: unknown; message?: unknown } | undefined;
    if (res.ok) return body as T;
    const code = typeof body?.code === 'string' ? body.code : `FANOUT.HTTP_${res.status}`;
    const message = typeof body?.message === 'string' ? body.message : `fan-out answered ${res.status}`;
    if (res.status === 401)
      throw new CliError(code, 'fan-out refused the token in FANOUT_ADMIN_TOKEN', ExitCode.Unavailable);
    if (res.status === 404) throw new CliError(code, message, ExitCode.NotFound);
    throw new CliError(code, message, res.status < 500 ? ExitCode.BadInput : ExitCode.Unavailable);
  }
}
