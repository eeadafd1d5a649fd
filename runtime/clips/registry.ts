// The clip recorder of the running behavior-store node, for modules that want an episode's clip
// id without a store dependency (the behavior node or the MQTT publisher adding `clip` to an
// episode event: currentClipRecorder()?.clipIdFor(episodeId)).
import type { ClipRecorder } from './recorder';

let current: { recorder: ClipRecorder; owner: object } | undefined;

export function setCurrentClipRecorder(recorder: ClipRecorder, owner: object): void {
  current = { recorder, owner };
}

export function clearCurrentClipRecorder(owner: object): void {
  if (current?.owner === owner) current = undefined;
}

export function currentClipRecorder(): ClipRecorder | undefined {
  return current?.recorder;
}
