// Start-up: load cameras, ferrets and alerts, then follow the live event stream.
import { getJson, isHistoryUnavailable, listOf } from './api';
import { store } from './live-store';
import { LiveConnection, type EventKind } from './sse';
import type { Alert, BehaviorChangePayload, CameraInfo, DailySummary, DetectionsPayload, Episode, FerretInfo, StreamStatePayload, TracksPayload } from './types';
import { isCompact } from './app';
import './app';

async function loadCameras(): Promise<void> {
  try {
    store.setCameras(listOf<CameraInfo>(await getJson<unknown>('api/cameras'), 'cameras'));
  } catch {
    // Kept as is; the next camera event or poll tries again.
  }
}

async function loadFerrets(): Promise<void> {
  try {
    store.setFerrets(listOf<FerretInfo>(await getJson<unknown>('api/ferrets'), 'ferrets'));
    store.setHistory('ok');
  } catch (e) {
    if (isHistoryUnavailable(e)) store.setHistory('unavailable');
  }
}

async function loadAlerts(): Promise<void> {
  try {
    store.setAlerts(listOf<Alert>(await getJson<unknown>('api/alerts'), 'alerts'));
  } catch {
    // No store: live alerts still arrive.
  }
}

let cameraReload: number | undefined;
function reloadCamerasSoon(): void {
  if (cameraReload !== undefined) return;
  cameraReload = window.setTimeout(() => {
    cameraReload = undefined;
    void loadCameras();
  }, 250);
}

function onEvent(kind: EventKind, data: unknown): void {
  switch (kind) {
    case 'tracks':
      return store.onTracks(data as TracksPayload);
    case 'detections': {
      const d = data as DetectionsPayload;
      return store.buffer(store.detections, d.camera).push(d);
    }
    case 'stream': {
      const s = data as StreamStatePayload;
      if (!store.cameras.some((c) => c.id === s.camera)) reloadCamerasSoon();
      return store.onStream(s);
    }
    case 'cameras':
      return reloadCamerasSoon();
    case 'behavior':
      return store.onBehavior(data as BehaviorChangePayload);
    case 'episode':
      return store.onEpisode(data as Episode);
    case 'alert':
      return store.onAlert(data as Alert);
    case 'summary':
      return store.onSummary(data as DailySummary);
    default:
      return;
  }
}

const compact = isCompact();
const conn = new LiveConnection('api/events/stream', onEvent, (state, first) => {
  store.setConnection(state);
  // Back after a gap: catch up on what the stream could not deliver.
  if (state === 'live' && !first) {
    void loadCameras();
    void loadFerrets();
    if (!compact) void loadAlerts();
  }
});

void loadCameras();
void loadFerrets();
if (!compact) void loadAlerts();
conn.start();
// Cameras added or removed in Node-RED are announced on the stream; this is the safety net.
window.setInterval(() => void loadCameras(), 30_000);
