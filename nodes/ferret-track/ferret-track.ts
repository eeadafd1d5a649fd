// ferret-track: DeepSORT tracking of ferret-detect results, one tracker per camera, identities from
// the runtime's shared IdentityRegistry (kept in <userDir>/ferretwatch-identities.json).
// The node only wires runtime/track to Node-RED: input checks, messages, status, close.
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow, NodeMessage } from 'node-red';
import type { TrackLifecyclePayload, TracksPayload } from '../../runtime/contracts';
import { numberIn } from '../../runtime/config-values';
import { hub } from '../../runtime/hub';
import { mountOnce } from '../../runtime/http/api';
import { CameraTracker, type CameraTrackerOptions, type CameraUpdate } from '../../runtime/track/camera-tracker';
import { registerFerretRoutes } from '../../runtime/track/ferrets-api';
import { identitiesFile, openIdentityStore, type IdentityStoreHandle } from '../../runtime/track/identity-store';
import { parseDetectionsMessage } from '../../runtime/track/input';
import { noteEmbeddingDims, registerCameraTracker, unregisterCameraTracker } from '../../runtime/track/live-tracks';
import { trackStatusText } from '../../runtime/track/status-text';
import { translator, flatCatalog, nodeLogger } from '../lib/i18n';
import catalog from './locales/en-US/ferret-track.json';

interface TrackNodeDef extends NodeDef {
  maxAge?: number | string;
  nInit?: number | string;
  transitWindow?: number | string;
  appearance?: number | string;
  stationaryTimeout?: number | string;
  includeTentative?: boolean;
  labels?: string;
}

/** Without a frame for this long, a camera's tracks are advanced on the clock (they coast, park, end). */
const TICK_MS = 1000;
const ERROR_STATUS_MS = 3000;

interface CameraState {
  tracker: CameraTracker;
  /** ts of the last frame and when it arrived (Date.now()), to advance the camera's clock when idle. */
  frameTs: number;
  arrivedAt: number;
  dimsNoted: boolean;
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-track', catalog));

