// ferret-broker: the config node behind every ferret-mqtt node, like Node-RED's mqtt-broker
// config node (10-mqtt.js): it holds the connection settings and credentials, owns ONE
// FerretMqttPublisher shared by its users (connected while at least one user is registered),
// fans its status out to them, and in embedded mode runs an aedes broker inside Node-RED.
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI, NodeDef, NodeStatus, Node } from 'node-red';
import { hub } from '../../runtime/hub';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/mqtt/broker';
import { FerretMqttPublisher, type LogFn } from '../../runtime/mqtt/publisher';
import { FallbackOutbox, FileOutbox, MemoryOutbox, currentStoreOutbox, type Outbox } from '../../runtime/mqtt/outbox';
import { PublisherFeed } from '../../runtime/mqtt/feed';
import { HubBridge } from '../../runtime/mqtt/hub-bridge';
import { listenProblem, resolveBroker, type BrokerNodeFields, type ResolvedBroker } from '../../runtime/mqtt/settings';
import { translator, flatCatalog, nodeLogger } from '../lib/i18n';
import type { BrokerUserOptions, FerretBrokerNode } from './types';
import catalog from './locales/en-US/ferret-broker.json';

type BrokerNodeDef = NodeDef & BrokerNodeFields;

/** Only one broker config node may drain the store's outbox: two would each send every entry. */
let storeOutboxOwner: object | undefined;

