/**
 * How a GuardDuty alert reads in each output: the finding's facts (title, severity, occurrences,
 * resource, id, console link, description) with every finding value cleaned and escaped for the
 * output's syntax; a CloudTrail alert shows no GuardDuty section.
 */
import type { Alert } from '../../src/alerts/alert';
import { checkFinding } from '../../src/guardduty/finding';
import { guardDutyMatch, guardDutyTarget } from '../../src/guardduty/match';
import { renderEmail } from '../../src/notify/render-email';
import { renderJson } from '../../src/notify/render-json';
import { renderSlack } from '../../src/notify/render-slack';
import { renderSns } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import { renderText } from '../../src/notify/render-text';
import { sampleAlert } from '../notify/fixtures';
import { finding, PROD_ACCOUNT } from './fixtures';

function alertOf(f: Record<string, unknown>): Alert {
  const m = guardDutyMatch(checkFinding(f), { file: 'findings.json', index: 0 });
  return {
    id: 'a1',
    kind: 'event',
    rule: m.rule,
    level: m.rule.level,
    time: String(m.record.eventTime),
    account: { id: PROD_ACCOUNT, name: 'payments-prod', ouPath: '/Workloads/Production', known: true },
    actor: {
      type: 'IAMUser',
      id: 'arn:aws:iam::444455556666:user/ci-deployer',
      identifiers: [],
      display: 'user/ci-deployer',
    },
    region: String(m.record.awsRegion),
    eventName: String(m.record.eventName),
    eventSource: String(m.record.eventSource),
    eventID: String(m.record.eventID),
    event: m.record,
    target: guardDutyTarget(m.guardDuty!),
    guardDuty: m.guardDuty,
  };
}

const CONSOLE =
  'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=5ac8f2e41b7d4c09a3e6d1f0b2c47e91';

describe('a GuardDuty alert in each output', () => {
  const alert = alertOf(finding({ service: { ...(finding().service as object), count: 12 } }));

  it('text and SNS: the finding section with severity, occurrences and the console link', () => {
    for (const text of [renderText(alert), renderSns(alert).message]) {
      expect(text).toContain('GuardDuty:');
      expect(text).toContain('Severity: 7.5 (High)');
      expect(text).toContain('Occurrences: 12');
      expect(text).toContain('Finding ID: 5ac8f2e41b7d4c09a3e6d1f0b2c47e91');
      expect(text).toContain('Resource: AccessKey AKIAEXAMPLEKEY000001 (user ci-deployer)');
      expect(text).toContain(`Console: ${CONSOLE}`);
    }
  });

  it('email: a GuardDuty table with a console link; Slack: a finding block; JSON: the facts', () => {
    const email = renderEmail(alert);
    expect(email.html).toContain('GuardDuty finding');
    expect(email.html).toContain(`href="${CONSOLE.replace(/&/g, '&amp;')}"`);
    expect(email.text).toContain('Occurrences: 12');
    const slack = JSON.stringify(renderSlack(alert));
    expect(slack).toContain('*GuardDuty finding*');
    expect(slack).toContain('Open the finding in GuardDuty');
    const teams = JSON.stringify(renderTeams(alert));
    expect(teams).toContain('GuardDuty finding');
    expect(teams).toContain(
      JSON.stringify({ type: 'Action.OpenUrl', title: 'Open in GuardDuty', url: CONSOLE }),
    );
    const json = renderJson(alert);
    expect(json.guardDuty).toMatchObject({
      findingId: '5ac8f2e41b7d4c09a3e6d1f0b2c47e91',
      count: 12,
      severity: 7.5,
    });
    expect((json.guardDuty as { consoleUrl: string }).consoleUrl).toBe(CONSOLE);
  });

  it('escapes and defangs the finding values (title, description, resource)', () => {
    const hostile = alertOf(
      finding({
        title: '<img src=x onerror=alert(1)> `tick` <https://evil.example|click> @channel',
        description: 'line one\nFinding ID: forged\n</td><script>alert(1)</script> https://evil.example/x',
        resource: { resourceType: 'S3Bucket', s3BucketDetails: [{ name: 'www.evil.example' }] },
      }),
    );
    const email = renderEmail(hostile).html;
    expect(email).not.toMatch(/<script|<img/i);
    expect(email).toContain('&lt;img src=x');
    expect(email).toContain('hxxps://evil[.]example');
    const text = renderText(hostile);
    // A forged label in the description stays indented under it, never a line of its own.
    expect(text).not.toMatch(/^Finding ID: forged/m);
    expect(text).not.toContain('https://evil.example');
    expect(text).toContain('Resource: S3Bucket www[.]evil[.]example');
    const slack = JSON.stringify(renderSlack(hostile));
    expect(slack).not.toContain('<https://evil.example|click>');
    expect(slack).not.toContain('@channel');
    expect(slack).not.toMatch(/<script/);
    const teams = JSON.stringify(renderTeams(hostile));
    // Teams Markdown: every `<` escaped, every scheme broken and defanged.
    expect(teams).toContain('\\\\<img');
    expect(teams).not.toMatch(/(?<!\\)<img/);
    expect(teams).not.toContain('https://evil');
    // Machines get the values as written, but only inside JSON strings.
    expect((renderJson(hostile).guardDuty as { title: string }).title).toContain('<img');
  });

  it('a console link only from a checked region and finding id', () => {
    const odd = alertOf(finding());
    odd.region = 'us-east-1/../evil';
    expect(renderText(odd)).not.toContain('Console:');
  });

  it('a CloudTrail alert has no GuardDuty section', () => {
    const text = renderText(sampleAlert());
    expect(text).not.toContain('GuardDuty:');
    expect(renderJson(sampleAlert()).guardDuty).toBeUndefined();
  });
});
