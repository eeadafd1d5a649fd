// Detection benchmark: raw onnxruntime inference against the whole per-frame pipeline (decode
// wait + preprocessing + inference + postprocessing) on a 1080p30 RTSP camera, then sustained
// detection at 5 fps on one and two cameras while an HLS stream of the same camera runs, counting
// that stream's stalls. Writes bench/results/detect.json and prints a table.
//
//   npm run bench:detect            (= node scripts/build.js && node dist/bench/detect.js)
//   node dist/bench/detect.js [--seconds 20] [--raw-runs 40] [--model <onnx>] [--out <file>]
//
// Setup: a real RTSP server (GStreamer, test/support/rtsp-server.ts) serves the 1080p30 4 Mbit/s
// clip from ensure1080p30() (stream-copied in real time: the "camera" costs almost nothing). Each
// camera's detection runs exactly as the node runs it (DetectPipeline: its own ffmpeg decoding,
// scaling and letterboxing to 640x640 rgb24, latest-frame-wins, the shared YOLO session). The HLS
// stream is a CameraStream in copy mode in this same process, as in Node-RED.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../test/support/rtsp-server';
import { ensure1080p30 } from '../test/support/media';
import { sharedPath, repoRoot } from '../test/support/shared';
import { waitFor, sleep } from '../test/support/wait';
import type { CameraConfig } from '../runtime/camera/config';
import type { DetectionsPayload, StreamState } from '../runtime/contracts';
import { CameraStream, DEFAULT_STREAM_OPTIONS } from '../runtime/stream/camera-stream';
import { DetectPipeline } from '../runtime/detect/pipeline';
import { decodeImageLetterboxed } from '../runtime/detect/image';
import { rgbToChwFloat } from '../runtime/detect/preprocess';
import { flag, numFlag } from './lib/args';
import { machineInfo, toolVersion } from './lib/machine';
import { rssMb, sampleCpuPercent, loadavg1 } from './lib/proc';
import { writeJson, printTable } from './lib/report';
import { p50p95, round, percentile } from './lib/stats';

const SECONDS = numFlag('seconds', 20);
const RAW_RUNS = numFlag('raw-runs', 40);
const OUT = flag('out', path.join(repoRoot, 'bench', 'results', 'detect.json')) as string;
const GOAL_OVERHEAD = 0.1;

function log(msg: string): void {
  console.log(`# ${new Date().toISOString().slice(11, 19)} ${msg}`);
}

function camera(id: string, url: string): CameraConfig {
  return { id, name: id, url, transport: 'tcp', zones: [], credentials: {} };
}

/** session.run alone on a real letterboxed picture, same session options as YoloDetector. */
async function rawInference(model: string, picture: string | undefined): Promise<number[]> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const input = new Float32Array(3 * 640 * 640);
  if (picture) rgbToChwFloat((await decodeImageLetterboxed(picture, 640)).rgb, 640, 640, input);
  else input.fill(0.45);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, 640, 640]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < RAW_RUNS; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  await session.release();
  return ms;
}

interface PhaseFrames {
  e2e: number[];
  wait: number[];
  pre: number[];
  infer: number[];
  run: number[];
  post: number[];
  latency: number[];
  frames: number;
  dropped: number;
}

function collect(p: DetectPipeline): PhaseFrames {
  const f: PhaseFrames = { e2e: [], wait: [], pre: [], infer: [], run: [], post: [], latency: [], frames: 0, dropped: 0 };
  p.on('frame', (d: DetectionsPayload, detail: { runMs?: number }) => {
    if (detail.runMs !== undefined) f.run.push(detail.runMs);
    const t = d.timings;
    f.e2e.push(t.decodeMs + t.preMs + t.inferMs + t.postMs);
    f.wait.push(t.decodeMs);
    f.pre.push(t.preMs);
    f.infer.push(t.inferMs);
    f.post.push(t.postMs);
    f.latency.push(Date.now() - d.ts);
    f.frames++;
    f.dropped += d.dropped;
  });
  return f;
}

/** An HLS stream whose hiccups we count: state changes after going live, and gaps between LL-HLS parts. */
function watchStream(s: CameraStream) {
  const w = { states: [] as string[], changesAfterLive: 0, parts: 0, maxPartGapMs: 0, gapsOver1s: 0, last: 0, live: false };
  s.on('state', (p) => {
    w.states.push(p.state as StreamState);
    if (w.live) w.changesAfterLive++;
    if (p.state === 'live') w.live = true;
  });
  s.packager.on('part', () => {
    const now = Date.now();
    if (w.last) {
      const gap = now - w.last;
      if (gap > w.maxPartGapMs) w.maxPartGapMs = gap;
      if (gap > 1000) w.gapsOver1s++;
    }
    w.last = now;
    w.parts++;
  });
  return {
    reset() {
      w.changesAfterLive = 0;
      w.parts = 0;
      w.maxPartGapMs = 0;
      w.gapsOver1s = 0;
      w.last = 0;
      w.states = [];
    },
    get: () => ({ ...w, states: [...w.states] }),
  };
}