const STATUS_REFRESH_MS = 5000;

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-broker', catalog));

  function FerretBroker(this: FerretBrokerNode, def: BrokerNodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const logger = nodeLogger(node);
    const log: LogFn = (level, message) => logger[level](message);
    const users = new Map<string, { user: Node; live: boolean }>();

    let settings: ResolvedBroker | undefined;
    /** Red status text: a config error or a broker that could not start. */
    let problem: string | undefined;
    let broker: EmbeddedBroker | undefined;
    let brokerStart: Promise<void> = Promise.resolve();
    let brokerReady = false;
    let pub: FerretMqttPublisher | undefined;
    let stopping: Promise<void> = Promise.resolve();
    let outbox: Outbox | undefined;
    let closing = false;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatus = '';

    const feed = new PublisherFeed(() => pub);
    const bridge = new HubBridge(hub, () => pub, feed, { log });

    try {
      settings = resolveBroker(def, node.credentials ?? {});
      for (const n of settings.notes) node.warn(n);
    } catch (err) {
      problem = (err as Error).message;
      node.configError = problem;
      node.error(t('ferret-broker.errors.config', { reason: problem }));
    }

    const statusNow = (): NodeStatus => {
      if (problem) return { fill: 'red', shape: 'ring', text: problem };
      if (settings?.embedded && !brokerReady) {
        return { fill: 'yellow', shape: 'ring', text: t('ferret-broker.status.starting', { port: settings.embedded.port }) };
      }
      if (!pub) return { fill: 'grey', shape: 'ring', text: t('ferret-broker.status.idle') };
      const s = pub.stats();
      if (s.connected) {
        const exposed = broker?.warning ? t('ferret-broker.status.exposed') : '';
        return {
          fill: s.queued > 0 || exposed ? 'yellow' : 'green',
          shape: 'dot',
          text: t('ferret-broker.status.connected', { rate: s.msgsPerMin }) + exposed,
        };
      }
      const refusal = pub.refusal();
      if (refusal) {
        const queued = s.queued > 0 ? t('ferret-broker.status.queuedSuffix', { queued: s.queued }) : '';
        const key = /^(bad user|not authorized|client id)/.test(refusal) ? 'refused' : 'problem';
        return { fill: 'red', shape: 'ring', text: t(`ferret-broker.status.${key}`, { reason: refusal }) + queued };
      }
      if (pub.status().fill === 'grey') return { fill: 'yellow', shape: 'ring', text: t('ferret-broker.status.connecting') };
      return { fill: 'red', shape: 'ring', text: t('ferret-broker.status.down', { queued: s.queued }) };
    };

    const fanOut = (force = false) => {
      const st = statusNow();
      const key = `${st.fill}|${st.shape}|${st.text}`;
      if (!force && key === lastStatus) return;
      lastStatus = key;
      for (const { user } of users.values()) user.status(st);
    };

    if (settings?.embedded && !problem) {
      const opts = settings.embedded;
      brokerStart = startEmbeddedBroker(opts).then(
        (b) => {
          broker = b;
          brokerReady = true;
          if (closing) return;
          node.log(t('ferret-broker.log.embedded', { url: b.wsAddress ? `${b.address.url} + ${b.wsAddress.url}` : b.address.url }));
          if (b.warning) node.warn(b.warning);
          fanOut();
        },
        (err: NodeJS.ErrnoException) => {
          // The flow keeps running: inputs are still accepted (durable ones wait in the outbox).
          problem = listenProblem(err, opts.host, opts.port);
          node.error(problem);
          fanOut();
        },
      );
    }

    /** The store's outbox while a behavior-store node runs, else a file in the user dir. */
    const openOutbox = (): Outbox => {
      const userDir = (RED.settings as { userDir?: string }).userDir || path.join(os.homedir(), '.node-red');
      const dir = path.join(userDir, 'ferretwatch-outbox', node.id.replace(/[^A-Za-z0-9_.-]/g, '_'));
      let local: Outbox;
      try {
        local = new FileOutbox(dir);
      } catch (err) {
        node.warn(t('ferret-broker.errors.outbox', { dir, reason: (err as Error).message }));
        local = new MemoryOutbox();
      }
      if (storeOutboxOwner === undefined) storeOutboxOwner = node;
      return new FallbackOutbox(() => (storeOutboxOwner === node ? currentStoreOutbox() : undefined), local);
    };

    const ensurePublisher = () => {
      if (pub || !settings || closing) return;
      if (!outbox) outbox = openOutbox();
      const p = new FerretMqttPublisher({
        ...settings.publisher,
        outbox,
        onDetectSet: bridge.onDetectSet,
        onSnapshotRequest: bridge.onSnapshotRequest,
        log,
      });
      pub = p;
      p.on('status', () => fanOut());
      bridge.start();
      bridge.syncCameras();
      // A previous publisher says `offline` when it stops: ours must say `online` after that.
      void stopping
        .then(() => brokerStart)
        .then(() => {
          if (pub === p && !closing && !problem) p.start();
          fanOut();
        });
    };

    const updateLive = () => bridge.setLive([...users.values()].some((u) => u.live));

    node.register = (user: Node, opts: BrokerUserOptions) => {
      users.set(user.id, { user, live: opts.live });
      ensurePublisher();
      updateLive();
      user.status(statusNow());
      if (!statusTimer) {
        // msg/min and the queue change without an event: refresh now and then (only changes are sent).
        statusTimer = setInterval(() => fanOut(), STATUS_REFRESH_MS);
        statusTimer.unref();
      }
    };

    node.deregister = (user: Node, done: () => void) => {
      users.delete(user.id);
      updateLive();
      if (users.size > 0 || !pub) return done();
      // The last user left: disconnect (a new user starts a fresh publisher).
      const p = pub;
      pub = undefined;
      bridge.stop();
      if (statusTimer) clearInterval(statusTimer);
      statusTimer = undefined;
      stopping = stopping.then(() => p.stop()).catch(() => undefined);
      stopping.then(done, done);
    };

    node.deliver = (item) => feed.deliver(item);
    node.currentStatus = statusNow;
    node.publisher = () => pub;

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (statusTimer) clearInterval(statusTimer);
      bridge.stop();
      const p = pub;
      pub = undefined;
      const finish = async () => {
        await stopping;
        if (p) await p.stop().catch(() => undefined);
        outbox?.close();
        if (storeOutboxOwner === node) storeOutboxOwner = undefined;
        await brokerStart;
        // Awaited, so a redeploy can listen on the same port at once.
        if (broker) await broker.close();
      };
      finish().then(
        () => done(),
        (err: Error) => {
          node.warn(err.message);
          done();
        },
      );
    });
  }

  RED.nodes.registerType('ferret-broker', FerretBroker as never, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
};
