/** Test fixtures for notify/: a realistic alert, and one whose every event-derived value is hostile. */
import type { Alert } from '../../src/alerts/alert';
import type { RuleMeta } from '../../src/sigma/model';

export const EVENT_ID = '3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c';

export function sampleRule(overrides: Partial<RuleMeta> = {}): RuleMeta {
  return {
    id: 'b3f0c9a2-0000-4000-8000-000000000001',
    title: 'AWS Console Login Without MFA',
    level: 'high',
    description: 'Detects a console login by an IAM user without MFA.',
    tags: [
      'attack.initial-access',
      'attack.t1078.004',
      'attack.t1556',
      'attack.T9999.1234',
      'detection.threat-hunting',
    ],
    references: [],
    falsepositives: [],
    file: 'rules/sigma/aws_console_login_no_mfa.yml',
    line: 1,
    ...overrides,
  };
}

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  const event = {
    eventVersion: '1.08',
    eventTime: '2026-11-20T10:15:00Z',
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    eventID: EVENT_ID,
    recipientAccountId: '444455556666',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/alice', userName: 'alice' },
    additionalEventData: { MFAUsed: 'No' },
    responseElements: { ConsoleLogin: 'Success' },
  };
  return {
    id: 'a1b2c3d4e5f60718',
    kind: 'event',
    rule: sampleRule(),
    level: 'high',
    time: '2026-11-20T10:15:00Z',
    account: { id: '444455556666', name: 'payments-prod', ouPath: '/Workloads/Production', known: true },
    actor: {
      type: 'IAMUser',
      id: 'arn:aws:iam::444455556666:user/alice',
      userName: 'alice',
      accountId: '444455556666',
      identifiers: ['arn:aws:iam::444455556666:user/alice', 'alice'],
      display: 'user/alice',
    },
    region: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    eventID: EVENT_ID,
    requestParameters: { bucketName: 'acme-logs', policy: { Statement: [{ Effect: 'Allow' }] } },
    event,
    ipContext: {
      ip: '203.0.113.7',
      vpn: true,
      tor: false,
      country: 'Germany',
      countryCode: 'DE',
      city: 'Berlin',
      asn: 'AS3320',
      isp: 'Deutsche Telekom',
    },
    suppressedSince: { count: 3, since: '2026-11-20T09:00:00Z' },
    ...overrides,
  };
}

/** Payloads planted in every event-derived field. Executing any of them sets window.__pwned. */
export const PAYLOADS = {
  script: '<script>window.__pwned=1</script>',
  img: '<img src=x onerror="window.__pwned=2">',
  jsUrl: 'javascript:window.__pwned=3',
  style: '</style><style>body{background:url(https://evil.example/x.png)}</style>',
  svg: '"><svg onload=window.__pwned=4>',
  details: '</pre></details><iframe src="https://evil.example/"></iframe>',
  css: 'x" style="width:expression(window.__pwned=5);background:url(https://evil.example/css)',
  bidi: 'invoice\u202Egpj.exe\u2066hidden\u2069',
  crlf: 'line1\r\nBcc: victim@evil.example\r\n\r\n<b>body</b>',
  slack: '<!channel> @here <https://evil.example|click me> <@U123>',
  teams: '[click](https://evil.example) <at>everyone</at> {{DATE(2017-02-14T06:08:39Z,SHORT)}} **bold**',
  attr: "' onmouseover='window.__pwned=6' x='",
  long: 'A'.repeat(20000),
} as const;

export const ALL_PAYLOADS = Object.values(PAYLOADS).join(' ');

export function hostileAlert(): Alert {
  const base = sampleAlert();
  const p = ALL_PAYLOADS;
  const event = {
    ...base.event,
    userAgent: p,
    errorMessage: p,
    eventName: PAYLOADS.svg,
    requestParameters: {
      name: p,
      nested: { html: PAYLOADS.script, url: PAYLOADS.jsUrl },
      long: PAYLOADS.long,
    },
  };
  return {
    ...base,
    id: `${PAYLOADS.crlf}../../etc/passwd`,
    time: PAYLOADS.crlf,
    rule: sampleRule({
      title: `Rule ${PAYLOADS.script} ${PAYLOADS.crlf}`,
      description: p,
      id: PAYLOADS.img,
      tags: ['attack.t1078', PAYLOADS.jsUrl, `attack.t1078${PAYLOADS.svg}`, 'attack.t1556.004'],
      file: `../${PAYLOADS.jsUrl}`,
    }),
    account: {
      id: '123456789012\r\nX: y',
      name: `${PAYLOADS.svg} ${PAYLOADS.bidi} ${PAYLOADS.slack}`,
      ouPath: `/${PAYLOADS.details}`,
      known: false,
    },
    actor: {
      type: PAYLOADS.attr,
      id: PAYLOADS.img,
      identifiers: [],
      display: `${PAYLOADS.img} ${PAYLOADS.teams} ${PAYLOADS.slack}`,
      roleArn: PAYLOADS.script,
    },
    region: 'us-east-1"><script>window.__pwned=7</script>',
    sourceIPAddress: PAYLOADS.css,
    userAgent: p,
    eventName: PAYLOADS.svg,
    eventSource: PAYLOADS.style,
    eventID: `${EVENT_ID}"><script>`,
    errorCode: PAYLOADS.attr,
    errorMessage: p,
    requestParameters: event.requestParameters,
    event,
    ipContext: {
      ip: PAYLOADS.img,
      vpn: true,
      proxy: true,
      tor: true,
      relay: true,
      country: PAYLOADS.script,
      city: PAYLOADS.bidi,
      asn: PAYLOADS.jsUrl,
      isp: PAYLOADS.slack,
    },
    correlation: {
      type: 'event_count',
      groupBy: { [PAYLOADS.script]: PAYLOADS.svg },
      value: 12,
      events: Array.from({ length: 60 }, (_, i) => ({
        eventID: `${PAYLOADS.details}${i}`,
        eventTime: PAYLOADS.crlf,
        eventName: PAYLOADS.svg,
        eventSource: PAYLOADS.style,
        sourceIPAddress: PAYLOADS.css,
        actor: PAYLOADS.slack,
        accountId: PAYLOADS.attr,
        ruleTitle: PAYLOADS.teams,
      })),
    },
    suppressedSince: { count: 2, since: PAYLOADS.script },
    kind: 'correlation',
  };
}
