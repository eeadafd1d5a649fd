// Node-RED plugin (runtime side) for the editor's FerretWatch sidebar tab. Registering it also
// serves /ferretwatch (API, dashboard, event stream) from start-up, before any FerretWatch node is
// deployed, so the tab and the dashboard always have something to show. The tab itself is in
// ferretwatch-sidebar.html (loaded into the editor by Node-RED, beside this file).
import type { NodeAPI } from 'node-red';
import { hub } from '../runtime/hub';
import { mountOnce } from '../runtime/http/api';
import '../runtime/http/dashboard';

interface PluginsApi {
  registerPlugin(id: string, definition: { type: string; onadd?: () => void }): void;
}

export = function register(RED: NodeAPI): void {
  if (RED.httpNode) mountOnce(RED.httpNode as never, hub);
  (RED as unknown as { plugins: PluginsApi }).plugins.registerPlugin('ferretwatch-sidebar', { type: 'ferretwatch-sidebar' });
};
