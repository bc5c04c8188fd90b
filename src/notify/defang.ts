/**
 * Defanging: URLs and domain names taken from events are made unclickable for people, the way
 * threat reports write them: `https://evil.example/x` → `hxxps://evil[.]example/x`,
 * `www.evil.example` → `www[.]evil[.]example`, `alice@evil.example` → `alice@evil[.]example`.
 * Mail clients, Slack and Teams auto-link a scheme, a `www.` prefix or a bare domain; a bracketed
 * dot and an unknown scheme give them nothing to link. IP addresses, ARNs and AWS service names
 * (`iam.amazonaws.com`) stay as they are: none of them is a link anyone could be lured to.
 * Only for text a person reads: machine outputs (the JSON webhook) keep the raw values.
 */

/** http(s) and ftp(s) before `://`, wherever they start: `xhttps://` must not leave `https://` behind. */
const WEB_SCHEME = /(h)tt(ps?)(?=:\/\/)|(f)t(ps?)(?=:\/\/)/gi;
/** Any other `://` (ssh://, file://, javascript-ish tricks) loses its colon. */
const OTHER_SCHEME = /(hxxps?|fxps?)?:\/\//gi;

/** The full stop and the ideographic and full-width stops that IDNA reads as one. */
const DOT = /[.\u3002\uff0e\uff61]/gu;
/**
 * A run of host-name characters and dots (any script: auto-linkers accept IDNs). Matched as a
 * whole, then judged in code: a regular expression that looked for the domain inside it would
 * backtrack quadratically on `a.a.a.a…`.
 */
const DOTTED = /[\p{L}\p{N}_.\u3002\uff0e\uff61-]+/gu;
/** A top-level label: letters only (so `10.0.0.1`, `v1.2` and `x86_64.amzn.2` are not domains), or punycode. */
const TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

/**
 * An AWS service name (`iam.amazonaws.com`, also inside service-linked role ARNs): AWS owns every
 * such host. Not S3's (`s3.amazonaws.com/bucket/page.html` serves anyone's content).
 */
const AWS_SERVICE = /^(?!s3)[a-z0-9-]+\.amazonaws\.com$/i;

/** Text with every URL scheme and domain name from it defanged; IPs, ARNs' shape and AWS service names kept. */
export function defang(text: string): string {
  if (text === '') return text;
  return text
    .replace(WEB_SCHEME, (_m, h?: string, ps?: string, f?: string, fps?: string) =>
      h ? `${h}xx${ps}` : `${f}x${fps}`,
    )
    .replace(OTHER_SCHEME, (m, defanged?: string) => (defanged ? m : '[:]//'))
    .replace(DOTTED, defangDomain);
}

/**
 * `evil.example` → `evil[.]example`: a run holding a top-level label after its first is a domain
 * name up to that label. Labels after it (`evil.com.1`, `evil.com.-`) cannot end a host name, so
 * an auto-linker stops before them and still links `evil.com`: its dots are defanged all the same.
 */
function defangDomain(run: string): string {
  const labels = run.split(DOT);
  let last = labels.length - 1;
  while (last > 0 && !TLD.test(labels[last])) last--;
  if (last === 0) return run;
  let end = last;
  for (let i = 0; i <= last; i++) end += labels[i].length;
  const name = run.slice(0, end);
  if (AWS_SERVICE.test(name)) return run;
  return name.replace(DOT, (dot) => `[${dot}]`) + run.slice(end);
}
