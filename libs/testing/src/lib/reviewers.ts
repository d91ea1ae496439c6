import { randomBytes } from 'node:crypto';

/**
 * A reviewer account cleared for `clearances`, created through the review app's admin API with the
 * operator's token, and a bearer token of its own: the header a reviewer sends. Tests, the fault suite and
 * the benchmarks act as reviewers this way; the operator's token itself cannot decide items.
 */
export async function createReviewer(
  reviewUrl: string,
  adminToken: string,
  clearances: string[],
  username = `reviewer-${randomBytes(4).toString('hex')}`,
): Promise<Record<string, string>> {
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const account = await fetch(`${reviewUrl}/admin/accounts`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      username,
      displayName: username,
      password: randomBytes(18).toString('base64url'),
      role: 'reviewer',
      clearances,
    }),
  });
  if (!account.ok) throw new Error(`creating reviewer ${username}: HTTP ${account.status}`);
  const { id } = (await account.json()) as { id: string };
  const token = await fetch(`${reviewUrl}/admin/accounts/${id}/tokens`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: username }),
  });
  if (!token.ok) throw new Error(`token for reviewer ${username}: HTTP ${token.status}`);
  return { authorization: `Bearer ${((await token.json()) as { token: string }).token}` };
}
