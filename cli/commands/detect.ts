// `ferretwatch detect <image|video|url>`: detections on a picture (or the first frames of a video
// or stream), decoded by ffmpeg, so JPEG, PNG and any video work without an image library.
import { parseArgs, numberOption } from '../args';
import { DETECTOR_VALUES, detectorConfigFrom, inputFrom, oneLine, zonesFrom } from '../analyze/cli-options';

export const usage =
  'detect <image|video|url> [--model m.onnx] [--conf 0.35] [--iou 0.45] [--frames 10] [--classmap json|file] [--mapped-only] [--zones json|file] [--json]';

const fmtBox = (b: number[]): string => `[${b.map((v) => Math.round(v)).join(',')}]`;

export async function run(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv, { values: [...DETECTOR_VALUES, 'frames'], flags: ['json', 'mapped-only'] });
    const input = inputFrom(args, `usage: ferretwatch ${usage}`);
    // Everything the model sees is shown (mapped classes under their label) unless --mapped-only.
    const cfg = detectorConfigFrom(args.options, !args.options['mapped-only']);
    const frames = Math.round(numberOption(args.options, 'frames', 10, 1, 100000));
    const zones = zonesFrom(args.options);
    const { DetectStage } = await import('../analyze/detect-stage');
    const { runAnalysis } = await import('../analyze/runner');
    const stage = new DetectStage(cfg, zones);
    const d = await stage.load();
    const out: Array<{ frameId: number; t: number; detections: unknown[]; timings: unknown }> = [];
    const info: Record<string, unknown> = { conf: cfg.conf, iou: cfg.iou };
    const summary = await runAnalysis(
      { input, fps: 0, outDir: '.', width: d.inputWidth, height: d.inputHeight, maxFrames: frames },
      [
        stage,
        {
          name: 'collect',
          onFrame: (f) => {
            out.push({ frameId: f.frameId, t: Math.round(f.t * 1000) / 1000, detections: f.detections, timings: f.timings });
          },
        },
      ],
      info,
    );
    if (args.options.json) {
      console.log(JSON.stringify({ source: input, model: stage.modelName, width: info.width, height: info.height, conf: cfg.conf, iou: cfg.iou, frames: out }, null, 2));
      return 0;
    }
    console.log(`${stage.modelName} on ${input} (${info.width}x${info.height}), ${summary.frames} frame${summary.frames === 1 ? '' : 's'}`);
    if (d.kind === 'motion' && summary.frames < 2) console.log('(motion detector: one picture has no motion; pass --model m.onnx)');
    for (const f of out) {
      const dets = f.detections as Array<{ label: string; class: string; score: number; box: number[]; zones: string[] }>;
      const head = summary.frames > 1 ? `frame ${f.frameId} (${f.t.toFixed(2)} s): ` : '';
      if (dets.length === 0) {
        if (summary.frames === 1) console.log('no detections');
        continue;
      }
      for (const x of dets) {
        const cls = x.class !== x.label ? ` (${x.class})` : '';
        const zones = x.zones.length ? ` zones: ${x.zones.join(',')}` : '';
        console.log(`${head}${x.label}${cls} ${x.score.toFixed(2)} ${fmtBox(x.box)}${zones}`);
      }
    }
    return 0;
  } catch (err) {
    console.error(`ferretwatch detect: ${oneLine(err)}`);
    return 1;
  }
}
