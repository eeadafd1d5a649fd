#!/usr/bin/env bash
# Node-RED 5 on Node 22 with this package installed as a user would: the second CI job.
#   bash scripts/nr5-check.sh        (after `npm run build`; .ci/run calls it after the main suite)
#
# 1. Node 22 from the npm registry (the `node` package ships the official binary and its headers
#    inside npm packages: no other download), used for every step below.
# 2. node-red@5 (+ node-red-node-test-helper) in one dir, as a global install would be.
# 3. This package `npm pack`ed and installed into a fresh Node-RED user dir the way the palette manager
#    does (`npm install --omit=dev <tgz>` in the user dir); better-sqlite3 compiles against Node 22's
#    headers; onnxruntime-node's CUDA download is skipped (ONNXRUNTIME_NODE_INSTALL=skip).
# 4. The Node-RED-facing tests (every compiled test file that loads test/support/nodered) run against the
#    INSTALLED package and Node-RED 5: they are copied into the installed package's dist/test, so their
#    relative imports (../../runtime/…, ../../nodes/…) load what users get, and node-red resolves to
#    Node-RED 5 (FERRETWATCH_NODE_RED, and NODE_PATH for the test helper).
# 5. Smoke: Node-RED 5 starts with the package and the demo flow (examples/demo.json), serves
#    /ferretwatch/api/cameras with the demo camera, and its HLS playlist goes live.
#
# Env: FERRETWATCH_NR5_DIR (work dir, default a temp dir, removed at the end unless KEEP=1),
#      NR5_NODE (default 22), NR5_NODE_RED (default 5), NR5_TESTS=0 to run the smoke test only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
start=$(date +%s)
phase_start=$start
stamp() {
  local now
  now=$(date +%s)
  echo "[nr5 +$((now - start))s] $* (previous step $((now - phase_start))s)"
  phase_start=$now
}

work="${FERRETWATCH_NR5_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ferretwatch-nr5.XXXXXX")}"
mkdir -p "$work"
nr_pid=""
cleanup() {
  if [ -n "$nr_pid" ] && kill -0 "$nr_pid" 2>/dev/null; then kill "$nr_pid" 2>/dev/null || true; wait "$nr_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" != "1" ] && [ -z "${FERRETWATCH_NR5_DIR:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

if [ ! -d "$root/dist/nodes" ] || [ ! -d "$root/examples" ]; then
  echo "nr5-check: run \`npm run build\` first (dist/ and examples/ are packed)" >&2
  exit 1
fi

export ONNXRUNTIME_NODE_INSTALL=skip # onnxruntime-node: CPU binaries ship in the package; no CUDA download
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# --- 1. Node 22 -------------------------------------------------------------------------------------
stamp "installing node@${NR5_NODE:-22} from the npm registry"
mkdir -p "$work/node"
echo '{"private":true}' >"$work/node/package.json"
(cd "$work/node" && npm install --no-save --loglevel=error "node@${NR5_NODE:-22}")
node_home="$work/node/node_modules/node/node_modules/node-linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"
if [ ! -x "$node_home/bin/node" ] || [ ! -f "$node_home/include/node/node.h" ]; then
  echo "nr5-check: the node package did not provide bin/node and include/node under $node_home" >&2
  exit 1
fi
# npm is JavaScript: with Node 22 first on PATH, `npm` (and node-gyp under it) runs on Node 22.
export PATH="$node_home/bin:$PATH"
# Native addons compile against Node 22's headers from the same package (~/.npmrc may point nodedir
# at the system Node's headers; node-gyp would otherwise try to download them).
export npm_config_nodedir="$node_home"
echo "node $(node -v) ($(command -v node)), npm $(npm -v)"
case "$(node -v)" in v"${NR5_NODE:-22}".*) ;; *) echo "nr5-check: expected Node ${NR5_NODE:-22}" >&2; exit 1 ;; esac

