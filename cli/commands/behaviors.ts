// `ferretwatch behaviors <tracks.mot.txt> --fps 5 [--zones zones.json] [--width W --height H]`:
// the behavior episodes of a recorded track file as a JSON array (runtime/behavior/offline.ts).
// The frame size (to scale the zones) and the frame rate may also come from a detections.json
// next to the track file, as `ferretwatch analyze` writes them side by side.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, numberOption } from '../args';
import { parseZones } from '../../runtime/camera/config';
import { classifyMot, parseMotTracks } from '../../runtime/behavior/offline';

export const usage = 'behaviors <tracks.mot.txt> --fps 5 [--zones zones.json|json] [--width W --height H] [--sleep-min 5]';

function readZones(value: string | boolean | undefined): ReturnType<typeof parseZones> {
  if (typeof value !== 'string') return [];
  if (value.trim().startsWith('[')) return parseZones(value);
  if (!fs.existsSync(value)) throw new Error(`zones file ${value} not found`);
  return parseZones(fs.readFileSync(value, 'utf8'));
}

/** width/height/fps of a sibling detections.json, or {} when there is none (or it is unreadable). */
function siblingInfo(tracksFile: string): { width?: number; height?: number; fps?: number } {
  const file = path.join(path.dirname(tracksFile), 'detections.json');
  if (!fs.existsSync(file)) return {};
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const num = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
    return { width: num(doc.width), height: num(doc.height), fps: num(doc.fps) };
  } catch {
    return {};
  }
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, { values: ['fps', 'zones', 'width', 'height', 'sleep-min'] });
  } catch (err) {
    console.error(`ferretwatch behaviors: ${(err as Error).message} (usage: ferretwatch ${usage})`);
    return 2;
  }
  if (args.positionals.length !== 1) {
    console.error(`usage: ferretwatch ${usage}`);
    return 2;
  }
  const file = args.positionals[0];
  try {
    if (!fs.existsSync(file)) throw new Error(`tracks file ${file} not found`);
    const rows = parseMotTracks(fs.readFileSync(file, 'utf8'));
    const sib = siblingInfo(file);
    const o = args.options;
    if (o.fps === undefined && sib.fps === undefined) throw new Error('--fps is required (the frame rate the tracks were made at)');
    const fps = numberOption(o, 'fps', sib.fps ?? 5, 0.1, 240);
    const width = o.width === undefined ? sib.width : numberOption(o, 'width', 0, 1, 100000);
    const height = o.height === undefined ? sib.height : numberOption(o, 'height', 0, 1, 100000);
    const zones = readZones(o.zones);
    if (zones.length > 0 && !(width && height)) {
      throw new Error('--zones needs --width and --height (or a detections.json next to the tracks file) to scale the 0..1 points');
    }
    const sleepMin = numberOption(o, 'sleep-min', 5, 0.1, 24 * 60);
    const episodes = classifyMot(rows, { fps, zones, width, height, engine: { rules: { sleepAfterS: sleepMin * 60 } } });
    console.log(JSON.stringify(episodes, null, 2));
    return 0;
  } catch (err) {
    console.error(`ferretwatch behaviors: ${String((err as Error).message ?? err).replace(/\s*\n\s*/g, ' | ')}`);
    return 1;
  }
}
