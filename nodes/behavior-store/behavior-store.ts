// behavior-store: the SQLite history of one Node-RED instance, event clips, and the data behind the
// /ferretwatch/api history routes. The node wires runtime/store, runtime/clips and the registries
// to Node-RED: input messages, status, close. docs/store.md describes the runtime.
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { hub } from '../../runtime/hub';
import { BehaviorStore } from '../../runtime/store/store';
import { handleQuery } from '../../runtime/store/query';
import { schemaVersion } from '../../runtime/store/migrations';
import { RetentionScheduler, type RetentionReport } from '../../runtime/store/retention';
import { toTuple } from '../../runtime/store/rows';
import { classifyInput } from '../../runtime/store/input';
import { setCurrentStore, clearCurrentStore } from '../../runtime/store/registry';
import { setIdentityPersistence, storeIdentityPersistence } from '../../runtime/store/identity-persistence';
import { storeNodeOptions, statusText, type StoreNodeDef, type StoreNodeOptions } from '../../runtime/store/node-config';
import { ClipRecorder } from '../../runtime/clips/recorder';
import { ClipTriggers } from '../../runtime/clips/triggers';
import { setCurrentClipRecorder, clearCurrentClipRecorder } from '../../runtime/clips/registry';
import { removeClipFile } from '../../runtime/clips/files';
// Registers the history routes and /api/openapi.json on the shared /ferretwatch router.
import '../../runtime/http/history';
import { translator, flatCatalog } from '../lib/i18n';
import catalog from './locales/en-US/behavior-store.json';

/** Status refreshes at most this often; more rarely when counting rows takes long (≤ 1 % of the time). */
const STATUS_EVERY_MS = 2000;
const RETENTION_EVERY_MS = 3_600_000;
const RETENTION_FIRST_MS = 30_000;

