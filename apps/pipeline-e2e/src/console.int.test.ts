/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { shareTopic } from '@kyoyu/contracts';
import { repoRoot } from '@kyoyu/testing';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER } from './fixtures';
import {
  createReviewer,
  reviewRequest,
  sendReviewRequests,
  startReviewHarness,
  waitForItem,
  type ReviewHarness,
  type Reviewer,
} from './review-harness';

// The reviewer console in real Chromium (Debian's package, driven by playwright-core), against the
// review app and fan-out running as processes on a real broker and PostgreSQL.
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(repoRoot(), 'docs', 'screenshots');
const JP_ISAC = shareTopic('jp-isac');

let h: ReviewHarness;
let browser: Browser;
let alice: Reviewer;
let bob: Reviewer;
let carol: Reviewer;

beforeAll(async () => {
  h = await startReviewHarness({ fanout: true });
  [alice, bob, carol] = [
    await createReviewer(h, 'alice', [REVIEW_CUSTOMER.id]),
    await createReviewer(h, 'bob', [REVIEW_CUSTOMER.id]),
    await createReviewer(h, 'carol', [AUTO_CUSTOMER.id]),
  ];
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A fresh browser context (its own cookie jar) logged in as the reviewer. */
async function logIn(r: Reviewer): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const external: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(h.review.url)) external.push(req.url());
  });
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });
  await page.goto(`${h.review.url}/console/`);
  await page.locator('#login-form').waitFor();
  await page.fill('#username', r.username);
  await page.fill('#password', r.password);
  await page.click('#login-form button[type=submit]');
  await page.locator('#queue-view').waitFor();
  expect(external).toEqual([]); // works without any CDN
  return page;
}

/** After an action that returns to the queue: fails with the console's own error message if it showed one. */
async function backInQueue(page: Page): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await page.locator('#queue-view').isVisible())) {
    const error = (await page.locator('#item-error').textContent()) ?? '';
    if (error) throw new Error(`console error: ${error}`);
    if (Date.now() > deadline) throw new Error('the console did not return to the queue');
    await page.waitForTimeout(50);
  }
}

const row = (caseId: string) => `#queue tbody tr[data-case-id="${caseId}"]`;

/** Selects `text` inside the draft's editable field, as a reviewer dragging the mouse would. */
async function selectInField(page: Page, field: string, text: string): Promise<void> {
  await page.evaluate(
    ({ field, text }) => {
      const dd = document.querySelector(`dd.editable[data-field="${field}"]`);
      const walker = document.createTreeWalker(dd!, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const i = (n.textContent ?? '').indexOf(text);
        if (i < 0) continue;
        const range = document.createRange();
        range.setStart(n, i);
        range.setEnd(n, i + text.length);
        const sel = window.getSelection()!;
        sel.removeAllRanges();
        sel.addRange(range);
        return;
      }
      throw new Error('text not found in field');
    },
    { field, text },
  );
}

