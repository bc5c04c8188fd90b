/** What an execution says about its hunt: its ARN's parts and the hunt parameters of its input. */
import { isProblem } from '../../../src/core';
import { parseExecutionArn, parseHuntRun } from '../../../src/hunt/results';
import { EXECUTION, executionInput, HUNT_ID, STATE_MACHINE } from '../fixtures';

const problemOf = (input: string | undefined) => {
  const parsed = parseHuntRun(input);
  return isProblem(parsed) ? parsed.problem : undefined;
};

describe('parseHuntRun', () => {
  it('reads the hunt parameters from the execution input', () => {
    expect(parseHuntRun(executionInput())).toEqual({
      huntId: HUNT_ID,
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'report',
      rules: [],
    });
    expect(problemOf(undefined)).toBe('the execution input is not available');
    expect(problemOf('nope')).toBe('the execution input is not JSON');
    expect(problemOf(executionInput({ since: 'yesterday' }))).toContain('since');
    expect(problemOf(executionInput({ mode: 'delete' }))).toContain('mode');
    // An execution started before alert mode had its name: its input says "pipeline".
    expect(parseHuntRun(executionInput({ mode: 'pipeline' }))).toMatchObject({ mode: 'alert' });
    expect(problemOf(executionInput({ rules: [{}] }))).toContain('rules');
  });
});

describe('parseExecutionArn', () => {
  it('parses execution ARNs and refuses others', () => {
    expect(parseExecutionArn(EXECUTION)).toEqual({
      region: 'eu-west-1',
      account: '222222222222',
      stateMachine: 'trailalerts-retro-hunt',
      name: HUNT_ID,
    });
    expect(() => parseExecutionArn(STATE_MACHINE)).toThrow(/--execution: expected arn:aws:states/);
  });
});