# --- 2. Node-RED 5 ---------------------------------------------------------------------------------
# The Node-RED-facing tests: compiled test files that load test/support/nodered or the test helper.
# Besides the helper they may need other devDependencies (e.g. playwright-core for a browser check):
# every bare module their files (and the test/support files they load) require that the package does
# not depend on is installed beside Node-RED, at the version package.json pins.
selection=$(node - "$root" <<'EOF'
const fs = require('fs');
const path = require('path');
const root = process.argv[2];
const pkg = require(path.join(root, 'package.json'));
const testDir = path.join(root, 'dist', 'test');
const all = [];
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.js')) all.push(p);
  }
})(testDir);
const src = (f) => fs.readFileSync(f, 'utf8');
const requires = (f) => [...src(f).matchAll(/require\("([^"]+)"\)|require\('([^']+)'\)/g)].map((m) => m[1] || m[2]);
// Browser tests built on the benchmark rigs (bench/, not in the package) stay in the main suite.
const tests = all.filter(
  (f) =>
    f.endsWith('.test.js') &&
    requires(f).some((r) => /(^|\/)support\/nodered$/.test(r) || r === 'node-red-node-test-helper') &&
    !requires(f).some((r) => /(^|\/)bench\//.test(r)),
);
const dev = pkg.devDependencies || {};
const deps = pkg.dependencies || {};
const need = new Set(['node-red-node-test-helper']);
const seen = new Set();
const visit = (f) => {
  if (seen.has(f) || !fs.existsSync(f)) return;
  seen.add(f);
  for (const r of requires(f)) {
    if (r.startsWith('.')) {
      const target = path.resolve(path.dirname(f), r);
      if (target.startsWith(testDir)) visit(target.endsWith('.js') ? target : `${target}.js`);
    } else {
      const name = r.startsWith('@') ? r.split('/').slice(0, 2).join('/') : r.split('/')[0];
      if (dev[name] && !deps[name] && name !== 'node-red') need.add(name);
    }
  }
};
tests.forEach(visit);
console.log([...need].map((n) => `${n}@${dev[n] || 'latest'}`).join(' '));
console.log(tests.map((f) => path.relative(root, f)).sort().join(' '));
EOF
)
test_deps=$(echo "$selection" | sed -n 1p)
read -r -a tests <<<"$(echo "$selection" | sed -n 2p)"
stamp "installing node-red@${NR5_NODE_RED:-5} $test_deps"
mkdir -p "$work/nr"
echo '{"private":true}' >"$work/nr/package.json"
# shellcheck disable=SC2086 # test_deps is a list of name@range words
(cd "$work/nr" && npm install --no-save --loglevel=error "node-red@${NR5_NODE_RED:-5}" $test_deps)
nr_version=$(node -p "require('$work/nr/node_modules/node-red/package.json').version")
echo "node-red $nr_version"
case "$nr_version" in "${NR5_NODE_RED:-5}".*) ;; *) echo "nr5-check: expected Node-RED ${NR5_NODE_RED:-5}" >&2; exit 1 ;; esac

# --- 3. the package, as the palette manager installs it --------------------------------------------
stamp "npm pack"
tgz_name=$(cd "$root" && npm pack --ignore-scripts --json --pack-destination "$work" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s.slice(s.indexOf("[")))[0].filename))')
tgz="$work/$tgz_name"
pkg_name=$(node -p "require('$root/package.json').name")
user="$work/user"
mkdir -p "$user"
echo '{"name":"node-red-project","description":"A Node-RED Project","version":"0.0.1","private":true}' >"$user/package.json"
stamp "npm install --omit=dev $tgz_name into the user dir (better-sqlite3 compiles for Node 22)"
(cd "$user" && npm install --omit=dev --save --save-prefix=~ --no-audit --no-fund --loglevel=error "$tgz")
pkg_dir="$user/node_modules/$pkg_name"
node -e "
  const Database = require('$user/node_modules/better-sqlite3');
  const db = new Database(':memory:');
  console.log('better-sqlite3 ok, sqlite', db.prepare('select sqlite_version() v').get().v, 'ABI', process.versions.modules);
  const ort = require('$user/node_modules/onnxruntime-node');
  console.log('onnxruntime-node ok', ort.env.versions ? JSON.stringify(ort.env.versions) : '');
"

