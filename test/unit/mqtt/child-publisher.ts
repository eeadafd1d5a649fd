// A publisher in its own process, so tests can SIGKILL it (LWT, durable outbox).
// Usage: node child-publisher.js '<json PublisherOptions + {events?: number}>'
// Prints `connected` after connecting and `queued <n>` once n episode events are in the outbox.
import { FerretMqttPublisher, PublisherOptions } from '../../../runtime/mqtt/publisher';

function main(): void {
  if (!process.argv[2]) return; // loaded by a test runner glob: nothing to do
  const cfg = JSON.parse(process.argv[2]) as PublisherOptions & { events?: number };
  const pub = new FerretMqttPublisher({ statsIntervalMs: 0, reconnectPeriodMs: 300, ...cfg });
  pub.on('connect', () => process.stdout.write('connected\n'));
  pub.start();
  const n = cfg.events ?? 0;
  for (let i = 0; i < n; i++) {
    pub.onEpisode('end', {
      episodeId: `ep-${i}`,
      ferretId: 'luna',
      name: 'Luna',
      camera: 'cage',
      behavior: 'sleeping',
      start: 1_700_000_000_000 + i * 1000,
      end: 1_700_000_000_500 + i * 1000,
      durationS: 0.5,
      confidence: 0.9,
      zone: null,
    });
  }
  if (n > 0) process.stdout.write(`queued ${pub.stats().queued}\n`);
  setInterval(() => undefined, 1 << 30);
}

main();
