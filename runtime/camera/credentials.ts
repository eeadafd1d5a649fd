// Credentials typed into a camera URL (rtsp://user:pass@host/…) are split out so the URL that is
// stored, logged and shown never carries them; they are joined back only at spawn time.
export interface SplitUrl {
  url: string;
  user?: string;
  password?: string;
}

const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function splitUrlCredentials(raw: string): SplitUrl {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0];
  if (!scheme) return { url: raw };
  const query = raw.indexOf('?', scheme.length);
  const head = query >= 0 ? raw.slice(0, query) : raw;
  // The last "@" before the query: passwords typed by hand often hold an unencoded "@".
  const at = head.lastIndexOf('@');
  if (at < scheme.length) return { url: raw };
  const userinfo = raw.slice(scheme.length, at);
  const colon = userinfo.indexOf(':');
  return {
    url: scheme + raw.slice(at + 1),
    user: dec(colon >= 0 ? userinfo.slice(0, colon) : userinfo),
    password: colon >= 0 ? dec(userinfo.slice(colon + 1)) : undefined,
  };
}
