/** A small independent MIME reader for tests: headers, RFC 2047 subjects and base64 multipart parts. */

export interface ParsedMime {
  headers: [string, string][];
  header(name: string): string | undefined;
  parts: { contentType: string; body: string }[];
}

/** Decodes `=?UTF-8?B?…?=` words (the only kind buildMime writes). */
export function decodeWords(value: string): string {
  const unfolded = value.replace(/\r\n /g, ' ');
  return unfolded.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=(\s+(?==\?))?/g, (_m, b64: string) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
}

export function parseMime(eml: string): ParsedMime {
  const split = eml.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('no header/body separator');
  const headerText = eml.slice(0, split);
  const body = eml.slice(split + 4);
  const headers: [string, string][] = [];
  for (const line of headerText.split('\r\n')) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      headers[headers.length - 1][1] += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const header = (name: string): string | undefined =>
    headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  const boundary = /boundary="([^"]+)"/.exec(header('Content-Type') ?? '')?.[1];
  if (!boundary) throw new Error('no boundary');
  const sections = body.split(`--${boundary}`);
  if (!sections[sections.length - 1].startsWith('--')) throw new Error('no closing boundary');
  const parts = sections.slice(1, -1).map((section) => {
    const s = section.replace(/^\r\n/, '');
    const end = s.indexOf('\r\n\r\n');
    const partHeaders = s.slice(0, end);
    const contentType = /Content-Type: ([^;\r\n]+)/.exec(partHeaders)?.[1] ?? '';
    if (!/Content-Transfer-Encoding: base64/.test(partHeaders)) throw new Error('part not base64');
    const encoded = s.slice(end + 4).replace(/\r\n/g, '');
    if (!/^[A-Za-z0-9+/=]*$/.test(encoded)) throw new Error('invalid base64 in part');
    return { contentType, body: Buffer.from(encoded, 'base64').toString('utf8') };
  });
  return { headers, header, parts };
}
