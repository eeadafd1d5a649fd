// The ferret-broker config node as the ferret-mqtt nodes see it (register/deregister like
// Node-RED's own mqtt-broker node).
import type { Node, NodeStatus } from 'node-red';
import type { BrokerCredentials } from '../../runtime/mqtt/settings';
import type { Delivery, FeedItem } from '../../runtime/mqtt/feed';
import type { FerretMqttPublisher } from '../../runtime/mqtt/publisher';

export interface BrokerUserOptions {
  /** Publish the hub's live events (no wires needed). */
  live: boolean;
}

export interface FerretBrokerNode extends Node<BrokerCredentials> {
  /** Set when the configuration cannot work (shown in every user's status). */
  configError?: string;
  register(user: Node, opts: BrokerUserOptions): void;
  deregister(user: Node, done: () => void): void;
  /** Hands an input to the shared publisher (durable events are de-duplicated). */
  deliver(item: FeedItem): Delivery;
  /** The status every user shows right now. */
  currentStatus(): NodeStatus;
  /** The shared publisher while at least one user is registered. */
  publisher(): FerretMqttPublisher | undefined;
}
