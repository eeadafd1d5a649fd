// `ferretwatch analyze <video|url>`: detections for every sampled frame of a recording (or a
// stream) written to <out>/detections.json, as fast as the machine goes; then tracks (tracks.mot.txt)
// and behaviors (behaviors.json) over the whole recording. Stages share one runner (cli/analyze/stage.ts).
import * as path from 'node:path';
import { parseArgs, numberOption } from '../args';
import { DETECTOR_VALUES, detectorConfigFrom, inputFrom, oneLine, zonesFrom } from '../analyze/cli-options';

export const usage =
  'analyze <video|url> [--model m.onnx] [--reid osnet.onnx] [--fps 5] [--out dir] [--conf 0.35] [--iou 0.45] [--frames N] [--classmap json|file] [--zones json|file] [--realtime]';

export async function run(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv, { values: [...DETECTOR_VALUES, 'fps', 'out', 'frames', 'reid'], flags: ['realtime', 'quiet'] });
    const input = inputFrom(args, `usage: ferretwatch ${usage}`);
    const cfg = detectorConfigFrom(args.options, false);
    const fps = numberOption(args.options, 'fps', 5, 0.1, 60);
    const maxFrames = args.options.frames !== undefined ? Math.round(numberOption(args.options, 'frames', 0, 1, 1e9)) : undefined;
    const outDir = path.resolve(typeof args.options.out === 'string' ? args.options.out : '.');
    const zones = zonesFrom(args.options);
    const { DetectStage } = await import('../analyze/detect-stage');
    const { DetectionsWriter } = await import('../analyze/detections-writer');
    const { runAnalysis } = await import('../analyze/runner');
    const detect = new DetectStage(cfg, zones);
    const d = await detect.load();
    const writer = new DetectionsWriter();
    const { TrackBehaviorStage } = await import('../analyze/track-behavior-stage');
    // --reid: appearance from the OSNet ReID model instead of the colour histogram.
    const reid = typeof args.options.reid === 'string' ? await (await import('../../runtime/track/embedder')).createEmbedder({ kind: 'reid', modelPath: path.resolve(args.options.reid) }) : undefined;
    const tracks = new TrackBehaviorStage(zones, reid);
    const quiet = args.options.quiet === true;
    const summary = await runAnalysis(
      { input, fps, outDir, width: d.inputWidth, height: d.inputHeight, maxFrames, realtime: args.options.realtime === true },
      [detect, writer, tracks],
      { conf: cfg.conf, iou: cfg.iou, zones },
    );
    if (!quiet) {
      const w = summary.stages.detections ?? {};
      console.log(
        `${summary.frames} frames (${summary.durationS.toFixed(1)} s of video at ${fps} fps) in ${summary.elapsedS.toFixed(1)} s ` +
          `(${summary.speed.toFixed(1)}x real time), ${String(w.framesWithDetections)} with detections ${JSON.stringify(w.labels)} → ${writer.file}`,
      );
      const tr = summary.stages.tracks ?? {};
      console.log(`${String(tr.ferrets)} ferret ids, ${String(tr.episodes)} episodes ${JSON.stringify(tr.seconds)} → ${String(tr.file)}, ${String(tr.behaviorsFile)}`);
    }
    return 0;
  } catch (err) {
    console.error(`ferretwatch analyze: ${oneLine(err)}`);
    return 1;
  }
}
