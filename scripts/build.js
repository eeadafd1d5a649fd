#!/usr/bin/env node
// Build: compile TypeScript to CommonJS under dist/, then copy what Node-RED
// loads beside each node's .js (editor .html, locales) and the example flows.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
  cwd: root,
});

function copyTree(src, dst, filter) {
  if (!fs.existsSync(src)) return;
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, entry.name);
    const d = path.join(dst, entry.name);
    if (entry.isDirectory()) copyTree(s, d, filter);
    else if (filter(s)) {
      fs.mkdirSync(path.dirname(d), { recursive: true });
      fs.copyFileSync(s, d);
    }
  }
}

// Node-RED finds <type>.html next to <type>.js, and locales/<lang>/<type>.{json,html} beside them.
copyTree(path.join(root, 'nodes'), path.join(dist, 'nodes'), (f) => !f.endsWith('.ts'));
copyTree(path.join(root, 'plugins'), path.join(dist, 'plugins'), (f) => !f.endsWith('.ts'));
// Node-RED's Import > Examples menu reads examples/ at the package root; flows/ is the source.
fs.rmSync(path.join(root, 'examples'), { recursive: true, force: true });
// The placeholders `npm start` fills from its environment get their defaults here, so an example
// imported into any Node-RED runs as it is.
const EXAMPLE_DEFAULTS = { FERRETWATCH_CAMERA_URL: 'demo:', FERRETWATCH_CAMERA_ID: 'demo', FERRETWATCH_MQTT_PORT: '1883' };
fs.mkdirSync(path.join(root, 'examples'), { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'flows')).filter((n) => n.endsWith('.json'))) {
  const text = fs.readFileSync(path.join(root, 'flows', f), 'utf8').replace(/\$\{(FERRETWATCH_[A-Z_]+)\}/g, (m, name) => EXAMPLE_DEFAULTS[name] ?? m);
  fs.writeFileSync(path.join(root, 'examples', f), text);
}
// Optional extra build steps (the dashboard) register themselves here.
const dashboardBuild = path.join(root, 'dashboard', 'build.js');
if (fs.existsSync(dashboardBuild)) require(dashboardBuild);
