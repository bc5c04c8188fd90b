/**
 * A minimal RFC 5322 / MIME writer for the outbox `.eml` files: a multipart/alternative message
 * (text/plain then text/html, both UTF-8, base64), the subject RFC 2047-encoded. Header values
 * never carry CR or LF; addresses are checked before they are written.
 */
import { randomBytes } from 'node:crypto';
import { headerSafe } from './sanitize';

export interface MimeMessage {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  date?: Date;
  /** Extra `X-` headers (names must be `X-` tokens; values are made header-safe). */
  headers?: Record<string, string>;
}

const ADDRESS = /^[^\s<>()@,;:"\\[\]]+@[A-Za-z0-9.-]+$/;

/** Checks a plain `local@domain` address (no display names, no CR/LF); throws naming the field. */
export function checkAddress(field: string, address: string): string {
  if (typeof address !== 'string' || address.length > 320 || !ADDRESS.test(address)) {
    throw new Error(`${field}: expected an email address like name@example.com`);
  }
  return address;
}

/** RFC 2047 encoded-words (UTF-8, base64), each at most 75 characters, folded onto new lines. */
export function encodeHeaderWords(value: string): string {
  const safe = headerSafe(value, 998);
  if (/^[\x20-\x7e]*$/.test(safe) && !safe.includes('=?')) return safe;
  const words: string[] = [];
  let chunk = '';
  // 45 bytes of UTF-8 → 60 base64 characters → 72 with `=?UTF-8?B?` and `?=`.
  for (const ch of safe) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

const base64Lines = (text: string): string =>
  (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? ['']
  ).join('\r\n');

/** Builds the message text with CRLF line endings. */
export function buildMime(message: MimeMessage): string {
  const from = checkAddress('from', message.from);
  const to = message.to.map((a, i) => checkAddress(`to[${i}]`, a));
  const cc = (message.cc ?? []).map((a, i) => checkAddress(`cc[${i}]`, a));
  const boundary = `=_trailalerts_${randomBytes(12).toString('hex')}`;
  const date = message.date && !Number.isNaN(message.date.getTime()) ? message.date : new Date();
  const headers = [
    `From: ${from}`,
    `To: ${to.join(', ')}`,
    ...(cc.length ? [`Cc: ${cc.join(', ')}`] : []),
    `Subject: ${encodeHeaderWords(message.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@trailalerts.local>`,
    'MIME-Version: 1.0',
    ...Object.entries(message.headers ?? {}).map(([name, value]) => {
      if (!/^X-[A-Za-z0-9-]+$/.test(name))
        throw new Error(`header ${JSON.stringify(name)}: expected an X- header name`);
      return `${name}: ${encodeHeaderWords(value)}`;
    }),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const part = (type: string, body: string): string =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(body),
    ].join('\r\n');
  return [
    ...headers,
    '',
    'This is a multi-part message in MIME format.',
    part('text/plain', message.text),
    part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
