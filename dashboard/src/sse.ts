// The page's one live connection: GET api/events/stream (Server-Sent Events). EventSource
// reconnects by itself; the watchdog also catches a silently dead connection (no heartbeat).
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export const EVENT_KINDS = ['stream', 'detections', 'tracks', 'track', 'behavior', 'episode', 'alert', 'summary', 'cameras', 'heartbeat'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export class LiveConnection {
  private source?: EventSource;
  private lastMessage = 0;
  private watchdog?: number;
  state: ConnectionState = 'connecting';

  constructor(
    private readonly url: string,
    private readonly onEvent: (kind: EventKind, data: unknown) => void,
    private readonly onState: (s: ConnectionState, first: boolean) => void,
    /** Heartbeats come every 15 s; three missed ones mean the connection is gone. */
    private readonly silenceMs = 45_000,
  ) {}

  start(): void {
    this.open();
    this.watchdog = window.setInterval(() => {
      if (this.source && Date.now() - this.lastMessage > this.silenceMs) this.open();
    }, 5000);
  }

  stop(): void {
    this.source?.close();
    this.source = undefined;
    if (this.watchdog !== undefined) window.clearInterval(this.watchdog);
  }

  private open(): void {
    this.source?.close();
    const es = new EventSource(this.url);
    this.source = es;
    this.lastMessage = Date.now();
    let opened = false;
    es.onopen = () => {
      this.lastMessage = Date.now();
      this.set('live', !opened);
      opened = true;
    };
    es.onerror = () => {
      if (this.source === es) this.set('reconnecting', false);
    };
    for (const kind of EVENT_KINDS) {
      es.addEventListener(kind, (ev) => {
        this.lastMessage = Date.now();
        let data: unknown;
        try {
          data = JSON.parse((ev as MessageEvent<string>).data);
        } catch {
          return;
        }
        this.onEvent(kind, data);
      });
    }
  }

  private set(s: ConnectionState, first: boolean): void {
    this.state = s;
    this.onState(s, first);
  }
}
