import { DEMO_CUSTOMERS, simulateAlerts } from './index';

describe('simulateAlerts', () => {
  it('is deterministic and covers every format', () => {
    const a = [...simulateAlerts({ seed: 1, count: 50 })];
    expect(a).toEqual([...simulateAlerts({ seed: 1, count: 50 })]);
    expect(new Set(a.map((x) => x.format))).toEqual(new Set(['ocsf', 'ecs', 'suricata', 'wazuh', 'cef']));
    for (const x of a) {
      expect(x.truth.techniques.length).toBeGreaterThan(0);
      // Every alert carries some of its victim's identifiers where real alerts do (which ones varies by scenario).
      const value = x.value.toLowerCase();
      expect(x.truth.victimIdentifiers.filter((v) => value.includes(v.toLowerCase())).length).toBeGreaterThan(
        0,
      );
    }
  });
  it('has a Japanese customer with an IDN domain', () => {
    expect(
      DEMO_CUSTOMERS.some(
        (c) => c.domain.startsWith('xn--') && c.names.some((n) => /[\u4e00-\u9faf]/.test(n)),
      ),
    ).toBe(true);
  });
  it('ECS alerts are roughly real-sized', () => {
    const sizes = [...simulateAlerts({ seed: 2, count: 30, formats: ['ecs'] })].map((x) =>
      Buffer.byteLength(x.value),
    );
    const avg = sizes.reduce((s, n) => s + n, 0) / sizes.length;
    expect(avg).toBeGreaterThan(1500);
    expect(avg).toBeLessThan(3500);
  });
});