# --- 4. the Node-RED-facing tests, on the installed package ----------------------------------------
if [ "${NR5_TESTS:-1}" != "0" ]; then
  stamp "Node-RED-facing tests on Node-RED $nr_version"
  rm -rf "$pkg_dir/dist/test"
  cp -r "$root/dist/test" "$pkg_dir/dist/test"
  cp "$root/test/support/rtsp_server.py" "$pkg_dir/dist/test/support/" 2>/dev/null || true
  if [ ${#tests[@]} -eq 0 ]; then
    echo "nr5-check: no compiled test loads test/support/nodered or node-red-node-test-helper" >&2
    exit 1
  fi
  printf '  %s\n' "${tests[@]}"
  # The module (node-red's main, lib/red.js) that node-red-node-test-helper's init() expects.
  FERRETWATCH_NODE_RED=$(node -p "require.resolve('node-red', {paths: ['$work/nr']})")
  export FERRETWATCH_NODE_RED
  export FERRETWATCH_SHARED="${FERRETWATCH_SHARED:-$root/../shared}"
  # The test helper (and, before test/support/nodered.ts reads FERRETWATCH_NODE_RED, node-red itself)
  # resolve through NODE_PATH: the installed package has neither as a dependency.
  resolved=$(cd "$pkg_dir/dist/test/support" && NODE_PATH="$work/nr/node_modules" node -p "require(require.resolve('node-red/package.json', {paths: [process.cwd()]})).version + ' ' + require.resolve('node-red-node-test-helper')")
  echo "  from the tests: node-red $resolved"
  (cd "$pkg_dir" && NODE_PATH="$work/nr/node_modules" node --test --test-concurrency=1 --test-reporter=spec "${tests[@]}")
fi

# --- 5. smoke: Node-RED 5 with the package and the demo flow ---------------------------------------
stamp "smoke: Node-RED $nr_version with $pkg_name and examples/demo.json"
cp "$pkg_dir/examples/demo.json" "$user/flows.json"
cat >"$user/settings.js" <<'EOF'
module.exports = {
  flowFile: 'flows.json',
  uiHost: '127.0.0.1',
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  editorTheme: { tours: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
EOF
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
FERRETWATCH_CAMERA_URL=demo: FERRETWATCH_CAMERA_ID=demo \
  node "$work/nr/node_modules/node-red/red.js" --userDir "$user" --port "$port" --settings "$user/settings.js" >"$work/node-red.log" 2>&1 &
nr_pid=$!
if ! node - "$port" <<'EOF'; then
const port = process.argv[2];
const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 90_000;
async function get(p) {
  const r = await fetch(base + p);
  return { status: r.status, body: await r.text() };
}
(async () => {
  let last = '';
  while (Date.now() < deadline) {
    try {
      const cams = await get('/ferretwatch/api/cameras');
      last = `cameras ${cams.status} ${cams.body.slice(0, 200)}`;
      if (cams.status === 200 && /"demo"/.test(cams.body)) {
        const pl = await get('/ferretwatch/hls/demo/index.m3u8');
        last = `playlist ${pl.status} ${pl.body.slice(0, 120)}`;
        if (pl.status === 200 && /#EXTINF/.test(pl.body)) {
          console.log(`smoke ok: /ferretwatch/api/cameras → ${cams.body.slice(0, 160)}…`);
          console.log(`smoke ok: /ferretwatch/hls/demo/index.m3u8 has segments`);
          return;
        }
      }
    } catch (e) {
      last = e.cause ? e.cause.code : e.message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.error(`smoke failed: ${last}`);
  process.exit(1);
})();
EOF
  echo "---- node-red.log" >&2
  cat "$work/node-red.log" >&2
  exit 1
fi
if grep -E "Waiting for missing types|\[error\]" "$work/node-red.log"; then
  echo "nr5-check: Node-RED logged errors (above)" >&2
  cat "$work/node-red.log" >&2
  exit 1
fi
grep -E "Node-RED version|Node.js  version|Added node types|ferretwatch" "$work/node-red.log" | head -n 12 || true
kill "$nr_pid"
wait "$nr_pid" 2>/dev/null || true
nr_pid=""
stamp "done: Node-RED $nr_version on Node $(node -v) with the packed $pkg_name"
echo "nr5-check: ok in $(($(date +%s) - start))s"
