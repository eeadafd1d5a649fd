// node-red-node-test-helper set up for our compiled nodes, plus an HTTP server that serves the same
// /ferretwatch router the nodes mount on RED.httpNode (the helper's httpNode app is not listening).
import * as http from 'node:http';
import express from 'express';
import { hub } from '../../runtime/hub';
import { createApiRouter } from '../../runtime/http/api';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper');
// FERRETWATCH_NODE_RED points at another Node-RED's main module (lib/red.js): the Node-RED 5 CI job.
helper.init(require.resolve(process.env.FERRETWATCH_NODE_RED || 'node-red'));

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const cameraNode = require('../../nodes/ferret-camera/ferret-camera');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const streamNode = require('../../nodes/rtsp-hls-stream/rtsp-hls-stream');

export interface StatusCall {
  fill?: string;
  shape?: string;
  text?: string;
  at: number;
}

/** Records every status a node sets (the helper emits `call:status` for each). */
export function recordStatus(node: { on(ev: string, fn: (call: { args: unknown[] }) => void): void }): StatusCall[] {
  const calls: StatusCall[] = [];
  node.on('call:status', (call) => calls.push({ ...(call.args[0] as object), at: Date.now() }));
  return calls;
}

export async function startApiServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use('/ferretwatch', createApiRouter(hub));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
