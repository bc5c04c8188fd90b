// Tests for scripts/rules-table.ts: rows from rule front matter, Markdown rendering, README update.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collectRows,
  renderTable,
  replaceTable,
  rowFromDocument,
  TABLE_END,
  TABLE_START,
} from '../../scripts/rules-table';

describe('rules-table', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rules-table-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('extracts CIS, ATT&CK and Stratus coverage from tags and references', () => {
    const row = rowFromDocument(
      {
        title: 'Trail | stopped',
        level: 'high',
        tags: ['attack.defense-evasion', 'attack.t1562.008', 'cis.aws.4.5', 'attack.T1078'],
        references: [
          'https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-stop/',
        ],
      },
      'sigma/cloudtrail/x.yml',
    );
    expect(row).toEqual({
      title: 'Trail | stopped',
      file: 'sigma/cloudtrail/x.yml',
      kind: 'rule',
      level: 'high',
      cis: ['4.5'],
      attack: ['T1562.008', 'T1078'],
      stratus: ['aws.defense-evasion.cloudtrail-stop'],
    });
    expect(renderTable([row!])).toContain('| Trail \\| stopped | `sigma/cloudtrail/x.yml` | high | 4.5 |');
  });

  it('ignores documents without a title and tolerates missing fields', () => {
    expect(rowFromDocument(null, 'a.yml')).toBeUndefined();
    expect(rowFromDocument(['x'], 'a.yml')).toBeUndefined();
    expect(rowFromDocument({ action: 'global' }, 'a.yml')).toBeUndefined();
    expect(rowFromDocument({ title: 'T', tags: 'not-a-list' }, 'a.yml')).toMatchObject({
      level: '',
      cis: [],
      attack: [],
    });
  });

  it('reads every YAML document under a directory, sorted by file, and reports broken files', () => {
    mkdirSync(join(dir, 'sigma', 'b'), { recursive: true });
    mkdirSync(join(dir, 'correlations'), { recursive: true });
    writeFileSync(join(dir, 'sigma', 'b', 'two.yml'), 'title: Two\nlevel: low\n');
    writeFileSync(
      join(dir, 'correlations', 'burst.yml'),
      'title: Base\nlevel: low\n---\ntitle: Burst\ncorrelation: { type: event_count }\nlevel: high\n',
    );
    writeFileSync(join(dir, 'sigma', 'broken.yml'), 'title: [unclosed\n');
    writeFileSync(join(dir, 'sigma', 'b', 'two_tests.json'), '{}');
    const { rows, problems } = collectRows(dir);
    expect(rows.map((r) => `${r.file}:${r.title}:${r.kind}`)).toEqual([
      'correlations/burst.yml:Base:rule',
      'correlations/burst.yml:Burst:correlation',
      'sigma/b/two.yml:Two:rule',
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0].file).toBe('sigma/broken.yml');
  });

  it('replaces only the text between the markers, and names the markers when they are missing', () => {
    const readme = `# Pack\n${TABLE_START}\nold\n${TABLE_END}\nafter\n`;
    expect(replaceTable(readme, 'NEW')).toBe(`# Pack\n${TABLE_START}\nNEW\n${TABLE_END}\nafter\n`);
    expect(() => replaceTable('# no markers', 'NEW')).toThrow(TABLE_START);
  });
});
