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
