/**
 * Every output a person reads states the same facts the same way: one time format, unknown
 * accounts labelled as unknown, the target, the values a value_count correlation counted, and a
 * digest's entries with its count of exact repeats. The JSON webhook keeps ISO times for machines.
 */
import type { Alert } from '../../src/alerts/alert';
import { renderEmail } from '../../src/notify/render-email';
import { renderJson } from '../../src/notify/render-json';
import { renderSlack } from '../../src/notify/render-slack';
import { renderSns } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import { displayTime } from '../../src/notify/time';
import { sampleAlert } from './fixtures';
import { digestAlert, harvestAlert } from './scenarios';

/** The text of each output for people, markup removed so that phrases can be searched. */
function outputs(alert: Alert): Record<string, string> {
  const email = renderEmail(alert);
  const unescape = (s: string): string =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&');
  return {
    html: unescape(email.html.replace(/<[^>]*>/g, '')),
    text: email.text,
    slack: unescape(JSON.stringify(renderSlack(alert)).replace(/`/g, '')),
    teams: JSON.stringify(renderTeams(alert)).replace(/\\\\/g, ''),
    sns: renderSns(alert).message,
  };
}

const ISO_T = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

describe('readable alerts', () => {
  it('shows times in one format everywhere a person reads them', () => {
    expect(displayTime('2026-11-20T10:07:02Z')).toBe('2026-11-20 10:07:02 UTC');
    expect(displayTime('2026-11-20T12:07:02.5+02:00')).toBe('2026-11-20 10:07:02 UTC');
    expect(displayTime('not a time')).toBe('not a time');
    for (const alert of [sampleAlert(), harvestAlert(), digestAlert()]) {
      for (const [name, text] of Object.entries(outputs(alert))) {
        // The raw event (HTML and text part) keeps the record as CloudTrail wrote it.
        const facts = text.split(/Raw event|Show the raw CloudTrail event/)[0];
        expect({ name, iso: ISO_T.test(facts) }).toEqual({ name, iso: false });
        expect(facts).toMatch(/2026-11-20 10:\d{2}:\d{2} UTC/);
      }
    }
    expect(renderJson(sampleAlert()).time).toBe('2026-11-20T10:15:00Z');
  });

  it('labels an unknown account as unknown in every output', () => {
    const alert = sampleAlert({
      account: { id: '123837392027', name: '123837392027', ouPath: '/', known: false },
    });
    for (const [name, text] of Object.entries(outputs(alert))) {
      expect({ name, labelled: text.includes('123837392027 (unknown account)') }).toEqual({
        name,
        labelled: true,
      });
      expect(text).not.toContain('123837392027 (123837392027)');
    }
    expect(renderEmail(alert).subject).toContain('123837392027 (unknown account)');
    expect(renderSns(alert).subject).toContain('123837392027 (unknown account)');
    const named = sampleAlert({ account: { id: '111122223333', name: 'legacy', ouPath: '/', known: false } });
    for (const text of Object.values(outputs(named)))
      expect(text).toContain('legacy (111122223333, unknown account)');
  });

  it('shows the target everywhere', () => {
    for (const [name, text] of Object.entries(outputs(harvestAlert())))
      expect({ name, target: text.includes('secret prod/shared/pagerduty-key') }).toEqual({
        name,
        target: true,
      });
  });

  it('lists the values a value_count correlation counted, in every output', () => {
    const secrets = harvestAlert().correlation!.values!;
    for (const [name, text] of Object.entries(outputs(harvestAlert()))) {
      expect({ name, title: text.includes('Counted values (7)') }).toEqual({ name, title: true });
      for (const secret of secrets)
        expect({ name, secret, shown: text.includes(secret) }).toMatchObject({ shown: true });
    }
    expect(renderJson(harvestAlert()).correlation).toMatchObject({
      type: 'value_count',
      value: 7,
      values: secrets,
    });
  });

  it('states once what all correlated events share', () => {
    const { text, slack } = outputs(harvestAlert());
    expect(text).toContain('same for all: Event: GetSecretValue · Source: secretsmanager.amazonaws.com');
    expect(text.match(/198\.51\.100\.23/g)).toHaveLength(1);
    expect(slack.match(/198\.51\.100\.23/g)).toHaveLength(1);
  });

  it('lists a digest with its entries and the count of exact repeats', () => {
    const alert = digestAlert();
    const { html, text, slack, teams, sns } = outputs(alert);
    const summary =
      '30 targets between 2026-11-20 10:00:00 UTC and 2026-11-20 10:30:00 UTC; 4 exact repeats counted, not listed';
    for (const out of [html, text, slack, teams, sns]) expect(out).toContain(summary);
    // The email and text list every entry: time, target and event ID; chat lists the first ones.
    for (const entry of alert.digest!.entries) {
      for (const out of [html, text]) {
        expect(out).toContain(entry.target);
        expect(out).toContain(entry.eventID!);
        expect(out).toContain(displayTime(entry.time));
      }
    }
    expect(slack).toContain('rtb-0a00 10.0.0.0/16');
    expect(slack).toContain('… and 20 more');
    expect(teams).toContain('rtb-0a09 10.9.0.0/16');
    expect(text).toContain('same for all: Event: CreateRoute');
    expect(renderJson(alert).digest).toMatchObject({ repeats: 4, standalone: true });
    expect((renderJson(alert).digest as { entries: unknown[] }).entries).toHaveLength(30);
  });

  it('says when a digest carried by an alert only counted repeats', () => {
    const alert = {
      ...digestAlert(),
      digest: { ...digestAlert().digest!, entries: [], repeats: 3, standalone: false },
    };
    expect(renderEmail(alert).text).toContain(
      'Digest: No other targets between 2026-11-20 10:00:00 UTC and 2026-11-20 10:30:00 UTC; 3 exact repeats counted, not listed',
    );
  });
});
