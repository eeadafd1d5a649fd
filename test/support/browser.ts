// A real browser for integration tests and benchmarks: the system's Chromium (Debian's
// /usr/bin/chromium, or $CHROMIUM_PATH) driven by playwright-core. Never downloads a browser.
// Every launch gets a fresh profile in a temp dir that close() removes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
  // A hidden headless tab must not be throttled like a background tab: it is what we measure.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export type BrowserAvailability = { ok: true; path: string; version: string } | { ok: false; reason: string };

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

let availability: BrowserAvailability | undefined;

/** Whether a system Chromium and playwright-core are present (checked once per process). */
export function browserAvailable(): BrowserAvailability {
  if (availability) return availability;
  const exe = process.env.CHROMIUM_PATH || CANDIDATES.find((p) => fs.existsSync(p));
  if (!exe) {
    availability = { ok: false, reason: 'no Chromium found (install Debian\'s "chromium" package or set CHROMIUM_PATH)' };
  } else {
    try {
      require.resolve('playwright-core');
      const v = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 15000 });
      const version = /([\d.]+\.\d+)/.exec(v.stdout ?? '')?.[1];
      availability = v.status === 0 && version ? { ok: true, path: exe, version } : { ok: false, reason: `${exe} --version failed: ${(v.stderr || v.error?.message || '').trim()}` };
    } catch {
      availability = { ok: false, reason: 'playwright-core is not installed (npm install)' };
    }
  }
  return availability;
}

/**
 * Skip reason for tests that need the browser, or undefined when it is available. Prints
 * "# skip: ..." on a user's machine; throws under CI, where the browser must be present.
 */
export function browserSkip(): string | undefined {
  const a = browserAvailable();
  if (a.ok) return undefined;
  if (process.env.CI) throw new Error(`CI requires Chromium: ${a.reason}`);
  console.log(`# skip: ${a.reason}`);
  return a.reason;
}

export interface Browser {
  readonly context: BrowserContext;
  readonly version: string;
  /** A new tab; console messages go to `onConsole` when given. */
  newPage(opts?: { onConsole?: (line: string) => void }): Promise<Page>;
  /** Close the browser and delete its profile. Idempotent; never throws. */
  close(): Promise<void>;
}

// Browsers still open when the process exits (a failed test, Ctrl-C in a benchmark) are killed.
const open = new Set<() => void>();
let hookInstalled = false;
function trackForExit(kill: () => void): () => void {
  if (!hookInstalled) {
    hookInstalled = true;
    process.once('exit', () => {
      for (const k of open) k();
    });
  }
  open.add(kill);
  return () => open.delete(kill);
}

/** Launch the system Chromium headless with a fresh profile. */
export async function launchChromium(opts: { extraArgs?: string[] } = {}): Promise<Browser> {
  const a = browserAvailable();
  if (!a.ok) throw new Error(a.reason);
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: a.path,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.extraArgs ?? [])],
      viewport: { width: 1280, height: 720 },
      timeout: 30_000,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  // playwright kills the browser on its own exit handlers too; this also removes the profile.
  const untrack = trackForExit(() => fs.rmSync(profile, { recursive: true, force: true }));
  let closed: Promise<void> | undefined;
  return {
    context,
    version: context.browser()?.version() ?? a.version,
    async newPage(o = {}) {
      const page = await context.newPage();
      if (o.onConsole) {
        const sink = o.onConsole;
        page.on('console', (m) => sink(`[${m.type()}] ${m.text()}`));
        page.on('pageerror', (e) => sink(`[pageerror] ${e.message}`));
      }
      return page;
    },
    close() {
      closed ??= (async () => {
        try {
          await context.close();
        } catch {
          // already gone
        }
        untrack();
        fs.rmSync(profile, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
