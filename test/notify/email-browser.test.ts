/**
 * The alert email in a real browser (Debian chromium via playwright-core): hostile event values
 * must render as visible text, run no script, fire no handler, load nothing and link nowhere but
 * attack.mitre.org and the AWS console. Checked with the CSP meta tag and, to prove the escaping
 * alone holds, without it. Writes a screenshot to test-artifacts/email.png.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderEmail } from '../../lambdas/notify/render-email';
import { EVENT_ID, hostileAlert, PAYLOADS, sampleAlert } from './fixtures';

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

async function load(html: string): Promise<Observed> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
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
