/** Tests for routing: minLevel, rule references, tags, correlationsOnly, order and de-duplication. */
import type { Alert } from '../../src/alerts/alert';
import { routeAlert, type Route } from '../../src/org/routing';
import type { Level } from '../../src/core';
import type { RuleMeta } from '../../src/sigma/model';

const rule: RuleMeta = {
  id: 'rule-1',
  title: 'AWS CloudTrail Important Change',
  level: 'medium',
  tags: ['attack.defense-evasion', 'attack.t1562.008'],
  references: [],
  falsepositives: [],
  file: 'rules/sigma/cloudtrail/important_change.yml',
  line: 1,
};

function alert(level: Level, kind: Alert['kind'] = 'event', r: RuleMeta = rule): Alert {
  return {
    id: 'a',
    kind,
    rule: r,
    level,
    time: '2026-11-23T12:00:00Z',
    account: { id: '444444444444', name: 'payments-prod', ouPath: '/Workloads/Production', known: true },
    actor: {
      type: 'IAMUser',
      id: 'arn:aws:iam::444444444444:user/alice',
      identifiers: [],
      display: 'user/alice',
    },
    event: {},
  };
}

describe('routeAlert', () => {
  it('routes by minLevel', () => {
    const routes: Route[] = [
      { to: ['soc-email'], minLevel: 'medium' },
      { to: ['prod-pager'], minLevel: 'high' },
    ];
    expect(routeAlert(alert('low'), routes)).toEqual([]);
    expect(routeAlert(alert('medium'), routes)).toEqual(['soc-email']);
    expect(routeAlert(alert('critical'), routes)).toEqual(['soc-email', 'prod-pager']);
  });

  it('de-duplicates destinations in route order', () => {
    const routes: Route[] = [{ to: ['b', 'a'] }, { to: ['a', 'c'] }];
    expect(routeAlert(alert('informational'), routes)).toEqual(['b', 'a', 'c']);
  });

  it('filters by rule id, title, wildcard and path glob', () => {
    for (const ref of [
      'rule-1',
      'aws cloudtrail important change',
      'AWS CloudTrail *',
      'sigma/cloudtrail/**',
    ]) {
      expect(routeAlert(alert('low'), [{ to: ['x'], rules: ['something else', ref] }])).toEqual(['x']);
    }
    expect(routeAlert(alert('low'), [{ to: ['x'], rules: ['sigma/iam/**', 'rule-2'] }])).toEqual([]);
  });

  it('filters by tag (wildcards allowed), and all given filters must hold', () => {
    expect(routeAlert(alert('low'), [{ to: ['x'], tags: ['attack.t1562*'] }])).toEqual(['x']);
    expect(routeAlert(alert('low'), [{ to: ['x'], tags: ['attack.t1078'] }])).toEqual([]);
    expect(
      routeAlert(alert('low'), [{ to: ['x'], tags: ['attack.defense-evasion'], minLevel: 'high' }]),
    ).toEqual([]);
    expect(routeAlert(alert('low', 'event', { ...rule, tags: [] }), [{ to: ['x'], tags: ['*'] }])).toEqual(
      [],
    );
  });

  it('sends correlationsOnly routes only correlation alerts', () => {
    const routes: Route[] = [{ to: ['pager'], correlationsOnly: true }];
    expect(routeAlert(alert('high'), routes)).toEqual([]);
    expect(routeAlert(alert('high', 'correlation'), routes)).toEqual(['pager']);
  });

  it('returns nothing without routes (unrouted)', () => {
    expect(routeAlert(alert('critical'), [])).toEqual([]);
  });
});
