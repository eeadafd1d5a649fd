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
copyTree(path.join(root, 'flows'), path.join(root, 'examples'), (f) => f.endsWith('.json'));
// Optional extra build steps (the dashboard) register themselves here.
const dashboardBuild = path.join(root, 'dashboard', 'build.js');
if (fs.existsSync(dashboardBuild)) require(dashboardBuild);
