// Turns the tail of ffmpeg's stderr into the short reason a person sees in the node status, e.g.
// "401 Unauthorized (check user and password)" instead of ten lines of libavformat chatter. The
// patterns are the texts ffmpeg 5.1 prints (see test/unit/ffmpeg/reasons.test.ts for real samples).

import { redactUrl } from './redact';
import { isProgressLine } from './progress';

interface Rule {
  test: RegExp;
  reason: string | ((m: RegExpExecArray) => string);
}

// Checked per line, first match wins within a line; see reasonFromStderr for the line order.
const RULES: Rule[] = [
  { test: /\b401 Unauthorized|authorization failed/i, reason: '401 Unauthorized (check user and password)' },
  { test: /\b403 Forbidden|access denied/i, reason: '403 Forbidden (check user permissions)' },
  { test: /\b404 Not Found/i, reason: 'stream not found (404)' },
  { test: /Server returned 5XX|\b5\d\d (?:Internal Server Error|Service Unavailable|Bad Gateway|Gateway Time-?out)/i, reason: 'camera server error (5xx)' },
  { test: /Connection refused/i, reason: 'connection refused' },
  { test: /No route to host|Network is unreachable|Host is unreachable/i, reason: 'host unreachable' },
  { test: /Connection timed out|Operation timed out|\btimed out\b/i, reason: 'connection timed out' },
  {
    test: /Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|No address associated with hostname|nodename nor servname/i,
    reason: 'host name not found',
  },
  { test: /Connection reset by peer/i, reason: 'connection reset by camera' },
  { test: /Stream map '[^']*v[^']*' matches no streams/i, reason: 'no video stream' },
  { test: /Stream map '[^']*a[^']*' matches no streams/i, reason: 'no audio stream' },
  { test: /does not contain any stream|matches no streams|no video stream/i, reason: 'no video stream' },
  { test: /Decoder \(codec ([\w-]+)\) not found|Unknown decoder '([^']+)'/i, reason: (m) => `unsupported codec ${m[1] ?? m[2]} (no decoder)` },
  { test: /Encoder \(codec ([\w-]+)\) not found|Unknown encoder '([^']+)'/i, reason: (m) => `unsupported codec ${m[1] ?? m[2]} (no encoder)` },
  { test: /Unsupported codec with id (\d+)/i, reason: (m) => `unsupported codec (id ${m[1]})` },
  { test: /No such file or directory/i, reason: 'file not found' },
  { test: /Permission denied/i, reason: 'permission denied' },
  { test: /Invalid data found when processing input|moov atom not found/i, reason: 'invalid data from source' },
];

// Lines that say nothing about the cause and must not become "the last meaningful line".
const NOISE = [
  /^Exiting normally/i,
  /^Conversion failed!?$/i,
  /^To ignore this, add a trailing '\?' to the map/i,
  /^Press \[q\] to stop/i,
  /^received signal|^Received > \d+ system signals/i,
  /^Error (?:opening|while opening) (?:input|output) files?/i,
  /^Output #\d|^Input #\d|^Stream mapping|^\s*Stream #\d|^\s*Metadata:|^\s*Duration:/i,
];

const MAX_REASON = 120;

/** Drops the `[ctx @ 0x…]` and `[level]` prefixes that ffmpeg (with -loglevel level+…) puts on lines. */
export function stripLogPrefix(line: string): string {
  return line
    .replace(/^\s*\[[^\]]*@ ?0x[0-9a-fA-F]+\]\s*/, '')
    .replace(/^\[(?:panic|fatal|error|warning|info|verbose|debug|trace)\]\s*/, '')
    .trim();
}

/**
 * A short human reason for an ffmpeg exit. `lines` are the recent stderr lines of the attempt (newest
 * last). The newest line that matches a known cause wins (older lines may be stale warnings); failing
 * that, the newest meaningful line, redacted and cut to ~120 characters; failing that, the exit code.
 */
export function reasonFromStderr(lines: readonly string[], exitCode: number | null, signal: NodeJS.Signals | string | null): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = stripLogPrefix(lines[i]);
    if (!line || isProgressLine(line)) continue;
    for (const rule of RULES) {
      const m = rule.test.exec(line);
      if (m) return typeof rule.reason === 'string' ? rule.reason : rule.reason(m);
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = stripLogPrefix(lines[i]);
    if (!line || isProgressLine(line) || NOISE.some((n) => n.test(line))) continue;
    return truncate(redactUrl(line), MAX_REASON);
  }
  if (signal) return `ffmpeg was stopped by ${signal}`;
  if (exitCode === 0) return 'source ended';
  if (exitCode === null || exitCode === undefined) return 'ffmpeg exited';
  return `ffmpeg exited with code ${exitCode}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}