  function FerretTrack(this: Node, def: TrackNodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = nodeLogger(node);
    if (RED.httpNode) mountOnce(RED.httpNode as never, hub);
    registerFerretRoutes(undefined, log);

    const appearance = numberIn(def.appearance, 0.25, 0.01, 2);
    const trackerOpts: CameraTrackerOptions = {
      maxAgeS: numberIn(def.maxAge, 5, 0.1, 3600),
      nInit: Math.round(numberIn(def.nInit, 3, 1, 30)),
      maxCosineDistance: appearance,
      stationaryTimeoutS: numberIn(def.stationaryTimeout, 12, 0, 24 * 7) * 3600,
      includeTentative: !!def.includeTentative,
      labels: (def.labels ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
    const userDir = (RED.settings as { userDir?: string }).userDir || path.join(os.homedir(), '.node-red');
    const store: IdentityStoreHandle = openIdentityStore(
      identitiesFile(userDir),
      { transitWindowS: numberIn(def.transitWindow, 60, 0, 24 * 3600), maxTransitDistance: appearance, maxEnrolledDistance: appearance },
      log,
    );
    const cameras = new Map<string, CameraState>();
    let frameCounter = 0;
    let errorUntil = 0;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatus = '';
    let lastDirty = 0;

    const showStatus = (force = false) => {
      if (!force && Date.now() < errorUntil) return;
      const all = [...cameras.values()].flatMap((c) => c.tracker.tracks);
      const text = trackStatusText(all, { one: t('ferret-track.status.track'), many: t('ferret-track.status.tracks'), none: t('ferret-track.status.idle') });
      if (!force && text === lastStatus) return;
      lastStatus = text;
      node.status({ fill: all.length ? 'green' : 'grey', shape: all.length ? 'dot' : 'ring', text });
    };

    const emit = (u: CameraUpdate, base: NodeMessage | undefined, send: (m: Array<NodeMessage | NodeMessage[] | null>) => void) => {
      const payload: TracksPayload = u.tracks;
      hub.publish({ kind: 'tracks', payload });
      for (const e of u.events) hub.publish({ kind: 'track', payload: e });
      const out1: NodeMessage = base ? Object.assign(base, { topic: `${payload.camera}/tracks`, payload }) : { topic: `${payload.camera}/tracks`, payload };
      const out2 = u.events.map((e: TrackLifecyclePayload): NodeMessage => ({ topic: `${e.camera}/track`, payload: e }));
      send([out1, out2.length ? out2 : null]);
      const now = Date.now();
      if (u.events.length || now - lastDirty > 2000) {
        lastDirty = now;
        store.persistence?.markDirty();
      }
    };

    const cameraState = (camera: string): CameraState => {
      let c = cameras.get(camera);
      if (!c) {
        const tracker = new CameraTracker(camera, store.registry, trackerOpts);
        c = { tracker, frameTs: 0, arrivedAt: 0, dimsNoted: false };
        cameras.set(camera, c);
        registerCameraTracker(tracker, node);
      }
      return c;
    };

    // Frames stop coming when nothing is detected: advance idle cameras on the clock so tracks end.
    const ticker = setInterval(() => {
      const now = Date.now();
      for (const c of cameras.values()) {
        if (!c.arrivedAt || now - c.arrivedAt < TICK_MS || c.tracker.tracker.size === 0) continue;
        try {
          const u = c.tracker.tick(c.frameTs + (now - c.arrivedAt));
          if (u.events.length) emit(u, undefined, (m) => node.send(m));
        } catch (err) {
          node.error(t('ferret-track.errors.internal', { reason: (err as Error).message }));
        }
      }
      showStatus();
    }, TICK_MS);
    ticker.unref?.();

    node.status({ fill: 'grey', shape: 'ring', text: t('ferret-track.status.idle') });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      let input;
      try {
        input = parseDetectionsMessage(msg.payload, msg.topic, Date.now(), ++frameCounter);
      } catch (err) {
        const e = err as Error;
        errorUntil = Date.now() + ERROR_STATUS_MS;
        node.status({ fill: 'red', shape: 'ring', text: t('ferret-track.status.badInput') });
        if (statusTimer) clearTimeout(statusTimer);
        statusTimer = setTimeout(() => showStatus(true), ERROR_STATUS_MS);
        // done(err) reports it as node.error(err, msg) does (Catch nodes see it); calling both
        // would report every bad message twice.
        done(e);
        return;
      }
      try {
        const c = cameraState(input.camera);
        if (!c.dimsNoted) {
          const d = input.detections.find((x) => x.embedding && x.embedding.length);
          if (d) {
            c.dimsNoted = true;
            noteEmbeddingDims(input.camera, d.embedding!.length);
            const other = store.registry.list().filter((i) => i.enrolled && i.dims !== null && i.dims !== d.embedding!.length);
            if (other.length) node.warn(t('ferret-track.errors.dims', { names: other.map((i) => i.name ?? i.ferretId).join(', '), dims: d.embedding!.length }));
          }
        }
        c.frameTs = input.ts;
        c.arrivedAt = Date.now();
        emit(c.tracker.update(input), msg as NodeMessage, send as never);
        showStatus();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(ticker);
      if (statusTimer) clearTimeout(statusTimer);
      const now = Date.now();
      for (const [camera, c] of cameras) {
        // Free the identities this node's tracks held (the next deploy's tracks take them back).
        store.registry.assign(camera, [], Math.max(now, c.tracker.lastTs));
        unregisterCameraTracker(camera, node);
      }
      cameras.clear();
      store.persistence?.markDirty();
      store.release();
      done();
    });
  }

  RED.nodes.registerType('ferret-track', FerretTrack as never);
};
