#!/usr/bin/env node
// `npm start`: run Node-RED with this package loaded and, on first start, the demo flow deployed.
//   PORT                      HTTP port (1880)
//   FERRETWATCH_USER_DIR      Node-RED user dir (./.ferretwatch, git-ignored)
//   FERRETWATCH_CAMERA_URL    camera for the demo flow (demo:, the built-in synthetic camera)
//   FERRETWATCH_CAMERA_ID     its id in URLs and topics (demo)
//   FERRETWATCH_MQTT_PORT     the demo flow's embedded MQTT broker port (1883; if busy: red status, the rest runs)
//     (rtsp://user:pass@host/… is fine here: the flow file stores only the ${FERRETWATCH_CAMERA_URL} placeholder,
//     and the camera node takes the credentials out of the URL before anything is logged)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.FERRETWATCH_USER_DIR || path.join(root, '.ferretwatch'));
const port = Number(process.env.PORT || 1880);
const pkg = require(path.join(root, 'package.json'));

fs.mkdirSync(path.join(userDir, 'node_modules', '@ferretwatch'), { recursive: true });

// Node-RED loads nodes from <userDir>/node_modules: link this checkout there, as `npm install <dir>` would.
const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
let linked = false;
try {
  linked = fs.realpathSync(link) === fs.realpathSync(root);
} catch {
  linked = false;
}
if (!linked) {
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
}
const userPkg = path.join(userDir, 'package.json');
if (!fs.existsSync(userPkg)) {
  fs.writeFileSync(userPkg, JSON.stringify({ name: 'ferretwatch-user-dir', private: true, dependencies: { [pkg.name]: `file:${root}` } }, null, 2));
}

const settings = path.join(userDir, 'settings.js');
if (!fs.existsSync(settings)) {
  fs.writeFileSync(
    settings,
    `// Written by FerretWatch's npm start on first run; edit freely, it is not overwritten.
module.exports = {
  flowFile: 'flows.json',
  flowFilePretty: true,
  uiHost: process.env.HOST || '0.0.0.0',
  // Protect the editor and the FerretWatch pages/streams before exposing this port:
  // adminAuth: {...}, httpNodeAuth: {user: 'me', pass: '<bcrypt hash>'}
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
}

const flows = path.join(userDir, 'flows.json');
if (!fs.existsSync(flows)) {
  fs.copyFileSync(path.join(root, 'flows', 'demo.json'), flows);
  console.log(`[ferretwatch] first start: deployed the demo flow to ${flows}`);
}

const env = {
  ...process.env,
  FERRETWATCH_CAMERA_URL: process.env.FERRETWATCH_CAMERA_URL || 'demo:',
  FERRETWATCH_CAMERA_ID: process.env.FERRETWATCH_CAMERA_ID || 'demo',
  FERRETWATCH_MQTT_PORT: process.env.FERRETWATCH_MQTT_PORT || '1883',
};

const red = require.resolve('node-red/red.js');
console.log(`[ferretwatch] Node-RED on http://localhost:${port}/  ·  dashboard: http://localhost:${port}/ferretwatch/  ·  HLS: http://localhost:${port}/ferretwatch/hls/${env.FERRETWATCH_CAMERA_ID}/index.m3u8`);
const child = spawn(process.execPath, [red, '--userDir', userDir, '--port', String(port), '--settings', settings], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
