// ferret-detect: YOLO (or motion) detection on a camera's frames, results as messages.
// The node only wires runtime/detect/DetectPipeline to Node-RED: status, messages, input, close.
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { DetectPipeline } from '../../runtime/detect/pipeline';
import { detectSettingsFromConfig, type DetectNodeConfig } from '../../runtime/detect/options';
import type { DetectStats } from '../../runtime/detect/registry';
import { liveText } from '../../runtime/detect/status-text';
import { hub } from '../../runtime/hub';
import { translator, flatCatalog, nodeLogger } from '../lib/i18n';
import type { FerretCameraNode } from '../lib/types';
import catalog from './locales/en-US/ferret-detect.json';

interface DetectNodeDef extends NodeDef, DetectNodeConfig {
  camera: string;
}

/** Status texts are short: the editor truncates them anyway. */
function short(reason: string, max = 80): string {
  return reason.length > max ? `${reason.slice(0, max - 1)}…` : reason;
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-detect', catalog));

  function FerretDetect(this: Node, def: DetectNodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const cameraNode = RED.nodes.getNode(def.camera) as FerretCameraNode | null;
    let pipeline: DetectPipeline | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let onControl: ((camera: string, enabled: boolean) => void) | undefined;
    let onSnapshot: ((camera: string) => void) | undefined;

    const showStatus = (s: DetectStats) => {
      switch (s.state) {
        case 'live':
          node.status({ fill: 'green', shape: 'dot', text: liveText(s) });
          break;
        case 'loading':
          node.status({ fill: 'yellow', shape: 'dot', text: t('ferret-detect.status.loading') });
          break;
        case 'starting':
          node.status({ fill: 'yellow', shape: 'dot', text: t('ferret-detect.status.starting') });
          break;
        case 'stalled':
          node.status({ fill: 'yellow', shape: 'ring', text: short(t('ferret-detect.status.stalled', { reason: s.reason ?? '' })) });
          break;
        case 'restarting':
          node.status({ fill: 'yellow', shape: 'ring', text: t('ferret-detect.status.restarting', { n: s.restarts }) });
          break;
        case 'failed':
        case 'error':
          node.status({ fill: 'red', shape: 'ring', text: short(s.reason ?? s.state) });
          break;
        case 'paused':
          node.status({ fill: 'grey', shape: 'dot', text: t('ferret-detect.status.paused') });
          break;
        default:
          node.status({ fill: 'grey', shape: 'ring', text: t('ferret-detect.status.stopped') });
      }
    };

    if (!cameraNode) {
      node.status({ fill: 'red', shape: 'ring', text: t('ferret-detect.status.noCamera') });
      node.error(t('ferret-detect.errors.noCamera'));
    } else if (!cameraNode.camera) {
      node.status({ fill: 'red', shape: 'ring', text: t('ferret-detect.status.cameraError') });
      node.error(t('ferret-detect.errors.cameraInvalid', { reason: cameraNode.configError ?? 'unknown' }));
    } else {
      const camId = cameraNode.camera.id;
      const settings = detectSettingsFromConfig(def);
      const p = new DetectPipeline({
        camera: cameraNode.camera,
        detector: settings.detector,
        fps: settings.fps,
        embedder: settings.embedder,
        snapshots: settings.snapshots,
        log: nodeLogger(node),
      });
      pipeline = p;
      p.on('state', showStatus);
      p.on('detections', (payload) => {
        node.send({ topic: `${camId}/detections`, payload });
        hub.publish({ kind: 'detections', payload });
      });
      // MQTT command topics and the dashboard switch detection and ask for snapshots through the hub.
      onControl = (camera: string, enabled: boolean) => {
        if (camera !== camId) return;
        (enabled ? p.resume() : p.pause()).catch((err: Error) => node.error(t('ferret-detect.errors.run', { reason: err.message })));
      };
      onSnapshot = (camera: string) => {
        if (camera === camId) p.snapshotNext().catch(() => undefined);
      };
      hub.on('detectControl', onControl);
      hub.on('snapshotRequest', onSnapshot);
      p.on('warning', (m) => node.warn(m));
      p.on('error', (err) => node.error(t('ferret-detect.errors.run', { reason: err.message })));
      p.start().catch((err: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: short(err.message) });
        node.error(t('ferret-detect.errors.start', { reason: err.message }));
      });
      // Figures change without a state change: refresh the live status once a second.
      statusTimer = setInterval(() => {
        if (p.currentState === 'live') showStatus(p.stats());
      }, 1000);
    }

    node.on('input', (msg: NodeMessageInFlow & { snapshot?: unknown }, send, done) => {
      const fail = (err: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: short(t('ferret-detect.status.badInput', { reason: err.message })) });
        done(err);
      };
      if (!pipeline) return fail(new Error(t('ferret-detect.errors.notRunning')));
      const p = pipeline;
      const cmd = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : undefined;
      const wantsSnapshot = msg.snapshot === true;
      let step: Promise<void> = Promise.resolve();
      if (cmd === 'pause') step = p.pause();
      else if (cmd === 'resume') step = p.resume();
      else if (!wantsSnapshot) {
        const what = msg.snapshot !== undefined ? `msg.snapshot = ${JSON.stringify(msg.snapshot)}` : `payload ${short(JSON.stringify(msg.payload) ?? String(msg.payload), 40)}`;
        return fail(new Error(t('ferret-detect.errors.badCommand', { what })));
      }
      step
        .then(async () => {
          if (!wantsSnapshot) return;
          const r = await p.snapshotNext();
          send({ ...msg, topic: `${p.cameraId}/detections`, payload: { ...r.payload, snapshotUrl: r.snapshotUrl } });
        })
        .then(() => done(), (err: Error) => fail(err));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearInterval(statusTimer);
      if (onControl) hub.off('detectControl', onControl);
      if (onSnapshot) hub.off('snapshotRequest', onSnapshot);
      if (!pipeline) return done();
      // Wait for ffmpeg to exit and the session reference to go: no orphan after a redeploy.
      pipeline.stop().then(done, done);
    });
  }

  RED.nodes.registerType('ferret-detect', FerretDetect as never);
};
