// Streaming benchmark: glass-to-browser latency of the live view with hls.js in a real browser,
// LL-HLS against the plain playlist of the same stream, start-up time, stalls, and what one camera
// costs (CPU of ffmpeg and of the packager, in copy and in transcode mode; packager memory).
// Writes bench/results/stream.json and prints a table.
//
//   npm run bench:stream            (= node scripts/build.js && node dist/bench/stream.js)
//   node dist/bench/stream.js [--seconds 30] [--cpu-seconds 30] [--part <s>] [--segment <s>] [--out <file>]
//                             [--skip-plain] [--skip-clock] [--skip-transcode]
//
// Setup: a real RTSP server (GStreamer, test/support/rtsp-server.ts) serves a 1080p30 H.264 camera
// (a 4 Mbit/s clip with a 1 s GOP, stream-copied in real time with ffmpeg -re, so the "camera" costs
// nothing). The pipeline runs in a child process (bench/lib/stream-worker.ts) exactly as the node
// runs it: CameraStream = ffmpeg (-c:v copy → fragmented MP4 on a pipe) + the in-memory packager
// behind the /ferretwatch router. The system Chromium plays /ferretwatch/player?camera=cam, the
// built-in player, with the hls.js config the stream API hands out. See `method` in the JSON.
import * as path from 'node:path';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../test/support/rtsp-server';
import { ensure1080p30, ffprobeJson, ffmpegPath, videoStream } from '../test/support/media';
import { freePort } from '../test/support/ports';
import { waitFor, sleep } from '../test/support/wait';
import { repoRoot } from '../test/support/shared';
import { DEFAULT_STREAM_OPTIONS, type CameraStreamOptions } from '../runtime/stream/camera-stream';
import { hlsjsConfigFor } from '../runtime/stream/hlsjs-config';
import { flag, numFlag, boolFlag } from './lib/args';
import { launchChromium, browserAvailable, type Browser } from './lib/browser';
import { startClockProbe, takeClockSamples, openPlayer, samplePlayback, type PlaybackResult } from './lib/player-sampler';
import { startClockSource, decodeClockStripe, CLOCK_BITS, CELL_W, ROW_H, type ClockSource } from './lib/clock-source';
import { machineInfo, toolVersion } from './lib/machine';
import { rssMb, sampleCpuPercent, loadavg1 } from './lib/proc';
import { writeJson, printTable } from './lib/report';
import { p50p95, percentile, round, summarize } from './lib/stats';
import { startStreamWorker, type StreamWorker } from './lib/stream-worker-client';
import type { WorkerRequestCounts } from './lib/stream-worker';

const SECONDS = numFlag('seconds', 30);
const CPU_SECONDS = numFlag('cpu-seconds', SECONDS);
const OUT = flag('out', path.join(repoRoot, 'bench', 'results', 'stream.json'))!;
const STREAM: Partial<CameraStreamOptions> = {
  mode: 'copy',
  partTargetS: numFlag('part', DEFAULT_STREAM_OPTIONS.partTargetS),
  segmentTargetS: numFlag('segment', DEFAULT_STREAM_OPTIONS.segmentTargetS),
};
const GOAL_P50_MS = 1500;

function log(msg: string): void {
  console.log(`# ${new Date().toISOString().slice(11, 19)} ${msg}`);
}

async function waitLive(worker: StreamWorker, id: string): Promise<number> {
  const s = await waitFor(`camera ${id} live`, async () => {
    const st = (await worker.stats()).cameras[id];
    return st?.state === 'live' && st.lastMsn >= 1 ? st : undefined;
  }, 30_000, 250);
  return s.ffmpegPid!;
}

/** CPU of the camera's ffmpeg and of the worker process (the packager) over the same window. */
async function cpuWindow(worker: StreamWorker, ffmpegPid: number, seconds: number) {
  const [ffmpeg, packager] = await Promise.all([sampleCpuPercent([ffmpegPid], seconds * 1000), sampleCpuPercent([worker.pid], seconds * 1000)]);
  return { ffmpeg: round(ffmpeg, 1), packager: round(packager, 1), total: round(ffmpeg + packager, 1) };
}

function diffRequests(a: WorkerRequestCounts, b: WorkerRequestCounts): WorkerRequestCounts {
  return {
    blockingPlaylist: b.blockingPlaylist - a.blockingPlaylist,
    plainPlaylist: b.plainPlaylist - a.plainPlaylist,
    parts: b.parts - a.parts,
    earlyParts: b.earlyParts - a.earlyParts,
    segments: b.segments - a.segments,
  };
}

function playlistTags(text: string) {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    targetDuration: num(/#EXT-X-TARGETDURATION:([\d.]+)/),
    partTarget: num(/PART-TARGET=([\d.]+)/),
    partHoldBack: num(/PART-HOLD-BACK=([\d.]+)/),
  };
}