function summary(f: PhaseFrames, seconds: number) {
  return {
    frames: f.frames,
    fps: round(f.frames / seconds, 2),
    dropped: f.dropped,
    e2e_ms: p50p95(f.e2e, 1),
    decode_wait_ms: p50p95(f.wait, 1),
    pre_ms: p50p95(f.pre, 1),
    infer_ms: p50p95(f.infer, 1),
    session_run_ms: p50p95(f.run, 1),
    post_ms: p50p95(f.post, 2),
    capture_to_result_ms: p50p95(f.latency, 0),
  };
}

async function startPipelines(ids: string[], server: RtspServer, model: string, fps: number): Promise<DetectPipeline[]> {
  const ps = ids.map((id) => new DetectPipeline({ camera: camera(id, server.url(id)), detector: { model, conf: 0.35, iou: 0.45, threads: 1 }, fps }));
  for (const p of ps) await p.start();
  await waitFor('detection live', () => ps.every((p) => p.stats().frames >= 2), 60_000, 100);
  return ps;
}

async function measure(ps: DetectPipeline[], stream: CameraStream | undefined, seconds: number) {
  const frames = ps.map(collect);
  const pids = () => [process.pid, ...ps.map((p) => p.pid), stream?.pid].filter((x): x is number => x !== undefined);
  const cpuP = sampleCpuPercent(pids, seconds * 1000);
  const detectFfmpegCpuP = sampleCpuPercent(() => ps.map((p) => p.pid).filter((x): x is number => x !== undefined), seconds * 1000);
  const rss: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1000);
    rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  const [cpu, ffCpu] = await Promise.all([cpuP, detectFfmpegCpuP]);
  const elapsed = (Date.now() - t0) / 1000;
  for (const p of ps) p.removeAllListeners('frame');
  const ffRss = ps.map((p) => (p.pid ? rssMb(p.pid) : undefined)).filter((x): x is number => x !== undefined);
  return {
    cameras: ps.map((p, i) => ({ camera: p.cameraId, ...summary(frames[i], elapsed), restarts: p.stats().restarts })),
    cpu_percent_of_one_core: { total: round(cpu, 0), detect_ffmpeg: round(ffCpu, 0) },
    rss_mb: { node: round(Math.max(...rss), 0), detect_ffmpeg_each: round(Math.max(0, ...ffRss), 0) },
  };
}

