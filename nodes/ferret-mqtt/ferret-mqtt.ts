// ferret-mqtt: publishes what FerretWatch sees to MQTT and Home Assistant through a ferret-broker
// config node. Inputs are the results of ferret-behavior, ferret-track and rtsp-hls-stream; with
// the "publish everything" option the hub's live events are published too, without wires.
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { classifyMessage, type FeedItem } from '../../runtime/mqtt/feed';
import { translator, flatCatalog } from '../lib/i18n';
import type { FerretBrokerNode } from '../ferret-broker/types';
import catalog from './locales/en-US/ferret-mqtt.json';

interface MqttNodeDef extends NodeDef {
  broker: string;
  /** Publish the hub's live events (default true). */
  live?: boolean | string;
}

function short(reason: string, max = 80): string {
  return reason.length > max ? `${reason.slice(0, max - 1)}…` : reason;
}

export = function register(RED: NodeAPI) {
  const t = translator(RED, flatCatalog('ferret-mqtt', catalog));

  function FerretMqtt(this: Node, def: MqttNodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const found = RED.nodes.getNode(def.broker) as FerretBrokerNode | null;
    const broker = found && typeof found.register === 'function' ? found : null;
    /** After a bad input the node shows the error until the next good one. */
    let showingError = false;

    if (!broker) {
      node.status({ fill: 'red', shape: 'ring', text: t('ferret-mqtt.status.noBroker') });
      node.error(t('ferret-mqtt.errors.noBroker'));
    } else {
      broker.register(node, { live: def.live !== false && def.live !== 'false' });
    }

    node.on('input', (msg: NodeMessageInFlow & { event?: unknown }, _send, done) => {
      if (!broker) {
        done(new Error(t('ferret-mqtt.errors.noBroker')));
        return;
      }
      let item: FeedItem;
      try {
        item = classifyMessage(msg);
        broker.deliver(item);
      } catch (err) {
        // done(err) reports it like node.error(err, msg): Catch nodes see it; the flow goes on.
        showingError = true;
        node.status({ fill: 'red', shape: 'ring', text: short(t('ferret-mqtt.status.badInput', { reason: (err as Error).message })) });
        done(err as Error);
        return;
      }
      if (showingError) {
        showingError = false;
        node.status(broker.currentStatus());
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (!broker) return done();
      broker.deregister(node, done);
    });
  }

  RED.nodes.registerType('ferret-mqtt', FerretMqtt as never);
};
