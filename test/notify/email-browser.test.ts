/**
 * The alert email in a real browser (Debian chromium via playwright-core): hostile event values
 * must render as visible text, run no script, fire no handler, load nothing and link nowhere but
 * attack.mitre.org and the AWS console. Checked with the CSP meta tag and, to prove the escaping
 * alone holds, without it. At 400 px (a phone) and 1000 px: no horizontal scroll, no word shorter
 * than 20 characters broken across lines (checked on the rendered line boxes), the counted values
 * and the digest's entries shown. Writes screenshots to test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderEmail } from '../../src/notify/render-email';
import { EVENT_ID, hostileAlert, PAYLOADS, sampleAlert } from './fixtures';
import { digestAlert, harvestAlert, phishingAlert } from './scenarios';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y chromium`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}, 30000);

afterAll(async () => {
  await browser?.close();
});

interface Observed {
  page: Page;
  requests: string[];
  dialogs: string[];
  console: string[];
}

async function load(html: string, width = 1000): Promise<Observed> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  const observed: Observed = { page, requests: [], dialogs: [], console: [] };
  await page.route('**/*', async (route) => {
    observed.requests.push(route.request().url());
    await route.abort();
  });
  page.on('request', (r) => {
    if (!observed.requests.includes(r.url())) observed.requests.push(r.url());
  });
  page.on('dialog', async (d) => {
    observed.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('console', (m) => observed.console.push(m.text()));
  await page.setContent(html, { waitUntil: 'load' });
  // Open the raw event and hover everything, so that lazy or interaction-bound payloads get their chance.
  await page.click('summary');
  await page.mouse.move(10, 10);
  await page.mouse.move(500, 400);
  await page.waitForTimeout(100);
  return observed;
}

const hostile = { ...hostileAlert(), region: 'us-east-1', eventID: EVENT_ID };

describe('alert email in chromium', () => {
  it.each([
    ['with the CSP meta tag', (html: string) => html],
    [
      'without the CSP meta tag (escaping alone)',
      (html: string) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''),
    ],
  ])(
    'renders hostile values inert %s',
    async (_label, transform) => {
      const html = transform(renderEmail(hostile).html);
      const { page, requests, dialogs, console: logs } = await load(html);
      try {
        expect(await page.evaluate('window.__pwned')).toBeUndefined();
        expect(dialogs).toEqual([]);
        expect(logs.filter((l) => /pwned/i.test(l))).toEqual([]);
        expect(requests).toEqual([]);
        // Evaluated in the page (as a string: the project compiles without DOM types).
        const dom = (await page.evaluate(`({
        scripts: document.querySelectorAll('script, iframe, object, embed, svg, img, link, style, form, input, base').length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => el.tagName + '.' + a.name)),
        links: [...document.querySelectorAll('[href], [src], [action], [formaction]')].map((el) => el.href || el.getAttribute('src') || ''),
        text: document.body.innerText,
      })`)) as { scripts: number; handlers: string[]; links: string[]; text: string };
        expect(dom.scripts).toBe(0);
        expect(dom.handlers).toEqual([]);
        expect(dom.links.length).toBeGreaterThan(0);
        for (const link of dom.links)
          expect(new URL(link).origin).toMatch(
            /^https:\/\/(attack\.mitre\.org|us-east-1\.console\.aws\.amazon\.com)$/,
          );
        expect(dom.links).toContain(
          `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`,
        );
        for (const payload of [
          PAYLOADS.script,
          PAYLOADS.img,
          PAYLOADS.svg,
          PAYLOADS.jsUrl,
          '</pre></details><iframe src="https://evil.example/"></iframe>',
          '<!channel>',
        ]) {
          expect(dom.text).toContain(payload);
        }
        // Bidi overrides are shown as escapes, never applied.
        expect(dom.text).toContain('invoice\\u202Egpj.exe');
        expect(dom.text).not.toContain('\u202e');
      } finally {
        await page.close();
      }
    },
    30000,
  );

  it('lays out a normal alert readably and writes a screenshot', async () => {
    const { page, requests } = await load(
      renderEmail(
        sampleAlert({
          errorCode: 'AccessDenied',
          errorMessage: 'User: arn:aws:iam::444455556666:user/alice is not authorized',
        }),
      ).html,
    );
    try {
      expect(requests).toEqual([]);
      const text = (await page.evaluate('document.body.innerText')) as string;
      expect(text).toContain('AWS Console Login Without MFA');
      expect(text).toContain('"bucketName": "acme-logs"');
      const badge = await page.evaluate(
        `getComputedStyle(document.querySelector('h2 span')).backgroundColor`,
      );
      expect(badge).toBe('rgb(230, 81, 0)');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'email.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'email.png'))).toBe(true);
    } finally {
      await page.close();
    }
  }, 30000);
});

interface Layout {
  scrollWidth: number;
  viewport: number;
  /** Words shorter than 20 characters whose characters sit on more than one line. */
  broken: string[];
  words: number;
  text: string;
}

/**
 * Measures the page: its scroll width, and for every word shorter than 20 characters outside
 * `<pre>` (whose JSON may wrap anywhere) the line boxes of its characters (Range.getClientRects):
 * a word on two lines has rects with two different tops.
 */
const measure = (page: Page): Promise<Layout> =>
  page.evaluate(`(() => {
    const broken = [];
    let words = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('pre, title')) continue;
      for (const m of node.data.matchAll(/\\S+/g)) {
        if (m[0].length >= 20) continue;
        words++;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
    return {
      scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
      viewport: window.innerWidth,
      broken,
      words,
      text: document.body.innerText,
    };
  })()`) as Promise<Layout>;

describe('alert email layout on a phone and a desktop', () => {
  it('the measure finds a word broken across lines', async () => {
    const { page } = await load(
      '<!DOCTYPE html><body><div style="width:40px;word-break:break-all;">payments-prod</div><details><summary>s</summary></details></body>',
      400,
    );
    try {
      expect((await measure(page)).broken).toEqual(['payments-prod']);
    } finally {
      await page.close();
    }
  }, 30000);

  it.each([400, 1000])(
    'at %i px the harvesting correlation fits, breaks no short word and lists the counted values',
    async (width) => {
      const alert = harvestAlert();
      const { page, requests } = await load(renderEmail(alert).html, width);
      try {
        expect(requests).toEqual([]);
        const layout = await measure(page);
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport);
        expect(layout.words).toBeGreaterThan(100);
        expect(layout.broken).toEqual([]);
        for (const secret of alert.correlation!.values!) expect(layout.text).toContain(secret);
        expect(layout.text).toContain('Counted values (7)');
        // Source, account, actor and IP are the same for all events: stated once, not per event.
        expect(layout.text.match(/198\.51\.100\.23/g)).toHaveLength(1);
        expect(layout.text).toContain('7a1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b06');
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `email-correlation-${width}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    },
    30000,
  );

  it.each([400, 1000])(
    'at %i px a digest, the phishing alert and every hostile value fit too',
    async (width) => {
      for (const alert of [digestAlert(), phishingAlert(), hostile]) {
        const { page } = await load(renderEmail(alert).html, width);
        try {
          const layout = await measure(page);
          expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport);
          expect(layout.broken).toEqual([]);
          if (alert.digest) {
            expect(layout.text).toContain('30 targets between');
            for (const entry of alert.digest.entries) expect(layout.text).toContain(entry.target);
          }
          if (alert === hostile) expect(layout.text).not.toContain('\u202e');
        } finally {
          await page.close();
        }
      }
    },
    60000,
  );
});
