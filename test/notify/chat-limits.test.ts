/**
 * Chat payloads stay under their platform's limits whatever the event holds, cutting event values
 * first and saying so: Teams 28 KB per message (kept to 20,000 bytes), Slack's per-block limits and
 * its total for blocks, SNS 256 KB with attributes. The multi-byte correlation is the kind that
 * once made a 33,686-byte Teams card.
 */
import { renderSlack, SLACK_LIMITS, slackTextLength, type SlackMessage } from '../../src/notify/render-slack';
import { renderSns, snsPublishInput, SNS_MAX_BYTES } from '../../src/notify/render-sns';
import { renderTeams, TEAMS_BUDGET_BYTES, TEAMS_MAX_BYTES } from '../../src/notify/render-teams';
import { hostileAlert, sampleAlert } from './fixtures';
import { digestAlert, harvestAlert, multibyteCorrelation, phishingAlert } from './scenarios';

const bytes = (payload: unknown): number => Buffer.byteLength(JSON.stringify(payload), 'utf8');

const cases = [
  ['a plain event', sampleAlert()],
  ['the phishing event', phishingAlert()],
  ['a secrets-harvesting correlation', harvestAlert()],
  ['a digest of 30 routes', digestAlert()],
  ['a correlation with long multi-byte actors', multibyteCorrelation()],
  ['every hostile payload', hostileAlert()],
] as const;

function expectSlackLimits(msg: SlackMessage): void {
  expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(msg.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(slackTextLength(msg)).toBeLessThanOrEqual(SLACK_LIMITS.totalText);
  for (const block of msg.blocks) {
    if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
    for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
    expect((block.elements ?? []).length).toBeLessThanOrEqual(10);
    for (const t of [block.text, ...(block.fields ?? []), ...(block.elements ?? [])])
      if (t) expect(t.text.length).toBeGreaterThan(0);
  }
}

describe('chat payload size limits', () => {
  it.each(cases)('Teams: %s stays under 28 KB', (_label, alert) => {
    const size = bytes(renderTeams(alert));
    expect(size).toBeLessThanOrEqual(TEAMS_BUDGET_BYTES);
    expect(size).toBeLessThan(TEAMS_MAX_BYTES);
  });

  it.each(cases)('Slack: %s keeps to every block limit', (_label, alert) => {
    expectSlackLimits(renderSlack(alert));
  });

  it.each(cases)('SNS: %s stays under 256 KB with its attributes', (_label, alert) => {
    const input = snsPublishInput(alert, 'arn:aws:sns:us-east-1:111122223333:t');
    expect(bytes(input)).toBeLessThan(SNS_MAX_BYTES);
    expect(input.Message.length).toBeLessThanOrEqual(16_000);
  });

  it('Teams: the multi-byte correlation is cut, says so, and still names the alert', () => {
    const card = renderTeams(multibyteCorrelation()).attachments[0].content;
    const text = JSON.stringify(card);
    expect(text).toContain('shortened or left out to fit the Teams message size limit');
    expect(text).toContain('Correlation');
    expect(text).toContain('AWS Console Login Without MFA');
    // Event values are cut before the lists go: some events are still listed.
    expect(text).toContain('3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b00');
  });

  it('Slack and SNS say so when values were cut to fit', () => {
    expect(JSON.stringify(renderSlack(multibyteCorrelation()))).toContain('fit the Slack message size limit');
    const many = {
      ...multibyteCorrelation(),
      correlation: {
        ...multibyteCorrelation().correlation!,
        events: Array.from({ length: 50 }, (_, i) => ({ eventID: `e${i}`, actor: 'x'.repeat(5000) })),
      },
    };
    expect(renderSns(many).message.length).toBeLessThanOrEqual(16_000);
  });

  it('a small alert is not cut and carries no note', () => {
    expect(JSON.stringify(renderTeams(sampleAlert()))).not.toContain('shortened');
    expect(JSON.stringify(renderSlack(harvestAlert()))).not.toContain('shortened');
    expect(renderSns(digestAlert()).message).not.toContain('shortened');
  });
});
