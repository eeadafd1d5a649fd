// Options `detect` and `analyze` share: the input, the model and its thresholds, the class map,
// zones. Every problem becomes one plain line for stderr.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Zone } from '../../runtime/contracts';
import { parseZones } from '../../runtime/camera/config';
import { sourceKind } from '../../runtime/ffmpeg/args';
import type { DetectorConfig } from '../../runtime/detect/load-detector';
import { numberOption, type ParsedArgs } from '../args';

export const DETECTOR_VALUES = ['model', 'conf', 'iou', 'classmap', 'threads', 'zones'];

/** The input positional: an existing file, or a URL / demo: (checked by ffmpeg). */
export function inputFrom(args: ParsedArgs, usage: string): string {
  if (args.positionals.length !== 1) throw new Error(args.positionals.length === 0 ? `missing input (${usage})` : `one input expected, got ${args.positionals.length}`);
  const input = args.positionals[0];
  const kind = sourceKind(input);
  if (kind === 'other') throw new Error(`unsupported input ${input.split(':')[0]}: (use a file, rtsp(s)://, http(s):// or demo:)`);
  if (kind === 'file') {
    const file = input.replace(/^file:\/\//, '');
    if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
    if (fs.statSync(file).isDirectory()) throw new Error(`${file} is a directory, not an image or a video`);
    return path.resolve(file);
  }
  return input;
}

export function detectorConfigFrom(opts: ParsedArgs['options'], keepUnmapped: boolean): DetectorConfig {
  const model = typeof opts.model === 'string' ? opts.model : undefined;
  if (model && model !== 'motion' && !fs.existsSync(model)) throw new Error(`model file ${path.basename(model)} not found (${model})`);
  return {
    model: model ? (model === 'motion' ? 'motion' : path.resolve(model)) : undefined,
    conf: numberOption(opts, 'conf', 0.35, 0.01, 0.99),
    iou: numberOption(opts, 'iou', 0.45, 0.05, 0.95),
    threads: Math.round(numberOption(opts, 'threads', 1, 1, 16)),
    classMap: typeof opts.classmap === 'string' ? opts.classmap : undefined,
    keepUnmapped,
  };
}

export function zonesFrom(opts: ParsedArgs['options']): Zone[] {
  const z = opts.zones;
  if (typeof z !== 'string') return [];
  const text = z.trim().startsWith('[') ? z : fs.existsSync(z) ? fs.readFileSync(z, 'utf8') : z;
  return parseZones(text);
}

/** Errors from ffmpeg or onnxruntime can span lines; the CLI promises one. */
export function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .replace(/\s*\n\s*/g, ' | ')
    .trim();
}
