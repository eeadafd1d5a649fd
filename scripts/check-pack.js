#!/usr/bin/env node
// What `npm pack` would put in the package, checked against what a Node-RED install needs.
// Everything expected is derived from package.json (node-red.nodes / node-red.plugins, main, bin) and
// from the built tree on disk, so a node registered later is checked without editing this file.
//   node scripts/check-pack.js [packageRoot]     (after `npm run build`; exit 1 on any problem)
// test/unit/package/pack.test.ts runs the same checks under `npm test`.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Size bounds: a packed tarball far outside them means a build went missing or junk got in. */
const LIMITS = {
  maxPackedBytes: 4 * 1024 * 1024,
  maxUnpackedBytes: 16 * 1024 * 1024,
  minUnpackedBytes: 100 * 1024,
  maxFiles: 800,
};

// Never shipped: tests, benchmarks and their results, fixtures, sources, media, weights, databases.
const FORBIDDEN = [
  { re: /^dist\/(test|bench)\//, why: 'compiled tests/benchmarks' },
  { re: /(^|\/)(test|tests|__tests__|fixtures?|bench|benchmarks?)\//, why: 'test/bench/fixture directory' },
  { re: /\.test\.js$/, why: 'test file' },
  { re: /(^|\/)bench\/results\//, why: 'benchmark results' },
  { re: /\.(ts|mts|cts)$/, why: 'TypeScript source (or MPEG-TS media)' },
  { re: /\.map$/, why: 'source map' },
  { re: /\.(onnx|pt|tflite|engine)$/i, why: 'model weights' },
  { re: /\.(mp4|mkv|mov|avi|h264|h265|hevc|y4m|m4s|ts)$/i, why: 'video' },
  { re: /\.(jpe?g|bmp|webp)$/i, why: 'image/media' },
  { re: /\.(sqlite3?|db|db-wal|db-shm)$/i, why: 'database' },
  { re: /\.(tgz|tar|gz|zip)$/i, why: 'archive' },
  { re: /(^|\/)tsconfig[^/]*\.json$/, why: 'tsconfig' },
  { re: /(^|\/)\.(env|ferretwatch)(\/|$)/, why: 'local state or secrets' },
  { re: /^(\.ci|scripts|flows|runtime|nodes|plugins|cli|shared|docker)\//, why: 'source tree (the compiled copy under dist/ is shipped)' },
  { re: /^dashboard\/(?!dist\/)/, why: 'dashboard source (dashboard/dist is shipped)' },
];

// PNG/SVG only where Node-RED or the dashboard serves them.
const IMAGE = /\.(png|svg|gif|ico)$/i;
const IMAGE_OK = [/^dist\/(nodes|plugins)\/([^/]+\/)?icons\//, /^dashboard\/dist\//];

/** `npm pack --dry-run --json` for the package at root: {files: [{path, size}], size, unpackedSize, entryCount}. */
function packList(root) {
  // --ignore-scripts: a prepack build must not run here (the caller has built already).
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(out.slice(out.indexOf('[')));
  return parsed[0];
}

function walk(dir, rel = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), r));
    else out.push(r);
  }
  return out;
}

/** Node types (and their category) registered with a literal RED.nodes.registerType('type', {…category…}) in an editor .html. */
function editorTypes(html) {
  const out = [];
  const re = /RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,\s*\{/g;
  let m;
  const found = [];
  while ((m = re.exec(html)) !== null) found.push({ index: m.index, type: m[2] });
  found.forEach((f, i) => {
    // The definition object runs until the next registerType (or 6000 characters).
    const def = html.slice(f.index, i + 1 < found.length ? found[i + 1].index : f.index + 6000);
    const cat = /category\s*:\s*(['"])([^'"]+)\1/.exec(def);
    const num = (key) => {
      const n = new RegExp(`\\b${key}\\s*:\\s*(\\d+)`).exec(def);
      return n ? Number(n[1]) : undefined;
    };
    out.push({ type: f.type, category: cat ? cat[2] : undefined, inputs: num('inputs'), outputs: num('outputs') });
  });
  return out;
}

/** What a node's help panel (locales/en-US/<file>.html) lacks: its data-help-name block and, for a node
 *  with inputs / outputs, those sections, and a Details section for every non-config node. */
function helpProblems(helpHtml, t) {
  const block = new RegExp(`<script[^>]*data-help-name=(['"])${t.type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1[^>]*>([\\s\\S]*?)</script>`).exec(helpHtml || '');
  if (!block) return [`no help panel (data-help-name="${t.type}")`];
  const text = block[2];
  const out = [];
  const section = (name) => new RegExp(`<h3>\\s*${name}\\s*</h3>`, 'i').test(text);
  if (t.category !== 'config') {
    if (t.inputs && !section('Inputs')) out.push('help panel has no <h3>Inputs</h3>');
    if (t.outputs && !section('Outputs')) out.push('help panel has no <h3>Outputs</h3>');
    if (!section('Details')) out.push('help panel has no <h3>Details</h3>');
  }
  return out;
}

/**
 * Pure check of a pack listing. `disk(rel)` reads a file of the package root (or returns undefined),
 * `diskList(relDir)` lists files under a directory of the package root.
 * Returns the problems found (empty = good).
 */
function checkPack(pkg, pack, disk, diskList, limits = LIMITS) {
  const problems = [];
  const files = new Set(pack.files.map((f) => f.path));
  const has = (p) => files.has(p.replace(/^\.\//, ''));
  const nr = pkg['node-red'] || {};

  for (const p of ['package.json', 'README.md', 'LICENSE']) if (!has(p)) problems.push(`${p} is not in the package`);
  if (pkg.main && !has(pkg.main)) problems.push(`main ${pkg.main} is not in the package`);
  const bins = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin || {};
  for (const [name, file] of Object.entries(bins)) if (!has(file)) problems.push(`bin ${name} (${file}) is not in the package`);

  // Every node: its .js, its editor .html beside it, its message catalog and help in locales/en-US.
  const nodeTypes = [];
  const nodes = nr.nodes || {};
  if (Object.keys(nodes).length === 0) problems.push('package.json node-red.nodes is empty');
  for (const [set, js] of Object.entries(nodes)) {
    const file = js.replace(/^\.\//, '');
    const dir = path.posix.dirname(file);
    const base = path.posix.basename(file, '.js');
    if (!has(file)) problems.push(`node ${set}: ${file} is not in the package`);
    const htmlRel = `${dir}/${base}.html`;
    if (!has(htmlRel)) problems.push(`node ${set}: editor ${htmlRel} is not in the package`);
    for (const ext of ['json', 'html']) {
      const loc = `${dir}/locales/en-US/${base}.${ext}`;
      if (!has(loc)) problems.push(`node ${set}: ${loc} is not in the package (${ext === 'json' ? 'messages' : 'help panel'})`);
    }
    const html = disk(htmlRel);
    if (html !== undefined) {
      const types = editorTypes(html);
      if (types.length === 0) problems.push(`node ${set}: ${htmlRel} has no literal RED.nodes.registerType('type', {…}) (the scorecard cannot read it)`);
      nodeTypes.push(...types);
      // Help may sit in the editor html itself or (this project's way) in locales/en-US/<file>.html.
      const help = `${disk(`${dir}/locales/en-US/${base}.html`) || ''}\n${html}`;
      for (const t of types) for (const p of helpProblems(help, t)) problems.push(`node ${t.type}: ${p}`);
    }
  }
  const seen = new Set();
  for (const t of nodeTypes) {
    if (seen.has(t.type)) problems.push(`node type ${t.type} is registered twice`);
    seen.add(t.type);
  }

  // Plugins (e.g. the editor sidebar): the .js, and its .html when one was built.
  for (const [set, js] of Object.entries(nr.plugins || {})) {
    const file = js.replace(/^\.\//, '');
    if (!has(file)) problems.push(`plugin ${set}: ${file} is not in the package`);
    const htmlRel = file.replace(/\.js$/, '.html');
    if (disk(htmlRel) !== undefined && !has(htmlRel)) problems.push(`plugin ${set}: ${htmlRel} is not in the package`);
  }

  // The whole compiled runtime, nodes and CLI: anything built but not packed would fail at require time.
  for (const dir of ['dist/runtime', 'dist/nodes', 'dist/plugins', 'dist/cli']) {
    for (const rel of diskList(dir)) {
      if (/\.(js|json|html)$/.test(rel) && !has(`${dir}/${rel}`)) problems.push(`${dir}/${rel} is built but not in the package`);
    }
  }

  // Examples: present, and the source flows/ all copied there.
  const examples = [...files].filter((f) => /^examples\/.+\.json$/.test(f));
  if (examples.length === 0) problems.push('no examples/*.json in the package (run the build: it copies flows/ to examples/)');
  for (const rel of diskList('flows')) {
    if (rel.endsWith('.json') && !has(`examples/${rel}`)) problems.push(`flows/${rel} is not in the package as examples/${rel}`);
  }
  // Node-RED's Import > Examples menu reads examples/; the scorecard's N02 wants every non-config node there.
  const used = new Set();
  for (const rel of examples) {
    const text = disk(rel);
    if (text === undefined) continue;
    try {
      const flow = JSON.parse(text);
      if (!Array.isArray(flow)) throw new Error('not an array of nodes');
      for (const n of flow) if (n && typeof n.type === 'string') used.add(n.type);
    } catch (e) {
      problems.push(`${rel}: not a valid flow (${e.message})`);
    }
  }
  for (const t of nodeTypes) {
    if (t.category !== 'config' && !used.has(t.type)) problems.push(`node ${t.type} is not used in any examples/*.json flow`);
  }

  // Locales: at least one message catalog.
  if (![...files].some((f) => /\/locales\/en-US\/[^/]+\.json$/.test(f))) problems.push('no locales/en-US/*.json in the package');

  // The dashboard is shipped built (users have no Vite).
  if (disk('dashboard/build.js') !== undefined && !has('dashboard/dist/index.html')) problems.push('dashboard/dist/index.html is not in the package (is the dashboard built?)');

  // Model manifests (README, class maps) ship; weights never do.
  for (const rel of diskList('models')) {
    if (/\.(md|json)$/.test(rel) && !has(`models/${rel}`)) problems.push(`models/${rel} is not in the package`);
  }

  for (const f of files) {
    const rule = FORBIDDEN.find((r) => r.re.test(f));
    if (rule) problems.push(`${f} should not be in the package: ${rule.why}`);
    else if (IMAGE.test(f) && !IMAGE_OK.some((re) => re.test(f))) problems.push(`${f} should not be in the package: image outside node icons / dashboard`);
  }

  if (pack.size > limits.maxPackedBytes) problems.push(`packed size ${pack.size} B is over ${limits.maxPackedBytes} B`);
  if (pack.unpackedSize > limits.maxUnpackedBytes) problems.push(`unpacked size ${pack.unpackedSize} B is over ${limits.maxUnpackedBytes} B`);
  if (pack.unpackedSize < limits.minUnpackedBytes) problems.push(`unpacked size ${pack.unpackedSize} B is under ${limits.minUnpackedBytes} B (is dist/ built?)`);
  if (files.size > limits.maxFiles) problems.push(`${files.size} files is over ${limits.maxFiles}`);
  return problems;
}

/** Pack listing + checks for the package at root. */
function checkPackageAt(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const pack = packList(root);
  const disk = (rel) => {
    try {
      return fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  const diskList = (rel) => walk(path.join(root, rel));
  return { pkg, pack, problems: checkPack(pkg, pack, disk, diskList) };
}

module.exports = { LIMITS, FORBIDDEN, packList, checkPack, checkPackageAt, editorTypes, helpProblems };

if (require.main === module) {
  const root = path.resolve(process.argv[2] || path.join(__dirname, '..'));
  const { pack, problems } = checkPackageAt(root);
  console.log(`${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  for (const p of problems) console.log(`  ✗ ${p}`);
  if (problems.length > 0) {
    console.log(`check-pack: ${problems.length} problem(s)`);
    process.exitCode = 1;
  } else {
    console.log('check-pack: ok');
  }
}
