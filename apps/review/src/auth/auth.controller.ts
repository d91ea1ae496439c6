import { Body, Controller, Get, HttpCode, HttpException, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { ReviewConfig } from '../config';
import { parseBody } from '../http-errors';
import { AccountsRepository } from './accounts.repository';
import { sessionCookieName } from './auth.guard';
import { LoginRateLimiter } from './login-rate-limiter';
import { verifyPassword } from './passwords';
import { CurrentPrincipal, Public, type Principal } from './principal';
import { newSecret, readCookie } from './tokens';

export const LoginRequest = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(1000),
});

/** Console sessions: log in (rate limited), who am I (with the CSRF token), log out. */
@Controller('auth')
export class AuthController {
  private readonly limiter: LoginRateLimiter;
  private readonly cookie: string;

  constructor(
    private readonly accounts: AccountsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
  ) {
    this.limiter = new LoginRateLimiter(config.REVIEW_LOGIN_MAX_FAILURES, config.REVIEW_LOGIN_WINDOW_MS);
    this.cookie = sessionCookieName(config);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { username, password } = parseBody(LoginRequest, body);
    const keys = [`ip:${req.socket.remoteAddress ?? '?'}`, `user:${username.toLowerCase()}`];
    const wait = this.limiter.blocked(keys);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      throw new HttpException(
        { code: 'AUTH.RATE_LIMITED', message: 'too many failed logins; try later' },
        429,
      );
    }
    const account = await this.accounts.byUsername(username);
    const ok = await verifyPassword(account?.active ? account.passwordHash : undefined, password);
    if (!ok || !account) {
      this.limiter.fail(keys);
      throw new HttpException(
        { code: 'AUTH.INVALID_CREDENTIALS', message: 'wrong user name or password' },
        401,
      );
    }
    this.limiter.succeed(keys);
    const token = newSecret();
    const csrfToken = newSecret();
    const ttlMs = this.config.REVIEW_SESSION_HOURS * 3_600_000;
    await this.accounts.createSession(account.id, token, csrfToken, ttlMs);
    res.cookie(this.cookie, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.NODE_ENV === 'production',
      path: '/',
      maxAge: ttlMs,
    });
    return { account: publicAccount(account), csrfToken };
  }

  @Get('session')
  async session(@CurrentPrincipal() p: Principal, @Req() req: Request) {
    const token = readCookie(req.headers.cookie, this.cookie);
    const found = token ? await this.accounts.bySession(token) : null;
    return {
      accountId: p.accountId,
      role: p.role,
      clearances: [...p.clearances].sort(),
      ...(found ? { displayName: found.account.displayName, csrfToken: found.csrf } : {}),
    };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const token = readCookie(req.headers.cookie, this.cookie);
    if (token) await this.accounts.endSession(token);
    res.clearCookie(this.cookie, { path: '/' });
  }
}

export function publicAccount(a: {
  id: string;
  username: string;
  displayName: string;
  role: string;
  clearances: string[];
  active: boolean;
}) {
  return {
    id: a.id,
    username: a.username,
    displayName: a.displayName,
    role: a.role,
    clearances: a.clearances,
    active: a.active,
  };
}
