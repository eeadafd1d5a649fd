// Which ffmpeg to run. An explicit FFMPEG_PATH wins (the user chose it), then the system ffmpeg on
// PATH (distribution builds are current and have the codecs), and only then the static build from
// the optional @ffmpeg-installer/ffmpeg dependency (old, but better than nothing on bare machines).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export type FfmpegSource = 'FFMPEG_PATH' | 'PATH' | '@ffmpeg-installer/ffmpeg';

export interface ResolvedFfmpeg {
  path: string;
  source: FfmpegSource;
  /** e.g. "5.1.9-0+deb12u1", from the first line of `ffmpeg -version`. */
  version: string;
}

export interface ResolveOptions {
  /** Where the optional npm build lives; injectable so tests can simulate its absence. */
  installerPath?: () => string | undefined;
}

export const FFMPEG_NOT_FOUND = 'ffmpeg not found: install it (apt-get install ffmpeg) or set FFMPEG_PATH';

const cache = new Map<string, ResolvedFfmpeg>();

/** Locate ffmpeg (cached per FFMPEG_PATH/PATH pair). Throws with an actionable message when none is usable. */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, opts: ResolveOptions = {}): ResolvedFfmpeg {
  const key = `${env.FFMPEG_PATH ?? ''}\0${env.PATH ?? ''}\0${opts.installerPath ? 'custom' : ''}`;
  const hit = cache.get(key);
  if (hit) return hit;

  let found: ResolvedFfmpeg | undefined;
  if (env.FFMPEG_PATH) {
    // An explicit choice that does not work is an error, not a reason to silently run another ffmpeg.
    if (!isExecutable(env.FFMPEG_PATH)) throw new Error(`FFMPEG_PATH is set to "${env.FFMPEG_PATH}", which is not an executable file`);
    found = { path: env.FFMPEG_PATH, source: 'FFMPEG_PATH', version: readVersion(env.FFMPEG_PATH) };
  } else {
    const onPath = findOnPath('ffmpeg', env);
    if (onPath) {
      found = { path: onPath, source: 'PATH', version: readVersion(onPath) };
    } else {
      const installed = (opts.installerPath ?? installerFfmpegPath)();
      if (installed && isExecutable(installed)) found = { path: installed, source: '@ffmpeg-installer/ffmpeg', version: readVersion(installed) };
    }
  }
  if (!found) throw new Error(FFMPEG_NOT_FOUND);
  cache.set(key, found);
  return found;
}

/** Locate ffprobe: FFPROBE_PATH, then PATH, then beside the resolved ffmpeg. Undefined when none exists. */
export function resolveFfprobe(env: NodeJS.ProcessEnv = process.env, opts: ResolveOptions = {}): string | undefined {
  if (env.FFPROBE_PATH && isExecutable(env.FFPROBE_PATH)) return env.FFPROBE_PATH;
  const onPath = findOnPath('ffprobe', env);
  if (onPath) return onPath;
  try {
    const ffmpeg = resolveFfmpeg(env, opts).path;
    const beside = path.join(path.dirname(ffmpeg), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
    return isExecutable(beside) ? beside : undefined;
  } catch {
    return undefined;
  }
}

/** Forget cached lookups (tests, or after the user installed ffmpeg). */
export function clearFfmpegCache(): void {
  cache.clear();
}

/** The version from the first line of `-version` output ("ffmpeg version 5.1.9-0+deb12u1 Copyright…"). */
export function parseVersionLine(firstLine: string): string {
  const m = /version\s+(\S+)/.exec(firstLine);
  return m ? m[1] : firstLine.trim();
}

function readVersion(bin: string): string {
  let out: string;
  try {
    out = execFileSync(bin, ['-version'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
  } catch (err) {
    throw new Error(`${bin} does not run (${(err as Error).message.split('\n')[0]}); ${FFMPEG_NOT_FOUND}`);
  }
  return parseVersionLine(out.split('\n', 1)[0]);
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function installerFfmpegPath(): string | undefined {
  try {
    // Optional dependency: absent on many installs, and its index throws on unsupported platforms.
    const req = createRequire(__filename);
    const mod = req('@ffmpeg-installer/ffmpeg') as { path?: string };
    return typeof mod.path === 'string' ? mod.path : undefined;
  } catch {
    return undefined;
  }
}