describe('reviewer console in Chromium', () => {
  it('logs in, sees new items live, redacts a span, approves, and the subscriber gets the event without the redacted text', async () => {
    const page = await logIn(alice);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-queue-empty.png') });

    const secret = 'PC-OSAKA-0231';
    const r = reviewRequest(
      {
        title: `Beacon from workstation ${secret} to FormBook C2`,
        indicators: [{ type: 'ipv4', value: '203.0.113.201', role: 'attacker' }],
      },
      {
        original: {
          raw: JSON.stringify(
            {
              host: secret,
              domain: 'ad.kawasemi-bank.jp',
              src_ip: '10.9.8.7',
              dest_ip: '203.0.113.201',
              org: 'Kawasemi Bank',
            },
            null,
            2,
          ),
          contentType: 'json',
        },
      },
    );
    await sendReviewRequests(h.producer, [r]);
    // Live update: the row appears without a reload.
    await page.locator(row(r.caseId)).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-queue.png') });

    await page.click(row(r.caseId));
    await page.locator('#item-view').waitFor();
    expect(await page.locator('#original mark.removed').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#transformations tbody tr').count()).toBeGreaterThan(0);
    await selectInField(page, 'title', secret);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-item.png') });
    await page.keyboard.press('d');
    await page.locator('dd[data-field="title"]', { hasText: '[redacted]' }).waitFor();
    expect(await page.locator('dd[data-field="title"]').textContent()).toBe(
      'Beacon from workstation [redacted] to FormBook C2',
    );
    await page.keyboard.press('a');
    await backInQueue(page);

    const [delivered] = await h.reader.waitFor(
      (m) => m.topic === JP_ISAC && m.value.includes('203.0.113.201'),
    );
    expect(delivered!.value).not.toContain(secret);
    expect(delivered!.value).toContain('[redacted]');
    await page.context().close();
  });

  it('requires a second, different reviewer for a high-risk item', async () => {
    const r = reviewRequest(
      { indicators: [{ type: 'ipv4', value: '203.0.113.202', role: 'attacker' }] },
      { risk: 88, reasons: [{ code: 'RISK_THRESHOLD', detail: 'residual risk' }] },
    );
    await sendReviewRequests(h.producer, [r]);
    await waitForItem(h, alice, r.caseId);

    const first = await logIn(alice);
    await first.click(row(r.caseId));
    await first.locator('#item-view').waitFor();
    await first.keyboard.press('a');
    await first.locator('#item-meta', { hasText: 'awaiting-second-approval' }).waitFor();
    expect(await first.locator('#item-meta').textContent()).toContain('four-eyes (1/2');
    await first.keyboard.press('a');
    await first.locator('#item-error', { hasText: 'REVIEW.SAME_REVIEWER' }).waitFor();
    await first.screenshot({ path: path.join(SCREENSHOTS, 'console-four-eyes.png') });
    expect(h.reader.messages.some((m) => m.topic === JP_ISAC && m.value.includes('203.0.113.202'))).toBe(
      false,
    );

    const second = await logIn(bob);
    await second.selectOption('#state-filter', 'awaiting-second-approval');
    await second.click(row(r.caseId));
    await second.locator('#item-view').waitFor();
    await second.keyboard.press('a');
    await backInQueue(second);
    await h.reader.waitFor((m) => m.topic === JP_ISAC && m.value.includes('203.0.113.202'));
    await first.context().close();
    await second.context().close();
  });

  it('keeps a queue row the same element, where it was, while live updates arrive', async () => {
    const first = reviewRequest();
    await sendReviewRequests(h.producer, [first]);
    await waitForItem(h, alice, first.caseId);
    const page = await logIn(alice);
    await page.locator(row(first.caseId)).waitFor();
    // Marks the row's element: a queue rebuilt on each update would replace it (a click in flight then lands
    // on a detached row); the mark survives only if the row is kept.
    await page.$eval(row(first.caseId), (tr) => ((tr as HTMLElement & { kept?: boolean }).kept = true));
    const box = await page.locator(row(first.caseId)).boundingBox();

    const later = [reviewRequest(), reviewRequest()];
    await sendReviewRequests(h.producer, later);
    for (const r of later) await page.locator(row(r.caseId)).waitFor();

    expect(
      await page.$eval(row(first.caseId), (tr) => (tr as HTMLElement & { kept?: boolean }).kept === true),
    ).toBe(true);
    // New items sort in after it (oldest first), so its place and size stay as they were.
    expect(await page.locator(row(first.caseId)).boundingBox()).toEqual(box);
    await page.context().close();
  });

  it("does not show a reviewer another customer's items, in the queue or by id", async () => {
    const r = reviewRequest();
    await sendReviewRequests(h.producer, [r]);
    await waitForItem(h, alice, r.caseId);
    const page = await logIn(carol);
    await page.locator('#counts b').first().waitFor();
    expect(await page.locator(row(r.caseId)).count()).toBe(0);
    const status = await page.evaluate(async (id) => (await fetch(`/review/items/${id}`)).status, r.caseId);
    expect(status).toBe(404);
    expect(await page.content()).not.toContain(REVIEW_CUSTOMER.id);
    await page.context().close();
  });

  it('renders attacker-controlled content escaped: script, attribute and URL payloads stay text', async () => {
    const payloads = {
      title: '<img src=x onerror="window.__xss=1">',
      description: '"><script>window.__xss=2</script><a href="javascript:window.__xss=3">x</a>',
      signature: `' onmouseover='window.__xss=4`,
      url: 'javascript:window.__xss=5//',
    };
    const r = reviewRequest(
      {
        title: payloads.title,
        description: payloads.description,
        signature: { id: '1', name: payloads.signature },
        indicators: [{ type: 'url', value: payloads.url, role: 'attacker' }],
      },
      {
        original: { raw: `<svg onload="window.__xss=6"></svg>${payloads.description}`, contentType: 'text' },
      },
    );
    await sendReviewRequests(h.producer, [r]);
    await waitForItem(h, alice, r.caseId);
    const page = await logIn(alice);
    await page.click(row(r.caseId));
    await page.locator('#item-view').waitFor();
    expect(await page.locator('dd[data-field="title"]').textContent()).toBe(payloads.title);
    expect(await page.locator('dd[data-field="description"]').textContent()).toBe(payloads.description);
    expect(await page.locator('dd[data-field="signature.name"]').textContent()).toBe(payloads.signature);
    expect(await page.locator('#original').textContent()).toContain('<svg onload=');
    expect(await page.locator('#draft').textContent()).toContain(payloads.url);
    await page.hover('dd[data-field="signature.name"]');
    expect(
      await page.locator('#item-view img, #item-view script, #item-view svg, #item-view a').count(),
    ).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.context().close();
  });
});