function short(s: string, n = 120): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('behavior-store', catalog));

  function BehaviorStoreNode(this: Node, def: NodeDef & StoreNodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const userDir = (RED.settings as { userDir?: string }).userDir;
    let opts: StoreNodeOptions | undefined;
    let store: BehaviorStore | undefined;
    let recorder: ClipRecorder | undefined;
    let triggers: ClipTriggers | undefined;
    let retention: RetentionScheduler | undefined;
    let retentionTimer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusAt = 0;
    let statusEveryMs = STATUS_EVERY_MS;
    /** Why the store is not usable (shown to inputs), when it is not. */
    let unusable: string | undefined;
    /** A write error or bad input is on display until the next good flush. */
    let degraded = false;

    const red = (text: string) => node.status({ fill: 'red', shape: 'ring', text: short(text) });

    const showStatus = () => {
      statusTimer = undefined;
      if (!store?.isOpen) return;
      lastStatusAt = Date.now();
      try {
        const t0 = performance.now();
        const c = store.counts();
        statusEveryMs = Math.max(STATUS_EVERY_MS, (performance.now() - t0) * 100);
        node.status({ fill: 'green', shape: 'dot', text: t('behavior-store.status.ok', { text: statusText(c.rows, c.ferrets, recorder?.recording ?? 0) }) });
        degraded = false;
      } catch (err) {
        red(t('behavior-store.status.writeError', { reason: (err as Error).message }));
      }
    };
    /** Throttled: a burst of flushes updates the status once. */
    const scheduleStatus = () => {
      if (statusTimer || !store?.isOpen) return;
      statusTimer = setTimeout(showStatus, Math.max(0, statusEveryMs - (Date.now() - lastStatusAt)));
      statusTimer.unref();
    };

    try {
      opts = storeNodeOptions(def, userDir);
    } catch (err) {
      unusable = t('behavior-store.errors.config', { reason: (err as Error).message });
      red(t('behavior-store.status.config', { reason: (err as Error).message }));
      node.error(unusable);
    }

    if (opts) {
      const o = opts;
      try {
        store = BehaviorStore.open(o.dbPath);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        unusable = t('behavior-store.errors.openFailed', { path: o.dbPath, reason: (err as Error).message });
        red(t('behavior-store.status.openFailed', { path: o.dbPath, reason }));
        node.error(unusable);
      }
      if (store) {
        const s = store;
        try {
          setCurrentStore(s, node);
        } catch (err) {
          unusable = (err as Error).message;
          s.close();
          store = undefined;
          red(t('behavior-store.status.duplicate'));
          node.error(unusable);
        }
      }
      if (store) {
        const s = store;
        node.log(t('behavior-store.log.opened', { path: o.dbPath, version: schemaVersion(s.database) }));
        s.on('flushed', scheduleStatus);
        s.on('write-error', (err, info) => {
          degraded = true;
          red(t('behavior-store.status.writeError', { reason: err.message }));
          node.error(t('behavior-store.errors.write', { reason: err.message, dropped: info.dropped, retry: info.willRetry ? 'will retry' : 'not retried' }));
        });
        try {
          const n = s.migrateIdentitiesFromJson(o.identitiesJson);
          if (n > 0) node.log(t('behavior-store.log.identities', { n, file: o.identitiesJson }));
        } catch (err) {
          node.warn(t('behavior-store.errors.identities', { file: o.identitiesJson, reason: (err as Error).message }));
        }
        setIdentityPersistence(storeIdentityPersistence(s), node);

        if (o.clips.enabled) {
          const rec = new ClipRecorder({ clipsDir: o.clips.dir, preRollS: o.clips.preRollS, postRollS: o.clips.postRollS, maxS: o.clips.maxS });
          recorder = rec;
          rec.on('clip', (clip) => {
            if (s.isOpen) s.enqueue('clip', clip);
          });
          rec.on('started', scheduleStatus);
          rec.on('warning', (err) => node.warn(err.message));
          void rec.sweepPartials().catch(() => undefined);
          triggers = new ClipTriggers(rec, {
            behaviors: o.clips.behaviors,
            alerts: o.clips.alerts,
            // An alert for a ferret not seen on any camera yet: the only live camera, if there is one.
            fallbackCamera: () => {
              const live = hub.cameraIds().filter((id) => hub.stream(id));
              return live.length === 1 ? live[0] : undefined;
            },
          });
          setCurrentClipRecorder(rec, node);
        }

        retention = new RetentionScheduler(s.database, o.retention, {
          intervalMs: RETENTION_EVERY_MS,
          unlink: removeClipFile,
          onReport: (r: RetentionReport) => {
            const parts = Object.entries(r.deleted)
              .filter(([, n]) => (n ?? 0) > 0)
              .map(([k, n]) => `${n} ${k}`);
            if (parts.length) node.log(t('behavior-store.log.retention', { summary: parts.join(', ') }));
            for (const e of r.unlinkErrors.slice(0, 3)) node.warn(`${e.path}: ${e.error}`);
            scheduleStatus();
          },
          onError: (err) => node.warn(t('behavior-store.errors.retention', { reason: err.message })),
        });
        retention.start();
        retentionTimer = setTimeout(() => void retention?.runNow().catch(() => undefined), RETENTION_FIRST_MS);
        retentionTimer.unref();
        showStatus();
      }
    }

    const fail = (err: Error, msg: NodeMessageInFlow, done: (err?: Error) => void, statusKey = 'behavior-store.status.badInput') => {
      red(t(statusKey, { reason: err.message }));
      degraded = true;
      // done(err) is node.error(err, msg) in Node-RED ≥ 1.0: Catch nodes see it once, and the flow goes on.
      done(err);
      if (store?.isOpen) scheduleStatus();
    };

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!store?.isOpen) {
        done(new Error(t('behavior-store.errors.notOpen', { reason: unusable ?? 'closed' })));
        return;
      }
      const s = store;
      try {
        const input = classifyInput(msg as { topic?: unknown; payload?: unknown; event?: unknown });
        switch (input.kind) {
          case 'query':
            send({ ...msg, topic: 'query', payload: handleQuery(s, input.payload) } as NodeMessageInFlow);
            break;
          case 'behavior':
            s.enqueue('behavior', input.row);
            triggers?.onBehavior(input.row);
            break;
          case 'episode': {
            toTuple('episode', input.row); // validate before a clip is started for it
            const clip = triggers?.onEpisode(input.row, input.event);
            s.enqueue('episode', clip && !input.row.clip ? { ...input.row, clip } : input.row);
            break;
          }
          case 'alert':
            s.enqueue('alert', input.row);
            triggers?.onAlert(input.row);
            break;
          case 'summary':
            s.enqueue('summary', input.row);
            break;
          case 'track':
            s.enqueue('track', input.row);
            break;
        }
      } catch (err) {
        fail(err as Error, msg, done);
        return;
      }
      if (degraded) scheduleStatus();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearTimeout(statusTimer);
      if (retentionTimer) clearTimeout(retentionTimer);
      const s = store;
      const rec = recorder;
      store = undefined;
      (async () => {
        await retention?.stop();
        // Clips in progress are closed first: their rows must reach the store before it closes.
        if (rec) {
          clearCurrentClipRecorder(node);
          await rec.close();
        }
        clearCurrentStore(node);
        setIdentityPersistence(null, node);
        if (s?.isOpen) {
          try {
            // Flushes the pending batch.
            for (const l of s.listeners('flushed')) s.off('flushed', l as never);
            s.close();
          } catch (err) {
            node.error(t('behavior-store.errors.write', { reason: (err as Error).message, dropped: s.pendingCount, retry: 'not retried' }));
          }
        }
      })().then(done, (err) => {
        node.error(err);
        done();
      });
    });
  }

  RED.nodes.registerType('behavior-store', BehaviorStoreNode as never);
};
