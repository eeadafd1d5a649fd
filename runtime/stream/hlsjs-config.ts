// The hls.js settings that match what the packager serves, handed to players by the stream API so
// the dashboard (and anyone else) plays at the intended latency.
export interface PackagerTiming {
  ll: boolean;
  partTargetS: number;
  segmentTargetS: number;
}

export function hlsjsConfigFor(info: PackagerTiming): Record<string, unknown> {
  if (!info.ll) {
    return { lowLatencyMode: false, backBufferLength: 30, liveSyncDurationCount: 3 };
  }
  return {
    lowLatencyMode: true,
    // Keep a short back buffer: a phone left on the dashboard must not grow memory without bound.
    backBufferLength: 10,
    maxBufferLength: 4,
    // Let hls.js speed up slightly to catch up after a stall instead of jumping.
    maxLiveSyncPlaybackRate: 1.2,
    // No liveSync*/liveMaxLatency* here: hls.js rejects liveMaxLatencyDurationCount without
    // liveSyncDurationCount ("Illegal hls.js config", so nothing played), and any user liveSync*
    // replaces the playlist's PART-HOLD-BACK as the target latency. The target stays with the
    // server; the built-in player jumps back to live itself when far behind (player.ts).
  };
}
