/** A reviewer account cleared for `customer`, created with the operator's admin token; its bearer header. */
export async function reviewerAuth(
  url: string,
  adminToken: string,
  customer: string,
): Promise<Record<string, string>> {
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const account = await fetch(`${url}/admin/accounts`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      username: `faults-${Date.now()}`,
      displayName: 'Fault-suite reviewer',
      password: 'correct-horse-battery-staple',
      role: 'reviewer',
      clearances: [customer],
    }),
  });
  if (!account.ok) throw new Error(`creating a reviewer failed: ${account.status}`);
  const { id } = (await account.json()) as { id: string };
  const token = await fetch(`${url}/admin/accounts/${id}/tokens`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'faults' }),
  });
  return { authorization: `Bearer ${((await token.json()) as { token: string }).token}` };
}

/** Approves one held item; resolves with the HTTP status, or 0 when the service went away mid-request. */
export async function approve(url: string, auth: Record<string, string>, caseId: string): Promise<number> {
  try {
    const res = await fetch(`${url}/review/items/${caseId}/approve`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    return res.status;
  } catch {
    return 0;
  }
}