async function main(): Promise<void> {
  const avail = rtspServerAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  const model = flag('model') ?? sharedPath('models/yolov8n_int8.onnx').path;
  if (!model) throw new Error('no model: pass --model or provide ../shared/models/yolov8n_int8.onnx');
  const loadStart = loadavg1();
  const machine = machineInfo({ ffmpeg: toolVersion('ffmpeg', ['-version'], /ffmpeg version (\S+)/) });
  log(`load average ${machine.loadavg.join(' ')}`);

  log(`raw session.run × ${RAW_RUNS}`);
  const raw = await rawInference(model, sharedPath('media/images/bus.jpg').path);
  const rawStats = p50p95(raw, 1);
  log(`raw p50 ${rawStats.p50} ms, p95 ${rawStats.p95} ms`);

  const clip = await ensure1080p30();
  const server = await startRtspServer({ mounts: { cam1: `file:${clip}`, cam2: `file:${clip}` } });
  const results: Record<string, unknown> = {};
  let stream: CameraStream | undefined;
  try {
    // 1. Overhead: a frame is always waiting (fps above what inference keeps up with), so the
    //    per-frame time is the pipeline's own cost on top of session.run.
    log(`saturated pipeline, 1 camera, ${SECONDS} s`);
    let ps = await startPipelines(['cam1'], server, model, 30);
    const sat = await measure(ps, undefined, SECONDS);
    for (const p of ps) await p.stop();
    const satCam = sat.cameras[0];
    const overhead = satCam.e2e_ms.p50 / rawStats.p50 - 1;
    // What the pipeline itself adds on top of session.run as it ran in the pipeline (the rest of the
    // difference to the raw figure is session.run slowing down while ffmpeg decodes 1080p30).
    const own = satCam.e2e_ms.p50 / satCam.session_run_ms.p50 - 1;
    results.saturated_1cam = {
      ...sat,
      overhead_vs_raw_p50: round(overhead, 3),
      overhead_vs_inpipeline_run_p50: round(own, 3),
      goal: `≤ ${GOAL_OVERHEAD * 100} %`,
      met: overhead <= GOAL_OVERHEAD,
    };
    log(`e2e p50 ${satCam.e2e_ms.p50} ms vs raw ${rawStats.p50} ms → overhead ${(overhead * 100).toFixed(1)} % (${(own * 100).toFixed(1)} % over session.run in the pipeline, ${satCam.session_run_ms.p50} ms)`);

    // 2 and 3. Sustained 5 fps with an HLS stream (copy) of camera 1 running alongside.
    stream = new CameraStream(camera('cam1', server.url('cam1')), { ...DEFAULT_STREAM_OPTIONS, mode: 'copy' });
    const watch = watchStream(stream);
    stream.start();
    await waitFor('HLS stream live', () => stream?.state === 'live' && stream.packager.info.lastMsn >= 1, 30_000, 100);
    for (const n of [1, 2]) {
      const ids = n === 1 ? ['cam1'] : ['cam1', 'cam2'];
      log(`5 fps, ${n} camera(s) + HLS stream, ${SECONDS} s`);
      ps = await startPipelines(ids, server, model, 5);
      watch.reset();
      const m = await measure(ps, stream, SECONDS);
      const w = watch.get();
      for (const p of ps) await p.stop();
      results[`fps5_${n}cam_with_hls`] = {
        ...m,
        hls_stream: { state_changes: w.changesAfterLive, states: w.states, parts: w.parts, max_part_gap_ms: w.maxPartGapMs, part_gaps_over_1s: w.gapsOver1s },
      };
      log(`fps ${m.cameras.map((c) => c.fps).join(' / ')}, dropped ${m.cameras.map((c) => c.dropped).join(' / ')}, HLS state changes ${w.changesAfterLive}, max part gap ${w.maxPartGapMs} ms`);
    }
  } finally {
    await stream?.stop();
    await server.stop();
  }

  const loadEnd = loadavg1();
  const report = {
    machine,
    loadavg_1min: { start: loadStart, end: loadEnd },
    model: path.basename(model),
    source: { clip: path.basename(clip), video: '1920x1080 H.264 30 fps 4 Mbit/s, 1 s GOP, served over RTSP (TCP)' },
    method: {
      raw: `onnxruntime session.run on one 640x640 letterboxed picture, 1 intra-op thread, ${RAW_RUNS} runs after 3 warm-up runs, nothing else of ours running`,
      e2e: 'per processed frame: decode wait (time the loop waited for the next frame) + copy to shared memory and HWC→CHW float (in the inference worker) + session.run and the worker round trip + decode/NMS/zones',
      session_run: 'session.run alone inside the inference worker, while the pipeline runs (compare with raw: the difference is CPU contention, mostly ffmpeg decoding 1080p30)',
      saturated: 'detect fps 30 > inference rate, so a frame is always ready: e2e − raw is the pipeline overhead (the ffmpeg decoding 1080p30 on the other core competes with inference, which shows up in infer_ms)',
      fps5: 'detect fps 5 per camera (Frigate default), the shared session serialises inference across cameras; an HLS CameraStream (copy) of cam1 runs at the same time: state_changes counts its supervisor state changes after live, part gaps are wall-clock gaps between LL-HLS parts (target 0.333 s)',
      cpu: 'percent of one core over the window: this node process (inference, packager) + the detect ffmpeg(s) + the HLS ffmpeg',
    },
    raw_session_run_ms: { ...rawStats, runs: RAW_RUNS },
    ...results,
  };
  writeJson(OUT, report);

  const rows: Array<Array<string | number | undefined>> = [];
  rows.push(['raw session.run', undefined, rawStats.p50, rawStats.p95, undefined, undefined, undefined, undefined]);
  for (const [k, v] of Object.entries(results)) {
    const r = v as { cameras: Array<ReturnType<typeof summary> & { camera: string }>; hls_stream?: { state_changes: number; max_part_gap_ms: number } };
    for (const c of r.cameras) {
      rows.push([`${k} ${c.camera}`, c.fps, c.e2e_ms.p50, c.e2e_ms.p95, c.infer_ms.p50, c.dropped, r.hls_stream?.state_changes, r.hls_stream?.max_part_gap_ms]);
    }
  }
  printTable(`detect benchmark (load ${loadStart} → ${loadEnd}) → ${path.relative(process.cwd(), OUT)}`, ['phase', 'fps', 'e2e p50 ms', 'e2e p95 ms', 'infer p50 ms', 'dropped', 'HLS changes', 'max part gap ms'], rows);
  const med = percentile(raw, 50);
  console.log(`\noverhead (e2e p50 / raw p50 − 1): ${(((results.saturated_1cam as { cameras: Array<{ e2e_ms: { p50: number } }> }).cameras[0].e2e_ms.p50 / med - 1) * 100).toFixed(1)} % (goal ≤ 10 %)`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:detect failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
