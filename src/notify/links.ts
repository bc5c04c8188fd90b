/**
 * The only URLs a notification may contain, each built from validated parts: MITRE ATT&CK
 * technique pages from `attack.tNNNN[.NNN]` tags, and the CloudTrail event-history page of an
 * event (region and event ID validated). No raw event text ever becomes part of a URL.
 */

const ATTACK_TAG = /^attack\.t(\d{4})(?:\.(\d{3}))?$/i;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AttackTechnique {
  /** `T1078` or `T1078.004`. */
  id: string;
  url: string;
}

/** The ATT&CK technique a tag names, or undefined when the tag is not `attack.tNNNN[.NNN]`. */
export function attackTechnique(tag: string): AttackTechnique | undefined {
  const m = ATTACK_TAG.exec(tag);
  if (!m) return undefined;
  const technique = `T${m[1]}`;
  const sub = m[2];
  return {
    id: sub ? `${technique}.${sub}` : technique,
    url: `https://attack.mitre.org/techniques/${technique}/${sub ? `${sub}/` : ''}`,
  };
}

export function isValidRegion(region: unknown): region is string {
  return typeof region === 'string' && region.length <= 32 && REGION.test(region);
}

export function isValidEventId(eventId: unknown): eventId is string {
  return typeof eventId === 'string' && EVENT_ID.test(eventId);
}

/**
 * Checks an operator-supplied base URL (e.g. a partition's console host or rule docs): https only,
 * no credentials, no query or fragment. Throws naming the option when it is not acceptable.
 */
export function checkBaseUrl(option: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${option}: expected an https URL, got an unparsable value`);
  }
  if (url.protocol !== 'https:')
    throw new Error(`${option}: expected an https URL, got protocol ${url.protocol}`);
  if (url.username || url.password) throw new Error(`${option}: credentials are not allowed in the URL`);
  if (url.search || url.hash) throw new Error(`${option}: query and fragment are not allowed in the URL`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * The CloudTrail console event-history page for an event, or undefined when the region or the
 * event ID does not validate. `consoleBaseUrl` (already checked) replaces
 * `https://<region>.console.aws.amazon.com` for other partitions.
 */
export function cloudTrailEventUrl(
  region: unknown,
  eventId: unknown,
  consoleBaseUrl?: string,
): string | undefined {
  if (!isValidRegion(region) || !isValidEventId(eventId)) return undefined;
  const base = consoleBaseUrl ?? `https://${region}.console.aws.amazon.com`;
  return `${base}/cloudtrailv2/home?region=${region}#/events/${eventId.toLowerCase()}`;
}

/** Link to a rule's documentation: `ruleDocsUrl` (already checked) + the rule file's path, each segment encoded. */
export function ruleDocsLink(ruleDocsUrl: string | undefined, ruleFile: string): string | undefined {
  if (!ruleDocsUrl || !ruleFile) return undefined;
  const segments = ruleFile
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  if (segments.length === 0) return undefined;
  return `${ruleDocsUrl}/${segments.map(encodeURIComponent).join('/')}`;
}
