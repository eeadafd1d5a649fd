// Keeps camera credentials out of everything a person or another program can read: logs, node
// status, messages, HTTP answers, exported flows. ffmpeg echoes its input URL in errors (and, at
// debug level, HTTP/RTSP auth headers), so every stderr line goes through here before it leaves.
//
// The rules are deliberately greedy: when it is unclear where the credentials end (raw '@', ':',
// '/' or '#' typed into a password) we hide too much rather than too little.

const MASK = '***';

// `scheme://` then a run of non-separator characters. The run is one whitespace/quote-delimited
// token; anything up to its LAST '@' is treated as credentials.
const URL_TOKEN = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s'"<>`]*)/g;

// Secret-looking query or form parameters: password=..., pwd=..., token=... (up to & ; or space).
const SECRET_PARAM = /(^|[^A-Za-z0-9_])(password|passwd|passwort|pwd|pass|secret|token|access_token|auth|apikey|api_key)=([^&;\s'"<>]*)/gi;

// HTTP/RTSP auth headers that ffmpeg prints at debug level (Basic carries base64(user:pass)).
const AUTH_HEADER = /\b((?:Proxy-)?Authorization:\s*)(.*)$/gim;
const DIGEST_RESPONSE = /\b(response=)("?)[0-9a-fA-F]+\2/g;

/** Replace credentials in free text (URLs embedded anywhere, e.g. in ffmpeg stderr lines). */
export function redactUrl(text: string): string {
  if (!text) return text;
  let out = text;
  if (out.includes('://')) out = out.replace(URL_TOKEN, redactToken);
  if (out.includes('=')) {
    out = out.replace(SECRET_PARAM, (_m, pre: string, key: string, value: string) => (value ? `${pre}${key}=${MASK}` : `${pre}${key}=`));
    out = out.replace(DIGEST_RESPONSE, `$1$2${MASK}$2`);
  }
  if (/authorization/i.test(out)) out = out.replace(AUTH_HEADER, `$1${MASK}`);
  return out;
}

function redactToken(_m: string, scheme: string, rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at >= 0) return `${scheme}${MASK}@${rest.slice(at + 1)}`;
  // No '@' in this token, but `user:notaport` right after the scheme means the token was cut short
  // (e.g. a space or quote inside the password): hide the whole token rather than leak part of it.
  const authorityEnd = firstIndexOf(rest, '/?#');
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const colon = authority.lastIndexOf(':');
  if (colon >= 0 && !authority.startsWith('[')) {
    const port = authority.slice(colon + 1);
    if (port !== '' && !/^\d+$/.test(port)) return `${scheme}${MASK}`;
  }
  return `${scheme}${rest}`;
}

function firstIndexOf(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) if (chars.includes(s[i])) return i;
  return -1;
}

/** Splits `scheme://[userinfo@]rest` where userinfo ends at the last '@' before the first '/', '?' or '#'. */
function splitUserinfo(url: string): { scheme: string; userinfo?: string; rest: string } | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)(.*)$/s.exec(url);
  if (!m) return undefined;
  const body = m[2];
  const pathStart = firstIndexOf(body, '/?#');
  const at = body.lastIndexOf('@', pathStart < 0 ? body.length : pathStart);
  if (at < 0) return { scheme: m[1], rest: body };
  return { scheme: m[1], userinfo: body.slice(0, at), rest: body.slice(at + 1) };
}

/**
 * Put `user`/`password` into `url`, percent-encoded (ffmpeg decodes them for RTSP and HTTP), replacing
 * credentials already in the URL. Without a user or password the URL is returned unchanged.
 */
export function withCredentials(url: string, user?: string, password?: string): string {
  if (!user && !password) return url;
  const parts = splitUserinfo(url);
  if (!parts) return url; // a file path or demo: has nowhere to put credentials
  const userinfo = encodeURIComponent(user ?? '') + (password ? `:${encodeURIComponent(password)}` : '');
  return `${parts.scheme}${userinfo}@${parts.rest}`;
}

/** The URL with credentials removed entirely (for status text, UI, logs). */
export function sanitizeForDisplay(url: string): string {
  const parts = splitUserinfo(url);
  const stripped = parts ? parts.scheme + parts.rest : url;
  // A raw '@' or '/' in a typed password can defeat the authority split; redactUrl masks what is left.
  return redactUrl(stripped);
}

/**
 * The credentials carried by an argument list, in every spelling ffmpeg might print them
 * (percent-encoded as given, and decoded). Used to scrub known secrets even where no URL shape
 * surrounds them any more.
 */
export function collectSecrets(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    if (!arg.includes('://')) continue;
    const parts = splitUserinfo(arg);
    if (!parts?.userinfo) continue;
    const colon = parts.userinfo.indexOf(':');
    const password = colon >= 0 ? parts.userinfo.slice(colon + 1) : '';
    for (const s of [parts.userinfo, password]) {
      if (s.length < 3) continue; // too short to scrub without mangling ordinary text
      out.add(s);
      const decoded = safeDecode(s);
      if (decoded !== s && decoded.length >= 3) out.add(decoded);
    }
  }
  // Longest first so a password is not half-replaced by a shorter secret inside it.
  return [...out].sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** redactUrl plus literal removal of known secrets (see collectSecrets). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = redactUrl(text);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