interface PlayPhase {
  result: PlaybackResult;
  requests: WorkerRequestCounts;
  packagerCpuPct: number;
  consoleErrors: string[];
}

async function playPhase(browser: Browser, worker: StreamWorker, camera: string, ll: boolean, seconds: number): Promise<PlayPhase> {
  const consoleErrors: string[] = [];
  const page = await browser.newPage({ onConsole: (l) => /^\[(error|pageerror)/.test(l) && !/favicon|404 \(Not Found\)/.test(l) && consoleErrors.push(l) });
  try {
    const before = (await worker.stats()).requests;
    await openPlayer(page, worker.baseUrl, camera, { ll, timeoutMs: 40_000 });
    // The packager process while it serves this one viewer (playlist reloads, parts).
    const cpu = sampleCpuPercent([worker.pid], seconds * 1000);
    const result = await samplePlayback(page, { seconds });
    const requests = diffRequests(before, (await worker.stats()).requests);
    return { result, requests, packagerCpuPct: round(await cpu, 1), consoleErrors: consoleErrors.slice(0, 10) };
  } finally {
    await page.close().catch(() => undefined);
  }
}

function phaseFigures(p: PlayPhase) {
  const r = p.result;
  const lat = r.samples.map((s) => s.pdtLatencyMs ?? NaN);
  const hl = r.samples.map((s) => s.hlsLatencyS ?? NaN);
  const ct = r.samples.map((s) => s.currentTime);
  return {
    latency_ms: p50p95(lat),
    hls_latency_s: p50p95(hl, 3),
    target_latency_s: r.targetLatencyS !== undefined ? round(r.targetLatencyS, 3) : undefined,
    startup_ms: r.startupMs !== undefined ? Math.round(r.startupMs) : undefined,
    stalls: r.stalls,
    waiting: r.waiting,
    jumps_to_live: r.jumps,
    samples: lat.filter(Number.isFinite).length,
    played_s: ct.length ? round(ct[ct.length - 1] - ct[0], 1) : 0,
    buffer_ahead_s: p50p95(r.samples.map((s) => s.bufferAheadS), 2),
    playback_rate_max: r.samples.length ? Math.max(...r.samples.map((s) => s.playbackRate)) : undefined,
    fatal_errors: r.fatalErrors,
    errors: r.errors,
    csp_violations: r.cspViolations,
    requests: p.requests,
    packager_cpu_pct_with_this_viewer: p.packagerCpuPct,
    console_errors: p.consoleErrors,
  };
}

async function clockPhase(browser: Browser, worker: StreamWorker, seconds: number) {
  const epochMs = Math.floor(Date.now() / 1000) * 1000;
  const port = await freePort('127.0.0.1', { udpToo: true });
  let src: ClockSource | undefined;
  const page = await browser.newPage();
  try {
    src = startClockSource({ udpPort: port, epochMs, ffmpegPath: ffmpegPath() });
    await worker.start({ id: 'clock', url: src.url }, STREAM);
    await waitLive(worker, 'clock');
    await openPlayer(page, worker.baseUrl, 'clock', { ll: true, timeoutMs: 40_000 });
    await startClockProbe(page, decodeClockStripe.toString(), { bits: CLOCK_BITS, cellW: CELL_W, rowH: ROW_H });
    const play = await samplePlayback(page, { seconds });
    const { samples, misreads } = await takeClockSamples(page);
    const glass = samples.map((s) => s.shownAt - (epochMs + s.stamp));
    const pdtError = samples.filter((s) => s.pdtMs !== undefined).map((s) => s.pdtMs! - (epochMs + s.stamp));
    return {
      glass_ms: p50p95(glass),
      pdt_latency_ms: p50p95(play.samples.map((s) => s.pdtLatencyMs ?? NaN)),
      pdt_minus_capture_ms: { min: round(Math.min(...pdtError)), p50: round(percentile(pdtError, 50)), p95: round(percentile(pdtError, 95)) },
      stalls: play.stalls,
      samples: samples.length,
      misreads,
    };
  } finally {
    await page.close().catch(() => undefined);
    await worker.stopCamera('clock').catch(() => undefined);
    await src?.stop();
  }
}

async function main(): Promise<void> {
  const rtsp = rtspServerAvailable();
  if (!rtsp.ok) throw new Error(rtsp.reason);
  const chromium = browserAvailable();
  if (!chromium.ok) throw new Error(chromium.reason);

  const machine = machineInfo({
    chromium: chromium.version,
    ffmpeg: toolVersion(ffmpegPath(), ['-version'], /ffmpeg version (\S+)/),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    hlsjs: require('hls.js/package.json').version as string,
  });
  log(`load average ${machine.loadavg.join(' ')} on ${machine.cpus} CPUs`);
  const clip = await ensure1080p30();
  const probe = videoStream(await ffprobeJson(clip));

  let server: RtspServer | undefined;
  let worker: StreamWorker | undefined;
  let browser: Browser | undefined;
  const onSignal = () => process.exit(130); // exit hooks kill the worker, ffmpeg, server, browser
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startRtspServer({ mounts: { cam: `file:${clip}` } });
    worker = await startStreamWorker();
    const idle = await worker.stats(true);
    const idleRss = rssMb(worker.pid)!;

    // 1. One camera, no viewer: what it costs.
    log(`copy mode: ${CPU_SECONDS} s CPU window, no browser attached`);
    await worker.start({ id: 'cam', url: server.url('cam') }, STREAM);
    const camFfmpeg = await waitLive(worker, 'cam');
    await sleep(3000);
    const cpuCopy = await cpuWindow(worker, camFfmpeg, CPU_SECONDS);
    const withCam = await worker.stats(true);
    const camRss = rssMb(worker.pid)!;
    const playlist = playlistTags(await (await fetch(`${worker.baseUrl}/ferretwatch/hls/cam/index.m3u8`)).text());
    const slack = withCam.cameras.cam.arrivalSlackMs;

    // 2. Latency, LL then plain, same stream, same browser.
    browser = await launchChromium();
    log(`LL playlist: ${SECONDS} s of samples after the first frame`);
    const ll = await playPhase(browser, worker, 'cam', true, SECONDS);
    let plain: PlayPhase | undefined;
    if (!boolFlag('skip-plain')) {
      log(`plain playlist: ${SECONDS} s of samples after the first frame`);
      plain = await playPhase(browser, worker, 'cam', false, SECONDS);
    }
    await worker.stopCamera('cam');

    // 3. Independent check of the PDT-based figure: a source that carries the wall clock in its pixels.
    let crosscheck;
    if (!boolFlag('skip-clock')) {
      log(`cross-check with a wall-clock-stamped source: ${Math.max(15, Math.round(SECONDS * 0.7))} s`);
      crosscheck = await clockPhase(browser, worker, Math.max(15, Math.round(SECONDS * 0.7)));
    }
    await browser.close();
    browser = undefined;

    // 4. Transcode mode (the seed's libx264 parameters), same source, no viewer.
    let cpuTranscode;
    if (!boolFlag('skip-transcode')) {
      log(`transcode mode: ${CPU_SECONDS} s CPU window`);
      await worker.start({ id: 'camx', url: server.url('cam') }, { ...STREAM, mode: 'transcode' });
      const xFfmpeg = await waitLive(worker, 'camx');
      await sleep(3000);
      cpuTranscode = await cpuWindow(worker, xFfmpeg, CPU_SECONDS);
      await worker.stopCamera('camx');
    }

    const llFig = phaseFigures(ll);
    const plainFig = plain ? phaseFigures(plain) : undefined;
    const heapExt = (m: { heapUsed: number; external: number }) => (m.heapUsed + m.external) / 2 ** 20;
    const result = {
      date: new Date().toISOString(),
      machine,
      loadavg_end: loadavg1(),
      source: {
        clip: path.basename(clip),
        codec: probe.codec_name,
        width: probe.width,
        height: probe.height,
        fps: 30,
        gop_s: 1,
        bitrate_kbps: 4000,
        delivery: 'GStreamer RTSP server on 127.0.0.1, RTP over TCP; the clip is stream-copied in real time (ffmpeg -re) into it, so frames leave the server at their capture pace',
      },
      config: {
        mode: 'copy',
        part_target_s: STREAM.partTargetS,
        segment_target_s: STREAM.segmentTargetS,
        playlist,
        hlsjs_ll: hlsjsConfigFor({ ll: true, partTargetS: STREAM.partTargetS!, segmentTargetS: STREAM.segmentTargetS! }),
        hlsjs_plain: { lowLatencyMode: false },
      },
      ll: llFig,
      plain: plainFig,
      crosscheck,
      pdt_anchor: {
        // arrival - stamped end of each fragment in copy mode: >= 0 means PDT is never later than arrival.
        arrival_slack_ms: Object.fromEntries(Object.entries(summarize(slack.slice(5))).map(([k, v]) => [k, round(v, 1)])),
      },
      cpu_pct_per_camera: { copy: cpuCopy, transcode: cpuTranscode },
      rss_mb: {
        worker_idle: round(idleRss, 1),
        worker_with_camera: round(camRss, 1),
        per_camera: round(camRss - idleRss, 1),
        heap_plus_external_growth: round(heapExt(withCam.memory) - heapExt(idle.memory), 1),
      },
      goal: { latency_p50_ms: GOAL_P50_MS, met: llFig.latency_ms.p50 <= GOAL_P50_MS },
      method: {
        latency:
          'Glass-to-browser latency = Date.now() - hls.playingDate, sampled once a second for the window after the first presented frame. hls.playingDate is the EXT-X-PROGRAM-DATE-TIME of the playing segment plus the offset of currentTime into it. The packager stamps PDT from arrival: a fragment is written when the frame after it arrives, so its end is stamped with its arrival time (its start with arrival minus its duration), and the earliest such estimate is kept (pdt_anchor.arrival_slack_ms >= 0). PDT is therefore the capture time plus the smallest transport delay (camera → packager), which this figure does not include; crosscheck measures it.',
        hls_latency: 'hls.latency: the playlist live edge (plus time since the playlist was loaded) minus currentTime, sampled with the PDT figure.',
        crosscheck:
          'A second source (bench/lib/clock-source.ts) stamps each frame with the wall clock in its pixels when ffmpeg generates it (setpts=RTCTIME, a row of black/white cells plus an inverted row), encodes it like a camera (libx264 zerolatency, 640x360) and sends MPEG-TS over UDP to the same pipeline. In the page, requestVideoFrameCallback copies the presented frame to a canvas and decodes the stamp: glass_ms = expected display time - stamp, i.e. true glass-to-glass minus the screen. pdt_minus_capture_ms = the frame\'s PDT - its stamp: how much the PDT-based figure under-reports (includes the source encoder and UDP hop, not the RTSP server).',
        startup: 'Navigation start to the first presented frame (requestVideoFrameCallback) with the stream already live: page, hls.js, API call, playlist, init and first parts.',
        stalls: 'hls.js BUFFER_STALLED_ERROR events during the sampling window; waiting = <video> waiting events.',
        cpu: 'Percent of one core over the window from /proc/<pid>/stat utime+stime, with no browser attached: ffmpeg = the camera\'s ffmpeg process; packager = the child process that runs only CameraStream and the HTTP router (bench/lib/stream-worker.ts), so neither Chromium nor the RTSP server is counted. Transcode = same source, libx264 at the node defaults (ultrafast, zerolatency, 2 Mbit/s, 2 s GOP).',
        rss: 'VmRSS of the worker process before the camera starts and after ~35 s with one camera (in-memory segments, parts and the 10 s clip buffer); heap_plus_external_growth from process.memoryUsage() after a forced GC.',
        noise: 'Shared 2-core machine: see machine.loadavg / loadavg_end.',
      },
    };
    writeJson(OUT, result);

    const lat = (f?: ReturnType<typeof phaseFigures>) => [f?.latency_ms.p50, f?.latency_ms.p95, f?.hls_latency_s.p50, f?.hls_latency_s.p95, f?.startup_ms, f?.stalls, f?.waiting, f?.samples];
    printTable(
      `Glass-to-browser latency, ${probe.width}x${probe.height} H.264 copy, part ${STREAM.partTargetS} s (PART-TARGET ${playlist.partTarget}, PART-HOLD-BACK ${playlist.partHoldBack}), goal p50 <= ${GOAL_P50_MS} ms`,
      ['playlist', 'p50 ms', 'p95 ms', 'hls.latency p50 s', 'p95 s', 'startup ms', 'stalls', 'waiting', 'samples'],
      [['LL', ...lat(llFig)], ['plain (2 s segments)', ...lat(plainFig)]],
    );
    if (crosscheck) {
      printTable('Cross-check: wall clock stamped in the pixels (640x360 live source, LL)', ['glass p50 ms', 'p95 ms', 'PDT - capture p50 ms', 'min', 'PDT latency p50 ms', 'samples', 'misreads'], [
        [crosscheck.glass_ms.p50, crosscheck.glass_ms.p95, crosscheck.pdt_minus_capture_ms.p50, crosscheck.pdt_minus_capture_ms.min, crosscheck.pdt_latency_ms.p50, crosscheck.samples, crosscheck.misreads],
      ]);
    }
    printTable('CPU per camera (% of one core) and memory', ['mode', 'ffmpeg %', 'packager %', 'total %', 'packager RSS MB'], [
      ['copy', cpuCopy.ffmpeg, cpuCopy.packager, cpuCopy.total, result.rss_mb.per_camera],
      ['transcode', cpuTranscode?.ffmpeg, cpuTranscode?.packager, cpuTranscode?.total, undefined],
    ]);
    console.log(`\nload average: start ${machine.loadavg.join(' ')}, end ${result.loadavg_end}; wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await browser?.close();
    await worker?.close();
    await server?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
