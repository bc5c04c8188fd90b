/**
 * How `trailalerts hunt --wait` and `hunt-results` print: the progress line while waiting, the
 * summary as a table or as JSON. Every text taken from the results (CloudTrail values, S3 keys,
 * Step Functions errors) is cleaned for the terminal (safeText) or escaped in the JSON.
 */
import { shellQuote, type HuntSummary, type WaitProgress } from '../../src/hunt/results';
import { safeText } from '../../src/notify';

const n = (v: number) => v.toLocaleString('en-US');

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}

/** One progress line: `hunt-…: RUNNING 3m12s, prefixes 120/400 done, 2 failed`. */
export function formatProgress(p: WaitProgress): string {
  const name = p.execution.name ?? p.execution.executionArn.split(':').pop() ?? '';
  let line = `${safeText(name, 80)}: ${safeText(p.execution.status, 20)} ${formatDuration(p.elapsedMs)}`;
  if (p.mapRun) {
    const i = p.mapRun.items;
    line += `, prefixes ${i.succeeded + i.failed}/${i.total} done`;
    if (i.failed > 0) line += `, ${i.failed} failed`;
  }
  if (p.retrying) line += ` (describe failed, retrying: ${safeText(p.retrying, 120)})`;
  return line;
}

/** JSON of the summary with C1 controls and bidi marks escaped too (JSON.stringify escapes only C0). */
export function summaryJson(summary: HuntSummary): string {
  return JSON.stringify(summary, null, 2).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function incompleteReasons(s: HuntSummary): string[] {
  const reasons: string[] = [];
  if (s.status !== 'SUCCEEDED') reasons.push(`the execution ${safeText(s.status, 20)}`);
  if (s.resultsProblem) reasons.push('no results were read');
  if (s.totals.unreadableObjects > 0)
    reasons.push(`${n(s.totals.unreadableObjects)} objects unread (retried, then left to hunt again)`);
  if (s.rerun.prefixes.length > 0) reasons.push(`${n(s.rerun.prefixes.length)} prefixes to hunt again`);
  if (s.rerun.unknownBatches > 0)
    reasons.push(`${n(s.rerun.unknownBatches)} batches or files with unknown prefixes`);
  if (s.problemCount > 0) reasons.push(`${n(s.problemCount)} result file problems`);
  return reasons.length > 0 ? reasons : ['see above'];
}

function header(s: HuntSummary): string[] {
  const out: string[] = [];
  const id = s.hunt?.huntId ?? s.executionArn.split(':').pop() ?? '';
  const window = s.hunt ? ` ${s.hunt.since} .. ${s.hunt.until}, ${s.hunt.mode} mode` : '';
  out.push(`hunt ${safeText(id, 80)}: ${safeText(s.status, 20)}${window}`);
  if (s.hunt)
    out.push(
      `  rules:      ${s.hunt.rules.length > 0 ? s.hunt.rules.map((r) => safeText(r, 100)).join(', ') : 'all shipped rules'}`,
    );
  out.push(`  execution:  ${s.executionArn}`);
  if (s.startDate) out.push(`  ran:        ${s.startDate} .. ${s.stopDate ?? '(running)'}`);
  if (s.error !== undefined || s.cause !== undefined)
    out.push(`  error:      ${safeText(s.error ?? '', 200)}${s.cause ? `: ${safeText(s.cause, 2000)}` : ''}`);
  if (s.results)
    out.push(
      `  results:    s3://${s.results.bucket}/${safeText(s.results.manifestKey, 300)} (${s.results.files} files)`,
    );
  if (s.resultsProblem) out.push(`  results:    none read: ${safeText(s.resultsProblem, 500)}`);
  if (s.huntProblem) out.push(`  note:       ${safeText(s.huntProblem, 200)} (no re-run command)`);
  const b = s.batches;
  out.push(
    `  batches:    ${n(b.succeeded)} succeeded, ${n(b.failed)} failed, ${n(b.pending)} never ran, ${n(b.malformed)} malformed`,
  );
  const t = s.totals;
  const notRead = [
    ...(t.outsideWindowObjects > 0
      ? [`${n(t.outsideWindowObjects)} log objects delivered outside the window`]
      : []),
    ...(t.skippedObjects > 0 ? [`${n(t.skippedObjects)} other keys (digests, Insights, other files)`] : []),
  ];
  out.push(
    `  read:       ${n(t.prefixes)} prefixes, ${n(t.objects)} objects, ${n(t.records)} records (${n(t.outOfRange)} outside the window)` +
      (notRead.length > 0 ? `; not read: ${notRead.join(', ')}` : ''),
  );
  const problems = [
    ...(t.damagedObjects > 0 ? [`damaged objects: ${n(t.damagedObjects)}`] : []),
    ...(t.unreadableObjects > 0 ? [`unread objects: ${n(t.unreadableObjects)}`] : []),
    ...(t.truncatedMatches > 0 ? [`sent without their largest fields: ${n(t.truncatedMatches)}`] : []),
  ];
  out.push(`  matches:    ${n(t.matches)}${problems.map((p) => `   ${p}`).join('')}`);
  return out;
}

function objectList(title: string, list: HuntSummary['damaged'], total: number, note: string): string[] {
  if (list.length === 0) return [];
  const more = total > list.length ? ` (the first ${list.length} by key)` : '';
  const out = ['', `${title}: ${n(total)}${more}; ${note}`];
  for (const d of list)
    out.push(`  ${safeText(d.key, 300)}`, ...d.problems.map((p) => `    ${safeText(p, 300)}`));
  return out;
}

function redriveLines(s: HuntSummary, rerun: boolean): string[] {
  if (!s.redrive) return [];
  if (!s.redrive.offered) return ['', `redrive: not possible (${safeText(s.redrive.reason ?? '', 300)})`];
  return [
    '',
    'resume it (Step Functions runs again only the batches that did not succeed; nothing read is read again):',
    `  ${s.redrive.command ?? ''}`,
    ...(rerun ? ['  or hunt again what was not read (below)'] : []),
  ];
}

function rerunLines(s: HuntSummary): string[] {
  if (s.rerun.prefixes.length === 0 && s.rerun.unknownBatches === 0) return redriveLines(s, false);
  const out = [...redriveLines(s, true), ''];
  if (s.rerun.prefixes.length > 0)
    out.push(
      `hunt again: ${n(s.rerun.prefixes.length)} prefixes (${n(s.unfinished.length)} unfinished, ${n(s.unreadablePrefixes.length)} with unread objects, the rest from failed, never-run or malformed batches)`,
    );
  if (s.rerun.unknownBatches > 0)
    out.push(
      `  ${n(s.rerun.unknownBatches)} batches or result files could not be tied to prefixes: hunt the whole range again to be sure`,
    );
  if (s.rerun.command) {
    if (s.rerun.prefixesFile)
      out.push(
        `  write the prefixes to ${safeText(s.rerun.prefixesFile, 200)} (trailalerts hunt-results --execution ${s.executionArn} --rerun-file ${shellQuote(s.rerun.prefixesFile)}), then:`,
      );
    out.push(`  ${s.rerun.command}`);
  }
  return out;
}

/** The summary as text for a terminal; every text from the results is cleaned of control characters. */
export function formatSummary(s: HuntSummary): string {
  const out = header(s);
  const t = s.totals;
  if (s.byRule.length > 0) {
    out.push('', 'matches per rule');
    out.push(
      ...table(
        ['count', 'rule', 'id'],
        s.byRule.map((r) => [n(r.count), safeText(r.title, 70), safeText(r.ruleId, 40)]),
      ),
    );
  }
  if (s.listed.length > 0) {
    out.push(
      '',
      `first ${s.listed.length} matches by event time (of ${n(t.matches)}; the workers list up to 100 per batch)`,
    );
    out.push(
      ...table(
        ['time', 'account', 'rule', 'eventID', 'source'],
        s.listed.map((m) => [
          safeText(m.eventTime, 30),
          safeText(m.accountId, 14),
          safeText(m.title, 50),
          safeText(m.eventID, 40),
          safeText(m.source, 120),
        ]),
      ),
    );
  }
  out.push(
    ...objectList('damaged objects', s.damaged, t.damagedObjects, 'their good records were read'),
    ...objectList(
      'unread objects',
      s.unreadable,
      t.unreadableObjects,
      'S3, KMS or network errors that retries did not overcome: fix the cause if it lasts (a grant, a policy), then hunt their prefixes again',
    ),
  );
  if (s.failedBatches.length > 0) {
    out.push('', `failed or never-run batches: ${n(s.batches.failed + s.batches.pending)}`);
    for (const f of s.failedBatches) {
      out.push(
        `  ${safeText(f.name, 100)} ${safeText(f.status, 20)}: ${safeText(f.error ?? '', 200)}${f.cause ? ` ${safeText(f.cause, 500)}` : ''}`,
      );
      out.push(...f.prefixes.slice(0, 3).map((p) => `    ${safeText(p, 300)}`));
      if (f.prefixes.length > 3) out.push(`    … ${f.prefixes.length - 3} more`);
    }
  }
  if (s.unknownRules.length > 0)
    out.push(
      '',
      `rule references that matched no shipped rule: ${s.unknownRules.map((r) => safeText(r, 100)).join(', ')}`,
    );
  if (s.problemCount > 0) {
    out.push('', `result file problems: ${n(s.problemCount)}`);
    out.push(...s.problems.map((p) => `  ${safeText(p, 500)}`));
  }
  out.push(...rerunLines(s));
  out.push(
    '',
    s.complete ? 'complete: every object was read' : `incomplete: ${incompleteReasons(s).join(', ')}`,
  );
  return `${out.join('\n')}\n`;
}
