// ferret-behavior: ferret-track's tracks in, behaviors, episodes, alerts and daily summaries out.
// One BehaviorMonitor (engine + summaries + health rules) per node, fed by every camera wired
// into it; the node only wires it to Node-RED: input checks, a 1 s tick, status, outputs, hub.
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { hub } from '../../runtime/hub';
import type { Alert, BehaviorChangePayload, DailySummary, Episode } from '../../runtime/contracts';
import { BehaviorMonitor, type MonitorOutput } from '../../runtime/behavior/monitor';
import { behaviorSettings, type BehaviorNodeFields } from '../../runtime/behavior/config';
import { parseTracksPayload } from '../../runtime/behavior/input';
import { FrameRateWatch } from '../../runtime/behavior/frame-rate';
import { loadSequenceModel, type OnnxSequenceModel } from '../../runtime/behavior/onnx-sequence-model';
import { SequenceModelDriver } from '../../runtime/behavior/model-driver';
import { translator, flatCatalog } from '../lib/i18n';
import catalog from './locales/en-US/ferret-behavior.json';

type Def = NodeDef & BehaviorNodeFields;

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-behavior', catalog));

  function FerretBehavior(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    let monitor: BehaviorMonitor | null = null;
    let model: OnnxSequenceModel | null = null;
    let driver: SequenceModelDriver | null = null;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let lastStatus = '';
    /** The ferret whose state changed last (the status line's subject). */
    let latest: string | null = null;
    /** The engine's clock is the frames' ts: "now" is never before the newest frame it has seen. */
    let newestTs = 0;
    const now = (): number => Math.max(Date.now(), newestTs);
    /** Says once (per crossing) when a camera's tracks come too slowly to time play well. */
    const rates = new FrameRateWatch();

    const setStatus = (fill: 'green' | 'yellow' | 'red' | 'grey', shape: 'dot' | 'ring', text: string): void => {
      const key = `${fill}|${shape}|${text}`;
      if (key === lastStatus) return;
      lastStatus = key;
      node.status({ fill, shape, text });
    };

    const showState = (nowMs: number): void => {
      if (!monitor) return;
      const states = monitor.engine.states().filter((s) => s.identified && s.behavior !== null);
      if (states.length === 0) {
        setStatus('grey', 'ring', t('ferret-behavior.status.waiting'));
        return;
      }
      const s = states.find((x) => x.ferretId === latest) ?? states.reduce((a, b) => (b.since > a.since ? b : a));
      const who = s.name ?? s.ferretId;
      const min = Math.max(0, Math.floor((nowMs - s.since) / 60000));
      const text =
        states.length === 1
          ? t('ferret-behavior.status.one', { who, behavior: s.behavior ?? '', min })
          : t('ferret-behavior.status.many', { n: states.length, who, behavior: s.behavior ?? '' });
      setStatus(s.behavior === 'out_of_view' ? 'grey' : 'green', 'dot', text);
    };

    /** Outputs 1–3 plus the hub, for one engine result. */
    const emit = (out: MonitorOutput, nowMs: number): void => {
      const o1: NodeMessage[] = [];
      const o2: NodeMessage[] = [];
      const o3: NodeMessage[] = [];
      // Closed episodes first: a change closes the old episode before it opens the new one.
      for (const ep of out.closed) {
        o2.push({ topic: `${ep.ferretId}/episode`, payload: ep, event: 'end' } as NodeMessage);
        hub.publish({ kind: 'episode', payload: { ...ep, type: 'end' } });
      }
      for (const ep of out.started) {
        o2.push({ topic: `${ep.ferretId}/episode`, payload: { ...ep, end: null }, event: 'start' } as NodeMessage);
        hub.publish({ kind: 'episode', payload: { ...ep, end: null, type: 'start' } });
      }
      for (const c of out.changes) {
        latest = c.ferretId;
        o1.push({ topic: `${c.ferretId}/behavior`, payload: c });
        hub.publish({ kind: 'behavior', payload: c as BehaviorChangePayload });
      }
      for (const a of out.alerts) {
        o3.push({ topic: 'alert', payload: a });
        hub.publish({ kind: 'alert', payload: a as Alert });
      }
      for (const s of out.summaries) pushSummary(o3, s);
      if (o1.length || o2.length || o3.length) node.send([o1.length ? o1 : null, o2.length ? o2 : null, o3.length ? o3 : null] as never);
      showState(nowMs);
    };

    const pushSummary = (o3: NodeMessage[], s: DailySummary): void => {
      o3.push({ topic: `${s.ferretId}/summary`, payload: s });
      hub.publish({ kind: 'summary', payload: s });
    };

    try {
      const settings = behaviorSettings(def);
      monitor = new BehaviorMonitor(settings.monitor);
      if (settings.modelPath && settings.mode !== 'rules') {
        const userDir = (RED.settings as { userDir?: string }).userDir;
        const file = path.isAbsolute(settings.modelPath) || !userDir ? settings.modelPath : path.join(userDir, settings.modelPath);
        setStatus('yellow', 'ring', t('ferret-behavior.status.loadingModel'));
        loadSequenceModel(file).then(
          (m) => {
            if (closed || !monitor) {
              void m.release();
              return;
            }
            model = m;
            monitor.engine.enableSequence({ T: m.T });
            driver = new SequenceModelDriver(monitor.engine, m, { onError: (err) => node.warn(t('ferret-behavior.errors.inference', { reason: err.message })) });
            node.log(t('ferret-behavior.log.model', { file: path.basename(file), labels: m.labels.join(', '), T: m.T }));
            lastStatus = '';
            showState(now());
          },
          (err: Error) => {
            // The rules keep running: a broken model degrades the node, it does not stop it.
            setStatus('red', 'ring', t('ferret-behavior.status.modelFailed'));
            node.error(t('ferret-behavior.errors.model', { reason: err.message }));
          },
        );
      } else {
        setStatus('grey', 'ring', t('ferret-behavior.status.waiting'));
      }
      timer = setInterval(() => {
        if (!monitor) return;
        const at = now();
        try {
          emit(monitor.tick(at), at);
        } catch (err) {
          node.error(t('ferret-behavior.errors.tick', { reason: (err as Error).message }));
        }
      }, 1000);
    } catch (err) {
      monitor = null;
      setStatus('red', 'ring', t('ferret-behavior.status.configError'));
      node.error(t('ferret-behavior.errors.config', { reason: (err as Error).message }));
    }

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      if (!monitor) {
        done(new Error(t('ferret-behavior.errors.notConfigured')));
        return;
      }
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      try {
        if (topic === 'summary') {
          const o3: NodeMessage[] = [];
          for (const s of monitor.summaries(now())) pushSummary(o3, s);
          if (o3.length) node.send([null, null, o3] as never);
          done();
          return;
        }
        if (topic.endsWith('/track')) {
          done(); // ferret-track's lifecycle output: the tracks themselves say all the engine needs
          return;
        }
        const p = parseTracksPayload(msg.payload);
        if (p.ts > newestTs) newestTs = p.ts;
        const rate = rates.observe(p.camera, p.ts);
        if (rate) {
          const args = { camera: p.camera, fps: rate.fps.toFixed(1), min: rates.minFps };
          if (rate.low) node.warn(t('ferret-behavior.warnings.lowFps', args));
          else node.log(t('ferret-behavior.log.fpsOk', args));
        }
        const out = monitor.ingest(p);
        emit(out, p.ts);
        if (driver) void driver.update(p);
        done();
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        setStatus('red', 'ring', t('ferret-behavior.status.badInput'));
        node.error(e, msg);
        done(e);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearInterval(timer);
      const finish = (): void => {
        void Promise.resolve(driver?.idle())
          .then(() => model?.release())
          .finally(done);
      };
      if (!monitor) return finish();
      // Open episodes end with the node (their end is the last sighting), so consumers see them closed.
      const closedEps: Episode[] = monitor.closeAll();
      for (const ep of closedEps) hub.publish({ kind: 'episode', payload: { ...ep, type: 'end' } });
      if (closedEps.length) node.send([null, closedEps.map((ep) => ({ topic: `${ep.ferretId}/episode`, payload: ep, event: 'end' })), null] as never);
      monitor = null;
      finish();
    });
  }

  RED.nodes.registerType('ferret-behavior', FerretBehavior as never);
};
