// ffmpeg command lines for detection frames: the camera's analysis (sub-)stream when it has one,
// decoded, sampled to the detect fps, letterboxed and converted to rgb24 by ffmpeg itself, so that
// JavaScript only turns bytes into floats.
import type { CameraConfig } from '../camera/config';
import { demoInputArgs, inputArgs, parseDemoUrl, sourceKind } from '../ffmpeg/args';
import { withCredentials } from '../ffmpeg/redact';
import { letterboxFilter } from './letterbox';

export interface FrameOutputOptions {
  /** Frames per second delivered (ffmpeg's fps filter); 0 or undefined = every decoded frame. */
  fps?: number;
  width: number;
  height: number;
}

/** The URL detection reads: the analysis sub-stream when configured (Frigate's "detect" role). */
export function detectSourceUrl(camera: Pick<CameraConfig, 'url' | 'analysisUrl'>): string {
  return camera.analysisUrl?.trim() || camera.url;
}

/**
 * Input arguments for a camera, as a live source: RTSP with the camera's transport, files played in
 * real time and looped (a file "camera"), `demo:` through demoInputArgs so the synthetic animals
 * are where the live stream shows them (their positions follow the wall clock).
 */
export function cameraInputArgs(camera: CameraConfig): string[] {
  const url = detectSourceUrl(camera);
  const kind = sourceKind(url);
  if (kind === 'demo') return demoInputArgs(parseDemoUrl(url));
  return inputArgs({
    url: withCredentials(url, camera.credentials.user, camera.credentials.password),
    transport: camera.transport,
    realtime: kind === 'file',
    loop: kind === 'file',
  });
}

/** `-vf fps=…,scale…,pad… -f rawvideo -pix_fmt rgb24 pipe:1` for the first video stream. */
export function frameOutputArgs(o: FrameOutputOptions): string[] {
  const vf = (o.fps && o.fps > 0 ? `fps=${formatFps(o.fps)},` : '') + letterboxFilter(o.width, o.height);
  return ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
}

/** Full argument list of a camera's detection ffmpeg (info loglevel: the input report gives the source size). */
export function frameSourceArgs(camera: CameraConfig, o: FrameOutputOptions): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'info', '-stats', ...cameraInputArgs(camera), ...frameOutputArgs(o)];
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(3).replace(/0+$/, '');
}
