// rtsp-hls-stream: a camera's live view as (LL-)HLS served by Node-RED itself.
// The node only wires runtime/stream/CameraStream to Node-RED: status, messages, close.
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { hub } from '../../runtime/hub';
import { CameraStream } from '../../runtime/stream/camera-stream';
import { streamOptionsFromConfig, type StreamNodeConfig } from '../../runtime/stream/options';
import type { StreamStatePayload } from '../../runtime/contracts';
import { translator, flatCatalog, nodeLogger } from '../lib/i18n';
import type { FerretCameraNode } from '../lib/types';
import catalog from './locales/en-US/rtsp-hls-stream.json';

function formatRate(kbps?: number): string {
  if (kbps === undefined) return '';
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${kbps} kb/s`;
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('rtsp-hls-stream', catalog));

  function RtspHlsStream(this: Node, def: NodeDef & StreamNodeConfig) {
    RED.nodes.createNode(this, def);
    const node = this;
    const cameraNode = RED.nodes.getNode(def.camera) as FerretCameraNode | null;
    let stream: CameraStream | undefined;
    let statusTimer: NodeJS.Timeout | undefined;

    const showStatus = (p: StreamStatePayload) => {
      switch (p.state) {
        case 'live':
          node.status({ fill: 'green', shape: 'dot', text: t('rtsp-hls-stream.status.live', { fps: p.stats.fps?.toFixed(0) ?? '?', rate: formatRate(p.stats.bitrateKbps) }).trim() });
          break;
        case 'starting':
          node.status({ fill: 'yellow', shape: 'dot', text: t('rtsp-hls-stream.status.starting') });
          break;
        case 'stalled':
          node.status({ fill: 'yellow', shape: 'ring', text: t('rtsp-hls-stream.status.stalled', { reason: p.reason ?? '' }) });
          break;
        case 'restarting':
          node.status({ fill: 'yellow', shape: 'ring', text: t('rtsp-hls-stream.status.restarting', { n: p.stats.restarts }) });
          break;
        case 'failed':
          node.status({ fill: 'red', shape: 'ring', text: t('rtsp-hls-stream.status.failed', { reason: p.reason ?? 'failed' }) });
          break;
        default:
          node.status({ fill: 'grey', shape: 'ring', text: t('rtsp-hls-stream.status.stopped') });
      }
    };

    if (!cameraNode) {
      node.status({ fill: 'red', shape: 'ring', text: t('rtsp-hls-stream.status.noCamera') });
      node.error(t('rtsp-hls-stream.errors.noCamera'));
    } else if (!cameraNode.camera) {
      node.status({ fill: 'red', shape: 'ring', text: t('rtsp-hls-stream.status.cameraError') });
      node.error(t('rtsp-hls-stream.errors.cameraInvalid', { reason: cameraNode.configError ?? 'unknown' }));
    } else {
      try {
        stream = new CameraStream(cameraNode.camera, streamOptionsFromConfig(def), nodeLogger(node));
        hub.attachStream(cameraNode.camera.id, stream, node);
        const camId = cameraNode.camera.id;
        stream.on('state', (p) => {
          showStatus(p);
          hub.publish({ kind: 'stream', payload: p });
          node.send({ topic: `${camId}/stream`, payload: p });
        });
        stream.on('warn', (m) => node.warn(m));
        stream.start();
        // Live figures (fps, bitrate) change without a state change: refresh the status now and then.
        statusTimer = setInterval(() => {
          if (stream?.state === 'live') showStatus(stream.statePayload());
        }, 5000);
      } catch (e) {
        stream = undefined;
        const reason = (e as Error).message;
        node.status({ fill: 'red', shape: 'ring', text: t('rtsp-hls-stream.status.failed', { reason }) });
        node.error(t('rtsp-hls-stream.errors.start', { reason }));
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const cmd = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : typeof msg.topic === 'string' ? msg.topic : '';
      if (!stream) {
        done(new Error(t('rtsp-hls-stream.errors.noCamera')));
        return;
      }
      const s = stream;
      switch (cmd) {
        case 'start':
          s.start();
          break;
        case 'stop':
          void s.stop();
          break;
        case 'restart':
          void s.stop().then(() => s.start());
          break;
        case 'status':
        case '':
          send({ ...msg, topic: `${s.camera.id}/stream`, payload: s.statePayload() });
          break;
        default:
          done(new Error(t('rtsp-hls-stream.errors.badCommand', { cmd: JSON.stringify(msg.payload) })));
          return;
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearInterval(statusTimer);
      if (!stream) return done();
      const s = stream;
      if (cameraNode?.camera) hub.detachStream(cameraNode.camera.id, node);
      // Wait for ffmpeg to exit: no orphan process after a redeploy or shutdown.
      s.stop().then(done, done);
    });
  }

  RED.nodes.registerType('rtsp-hls-stream', RtspHlsStream as never);
};
