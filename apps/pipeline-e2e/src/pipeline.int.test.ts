import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Headers, Topics, type AlertRejectedEvent } from '@kyoyu/contracts';
import { createReviewer, sharedSamplesDir } from '@kyoyu/testing';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, suricataAlert } from './fixtures';
import { eventually } from './review-harness';
import { startPipeline, type PipelineHarness } from './stack';

let h: PipelineHarness;
let flow = 1_000_000;

beforeAll(async () => {
  h = await startPipeline();
});

afterAll(async () => {
  await h?.close();
});

async function send(sourceOrg: string, value: string | Buffer, key = sourceOrg): Promise<void> {
  await h.producer.send({
    topic: Topics.AlertsRaw,
    acks: -1,
    messages: [{ key, value, headers: { [Headers.SourceOrg]: sourceOrg } }],
  });
}

/** A unique attacker address per alert (TEST-NET-3), so each test finds its own bundle. */
function attacker(n: number): string {
  return `203.0.113.${n % 250}`;
}

function bundlesWith(value: string) {
  return (m: { topic: string; value: string }) => m.topic.startsWith('share.') && m.value.includes(value);
}

describe('walking skeleton: SIEM topic → four services → subscriber topics', () => {
  it("releases an automatic-release customer's alert to every entitled subscriber without the victim's identifiers", async () => {
    const a = {
      flowId: ++flow,
      internalIp: '10.20.30.41',
      attackerIp: attacker(11),
      hostname: 'HZ-PC-0147',
      user: 'taro.yamada',
    };
    await send(AUTO_CUSTOMER.id, suricataAlert(a));

    const bundles = await h.reader.waitFor(bundlesWith(a.attackerIp), 2);
    expect(new Set(bundles.map((b) => b.topic))).toEqual(new Set(['share.jp-isac.v1', 'share.iot-maker.v1']));
    for (const b of bundles) {
      const bundle = JSON.parse(b.value) as {
        type: string;
        objects: Array<{ type: string; pattern?: string }>;
      };
      expect(bundle.type).toBe('bundle');
      expect(bundle.objects.some((o) => o.type === 'indicator' && o.pattern?.includes(a.attackerIp))).toBe(
        true,
      );
      for (const secret of [a.hostname, a.user, a.internalIp, 'HOSHIZORA', AUTO_CUSTOMER.id]) {
        expect(b.value.toLowerCase()).not.toContain(secret.toLowerCase());
      }
      // Pipeline-internal headers (trace context, correlation id, source org) never reach a subscriber.
      expect(Object.keys(b.headers)).toEqual(['content-type']);
    }
  });

  it("holds a review-only customer's alert in PostgreSQL until a reviewer approves it over HTTP", async () => {
    const a = {
      flowId: ++flow,
      internalIp: '10.9.8.7',
      attackerIp: attacker(22),
      hostname: 'KW-FIN-07',
      user: 'hanako.sato',
    };
    await send(REVIEW_CUSTOMER.id, suricataAlert(a));

    const review = h.stages.get('review');
    const auth = await createReviewer(review!.url, h.env.reviewToken, [REVIEW_CUSTOMER.id]);
    const caseId = await waitForHeldItem(review!.url, auth, a.attackerIp);
    expect(h.reader.messages.filter(bundlesWith(a.attackerIp))).toHaveLength(0);

    const unauthorised = await fetch(`${review!.url}/review/items/${caseId}/approve`, { method: 'POST' });
    expect(unauthorised.status).toBe(401);

    const approved = await fetch(`${review!.url}/review/items/${caseId}/approve`, {
      method: 'POST',
      headers: auth,
    });
    expect(approved.status).toBe(200);
    const again = await fetch(`${review!.url}/review/items/${caseId}/approve`, {
      method: 'POST',
      headers: auth,
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('REVIEW.ALREADY_DECIDED');

    const bundles = await h.reader.waitFor(bundlesWith(a.attackerIp), 2);
    for (const b of bundles) expect(b.value).not.toContain(a.hostname);
    const [row] = (await h.db.query(`SELECT state FROM review_items WHERE case_id = $1`, [caseId])) as Array<{
      state: string;
    }>;
    expect(row?.state).toBe('approved');
  });

  it('rejects garbage with a reason code and its origin, and the next good record still flows', async () => {
    const good = {
      flowId: ++flow,
      internalIp: '10.1.1.1',
      attackerIp: attacker(33),
      hostname: 'HZ-SRV-01',
      user: 'admin.k',
    };
    await send(AUTO_CUSTOMER.id, Buffer.from('{"event_type":"alert","src_ip":'));
    await send(AUTO_CUSTOMER.id, suricataAlert(good));

    const [rejected] = await h.reader.waitFor(
      (m) =>
        m.topic === Topics.AlertsRejected &&
        (JSON.parse(m.value) as AlertRejectedEvent).data.reason === 'MALFORMED_JSON',
    );
    const event = JSON.parse(rejected!.value) as AlertRejectedEvent;
    expect(event.data.stage).toBe('ingestion');
    expect(event.data.origin.topic).toBe(Topics.AlertsRaw);
    expect(Number(event.data.origin.offset)).toBeGreaterThanOrEqual(0);
    expect(Buffer.from(event.data.original.base64 ?? '', 'base64').toString()).toBe(
      '{"event_type":"alert","src_ip":',
    );

    await h.reader.waitFor(bundlesWith(good.attackerIp), 2);
  });

  it('loses nothing when a stage is killed mid-stream and restarted', async () => {
    const n = 40;
    const ips = Array.from({ length: n }, (_, i) => `198.51.100.${i + 10}`);
    const deid = h.stages.get('deidentify')!;
    for (const [i, ip] of ips.entries()) {
      await send(
        AUTO_CUSTOMER.id,
        suricataAlert({
          flowId: ++flow,
          internalIp: '10.2.0.9',
          attackerIp: ip,
          hostname: `HZ-WS-${i}`,
          user: `u${i}`,
        }),
      );
      if (i === 9) {
        // Some work has flowed; crash the de-identification stage with no chance to commit.
        await h.reader.waitFor(bundlesWith(ips[0]!), 1);
        await deid.kill();
      }
    }
    deid.start();
    await deid.waitReady();
    for (const ip of ips)
      await h.reader.waitFor((m) => m.topic === 'share.jp-isac.v1' && m.value.includes(`'${ip}'`), 1, 60_000);
    // At-least-once may redeliver, but never two different payloads for one event id.
    const ours = h.reader.messages.filter(
      (m) => m.topic === 'share.jp-isac.v1' && ips.some((ip) => m.value.includes(`'${ip}'`)),
    );
    const payloads = new Map<string, Set<string>>();
    for (const m of ours) payloads.set(m.key!, (payloads.get(m.key!) ?? new Set()).add(m.value));
    expect(payloads.size).toBe(n);
    for (const variants of payloads.values()) expect(variants.size).toBe(1);
    // Every copy is recorded; the record follows the broker's acknowledgement, so it can lag the copy read here.
    await eventually(async () => {
      const [row] = (await h.db.query(
        `SELECT count(DISTINCT event_id)::int AS n FROM deliveries
         WHERE subscriber_id = 'jp-isac' AND delivered_at IS NOT NULL`,
      )) as Array<{ n: number }>;
      return (row?.n ?? 0) >= n;
    });
  });
});

async function waitForHeldItem(url: string, auth: Record<string, string>, marker: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/review/items?state=held`, { headers: auth });
    const body = (await res.json()) as { items: Array<{ caseId: string; draft: unknown }> };
    const item = body.items.find((i) => JSON.stringify(i.draft).includes(marker));
    if (item) return item.caseId;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('held item did not appear');
}

describe("fan-out's egress guard behind de-identification's", () => {
  it("stops a release that names another registered customer, which the source customer's engine does not know", async () => {
    // C2 on a server of the other customer's (a compromised one, say): attacker infrastructure to the
    // source customer's engine, but it would tell every subscriber that Kawasemi Bank's server is owned.
    const a = {
      flowId: ++flow,
      internalIp: '10.20.30.77',
      attackerIp: attacker(77),
      hostname: 'HZ-PC-0177',
      user: 'jiro.suzuki',
    };
    const raw = JSON.parse(suricataAlert(a)) as { http: { hostname: string } };
    raw.http.hostname = `files.${REVIEW_CUSTOMER.domains[0]}`;
    await send(AUTO_CUSTOMER.id, JSON.stringify(raw));

    const [released] = await h.reader.waitFor(
      (m) => m.topic === Topics.EventsReleased && m.value.includes(a.attackerIp),
      1,
    );
    const eventId = (JSON.parse(released!.value) as { data: { event: { eventId: string } } }).data.event
      .eventId;
    const held = await eventually(async () => {
      const rows = (await h.db.query(`SELECT hits FROM guard_held_releases WHERE event_id = $1`, [
        eventId,
      ])) as Array<{ hits: Array<{ kind: string; view: string }> }>;
      return rows[0];
    });
    expect(held.hits).toContainEqual({ kind: 'domain', view: 'json' });
    expect(h.reader.messages.filter(bundlesWith(a.attackerIp))).toHaveLength(0);
    const stored = (await h.db.query(`SELECT 1 FROM released_events WHERE event_id = $1`, [
      eventId,
    ])) as unknown[];
    expect(stored).toHaveLength(0);
  });
});

const samples = sharedSamplesDir();
(samples ? describe : describe.skip)('real Suricata samples from ../shared/samples', () => {
  it('normalizes a real EVE alert and delivers it', async () => {
    const file = path.join(samples!, 'suricata', 'sunnystation-2022-02-23-eve.json');
    const alert = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.includes('"event_type":"alert"') && l.includes('172.16.0.'));
    expect(alert).toBeDefined();
    await send(AUTO_CUSTOMER.id, alert!);
    const parsed = JSON.parse(alert!) as { src_ip: string; dest_ip: string };
    const external = [parsed.src_ip, parsed.dest_ip].find((ip) => !ip.startsWith('172.16.'))!;
    const [b] = await h.reader.waitFor(bundlesWith(external), 1);
    expect(b!.value).not.toContain('sunnystation');
    const internal = [parsed.src_ip, parsed.dest_ip].find((ip) => ip.startsWith('172.16.'))!;
    expect(b!.value).not.toContain(internal);
  });
});
