// ferret-camera: the config node that names a camera and holds its URL, credentials and zones.
// Many nodes (stream, detect) share one camera, as many MQTT nodes share one broker in 10-mqtt.js.
import type { NodeAPI, NodeDef } from 'node-red';
import type { FerretCameraNode } from '../lib/types';
import { hub } from '../../runtime/hub';
import { mountOnce } from '../../runtime/http/api';
// Every /ferretwatch route registers itself on import; the camera node is loaded whenever
// FerretWatch is used, so the dashboard, history and live routes exist from the first deploy.
import '../../runtime/http/dashboard';
import '../../runtime/http/history';
import '../../runtime/detect/snapshot-route';
import '../../runtime/track/ferrets-api';
import { validateCameraId, checkSourceUrl, parseZones, type RtspTransport } from '../../runtime/camera/config';
import { splitUrlCredentials } from '../../runtime/camera/credentials';
import { resolveFfmpeg } from '../../runtime/ffmpeg/resolve';
import { translator, flatCatalog } from '../lib/i18n';
import catalog from './locales/en-US/ferret-camera.json';

interface CameraNodeDef extends NodeDef {
  cameraId: string;
  url: string;
  transport?: string;
  analysisUrl?: string;
  zones?: string;
}


let ffmpegLogged = false;

/** Which ffmpeg runs (FFMPEG_PATH, PATH or the npm fallback) and its version, once per process. */
function logFfmpegOnce(RED: NodeAPI): void {
  if (ffmpegLogged) return;
  ffmpegLogged = true;
  try {
    const f = resolveFfmpeg();
    RED.log.info(`[ferretwatch] ffmpeg ${f.version} from ${f.source} (${f.path})`);
  } catch (e) {
    RED.log.warn(`[ferretwatch] ${(e as Error).message}`);
  }
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-camera', catalog));
  if (RED.httpNode) mountOnce(RED.httpNode as never, hub);
  logFfmpegOnce(RED);

  function FerretCamera(this: FerretCameraNode, def: CameraNodeDef) {
    RED.nodes.createNode(this, def);
    const id = def.cameraId;
    try {
      validateCameraId(id);
      const urlProblem = checkSourceUrl(def.url);
      if (urlProblem) throw new Error(urlProblem);
      const creds = this.credentials ?? {};
      // Credentials inside the URL (typed there, or from ${FERRETWATCH_CAMERA_URL}) are taken out of it,
      // so they never reach a log, a status or an answer. The editor warns when they are typed in.
      const split = splitUrlCredentials(def.url.trim());
      const analysis = def.analysisUrl?.trim() ? splitUrlCredentials(def.analysisUrl.trim()) : undefined;
      if (analysis) {
        const p = checkSourceUrl(analysis.url);
        if (p) throw new Error(`analysis URL: ${p}`);
      }
      // TCP by default, as Frigate: it crosses NAT and survives lossy Wi-Fi; UDP and ffmpeg's own choice on request.
      const transport: RtspTransport = def.transport === 'udp' || def.transport === 'auto' ? def.transport : 'tcp';
      this.camera = {
        id,
        name: def.name || id,
        url: split.url,
        transport,
        analysisUrl: analysis?.url,
        zones: parseZones(def.zones),
        credentials: { user: creds.user || split.user, password: creds.password || split.password },
      };
      hub.registerCamera(this.camera, this);
    } catch (e) {
      this.configError = (e as Error).message;
      this.error(t('ferret-camera.errors.invalid', { id: String(id), reason: this.configError }));
    }

    this.on('close', (_removed: boolean, done: () => void) => {
      if (this.camera) hub.unregisterCamera(this.camera.id, this);
      done();
    });
  }

  RED.nodes.registerType('ferret-camera', FerretCamera as never, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
};
