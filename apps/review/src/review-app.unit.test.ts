import { LoginRateLimiter } from './auth/login-rate-limiter';
import { readCookie, secretHash } from './auth/tokens';
import { openApiDocument } from './openapi';

describe('login rate limiter', () => {
  it('blocks a key after the allowed failures within the window, then lets it go', () => {
    const l = new LoginRateLimiter(3, 60_000);
    const keys = ['ip:127.0.0.1', 'user:alice'];
    for (let i = 0; i < 3; i++) {
      expect(l.blocked(keys, 1000 + i)).toBe(0);
      l.fail(keys, 1000 + i);
    }
    expect(l.blocked(keys, 2000)).toBeGreaterThan(0);
    expect(l.blocked(['user:bob'], 2000)).toBe(0);
    expect(l.blocked(keys, 1000 + 60_000 + 3)).toBe(0);
  });

  it('forgets failures after a success', () => {
    const l = new LoginRateLimiter(2, 60_000);
    l.fail(['user:a'], 1);
    l.succeed(['user:a']);
    l.fail(['user:a'], 2);
    expect(l.blocked(['user:a'], 3)).toBe(0);
  });
});

describe('tokens', () => {
  it('reads one cookie among several and hashes secrets', () => {
    expect(readCookie('a=1; kyoyu_session=abc%3D; b=2', 'kyoyu_session')).toBe('abc=');
    expect(readCookie('xkyoyu_session=1', 'kyoyu_session')).toBeUndefined();
    expect(readCookie(undefined, 'x')).toBeUndefined();
    expect(secretHash('s')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('OpenAPI document', () => {
  it('documents every review and admin route with schemas taken from the validators', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/review/items',
      '/review/items/{caseId}/redact',
      '/review/items/{caseId}/approve',
      '/admin/customers/{id}',
      '/admin/subscribers/{id}',
      '/admin/accounts',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const redact = JSON.stringify(doc.components.schemas.Redact);
    expect(redact).toContain('additionalProperties');
    expect(JSON.stringify(doc.components.schemas.Customer)).toContain('agreement');
  });
});
