// What `npm pack` ships (scripts/check-pack.js): the real package after `npm run build`, and the
// rules themselves on made-up listings so each one is seen to fail.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/shared';

interface PackFile {
  path: string;
  size: number;
}
interface PackListing {
  filename?: string;
  files: PackFile[];
  size: number;
  unpackedSize: number;
  entryCount?: number;
}
interface CheckPackModule {
  checkPack(pkg: object, pack: PackListing, disk: (rel: string) => string | undefined, diskList: (rel: string) => string[]): string[];
  checkPackageAt(root: string): { pkg: { 'node-red': { nodes: Record<string, string> } }; pack: PackListing; problems: string[] };
  editorTypes(html: string): { type: string; category?: string; inputs?: number; outputs?: number }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const checker = require(path.join(repoRoot, 'scripts', 'check-pack.js')) as CheckPackModule;

describe('npm pack contents (the real package)', () => {
  test('ships every registered node, its editor and locales, the examples, and nothing that is not for users', (t) => {
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'nodes'))) {
      if (process.env.CI) assert.fail('dist/nodes is missing: run `npm run build` first');
      t.skip('dist/ is not built (npm test builds it)');
      return;
    }
    const { pkg, pack, problems } = checker.checkPackageAt(repoRoot);
    assert.deepEqual(problems, []);
    const files = new Set(pack.files.map((f) => f.path));
    for (const js of Object.values(pkg['node-red'].nodes)) {
      assert.ok(files.has(js), `${js} packed`);
      assert.ok(files.has(js.replace(/\.js$/, '.html')), `${js} editor html packed`);
    }
    assert.ok([...files].some((f) => f.startsWith('examples/')), 'examples packed');
    assert.ok(![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/')), 'no compiled tests or benchmarks');
    console.log(`# pack: ${pack.entryCount} files, ${pack.size} B packed, ${pack.unpackedSize} B unpacked`);
  });
});

describe('check-pack rules', () => {
  const pkg = {
    name: '@x/pkg',
    bin: { x: 'dist/cli/x.js' },
    'node-red': { nodes: { cam: 'dist/nodes/cam/cam.js', show: 'dist/nodes/show/show.js' } },
  };
  const disk: Record<string, string> = {
    'dist/nodes/cam/cam.html': `<script type="text/javascript">RED.nodes.registerType('cam', { category: 'config', defaults: {} });</script>`,
    'dist/nodes/show/show.html': `<script type="text/javascript">RED.nodes.registerType("show", {\n category: 'FerretWatch', inputs: 1 });</script>`,
    'examples/demo.json': JSON.stringify([{ id: 'a', type: 'show' }, { id: 'b', type: 'cam' }]),
    'dist/nodes/cam/locales/en-US/cam.html': '<script type="text/html" data-help-name="cam"><p>A camera.</p></script>',
    'dist/nodes/show/locales/en-US/show.html':
      '<script type="text/html" data-help-name="show"><p>Shows.</p><h3>Inputs</h3><dl></dl><h3>Details</h3><p>…</p></script>',
  };
  const diskDirs: Record<string, string[]> = {
    'dist/runtime': ['hub.js'],
    'dist/nodes': ['cam/cam.js', 'cam/cam.html', 'show/show.js', 'show/show.html'],
    flows: ['demo.json'],
    models: ['README.md', 'coco.classmap.json', 'yolo.onnx'],
  };
  const goodFiles = [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/cli/x.js',
    'dist/runtime/hub.js',
    'dist/nodes/cam/cam.js',
    'dist/nodes/cam/cam.html',
    'dist/nodes/cam/locales/en-US/cam.json',
    'dist/nodes/cam/locales/en-US/cam.html',
    'dist/nodes/show/show.js',
    'dist/nodes/show/show.html',
    'dist/nodes/show/locales/en-US/show.json',
    'dist/nodes/show/locales/en-US/show.html',
    'dist/nodes/show/icons/ferret.png',
    'examples/demo.json',
    'models/README.md',
    'models/coco.classmap.json',
  ];
  const listing = (paths: string[], size = 200_000): PackListing => ({ files: paths.map((p) => ({ path: p, size: 1 })), size: size / 3, unpackedSize: size });
  const run = (paths: string[], over: { disk?: Record<string, string>; pkg?: object; size?: number } = {}) =>
    checker.checkPack(over.pkg ?? pkg, listing(paths, over.size), (rel) => ({ ...disk, ...over.disk })[rel], (rel) => diskDirs[rel] ?? []);

  test('a complete listing passes', () => {
    assert.deepEqual(run(goodFiles), []);
  });

  test('tests, benchmarks, fixtures, sources, weights, media and maps are refused', () => {
    const junk = [
      'dist/test/unit/hls/playlist.test.js',
      'dist/bench/stream.js',
      'test/fixtures/cam.json',
      'runtime/hub.ts',
      'models/yolo.onnx',
      'media/ferret.mp4',
      'media/ferret.jpg',
      'dist/runtime/hub.js.map',
      'bench/results/stream.json',
      'tsconfig.dash.json',
      'docs/screenshot.png',
    ];
    const problems = run([...goodFiles, ...junk]);
    for (const j of junk) assert.ok(problems.some((p) => p.startsWith(`${j} should not be in the package`)), `${j} refused: ${problems.join('; ')}`);
  });

  test('a node without its editor html, help or catalog is reported by its package.json entry', () => {
    const problems = run(goodFiles.filter((f) => !f.startsWith('dist/nodes/show/') || f.endsWith('show.js')));
    assert.ok(problems.includes('node show: editor dist/nodes/show/show.html is not in the package'));
    assert.ok(problems.includes('node show: dist/nodes/show/locales/en-US/show.json is not in the package (messages)'));
    assert.ok(problems.includes('node show: dist/nodes/show/locales/en-US/show.html is not in the package (help panel)'));
    assert.ok(problems.includes('dist/nodes/show/show.html is built but not in the package'));
  });

  test('a non-config node missing from every example flow is reported; a config node is not', () => {
    const problems = run(goodFiles, { disk: { 'examples/demo.json': JSON.stringify([{ id: 'b', type: 'cam' }]) } });
    assert.deepEqual(problems, ['node show is not used in any examples/*.json flow']);
  });

  test('a help panel that is missing, or lacks the Inputs/Outputs/Details a node needs, is reported', () => {
    const problems = run(goodFiles, {
      disk: {
        'dist/nodes/cam/locales/en-US/cam.html': '<p>nothing</p>',
        'dist/nodes/show/locales/en-US/show.html': '<script type="text/html" data-help-name="show"><p>Shows.</p></script>',
      },
    });
    assert.deepEqual(problems, [
      'node cam: no help panel (data-help-name="cam")',
      'node show: help panel has no <h3>Inputs</h3>',
      'node show: help panel has no <h3>Details</h3>',
    ]);
  });

  test('an editor html without a literal registerType is reported (the scorecard parser needs it)', () => {
    const problems = run(goodFiles, { disk: { 'dist/nodes/show/show.html': '<script>var t = "show"; RED.nodes.registerType(t, def);</script>' } });
    assert.ok(problems.some((p) => p.includes("has no literal RED.nodes.registerType('type', {…})")), problems.join('; '));
  });

  test('missing examples, model manifests, LICENSE and bin are reported', () => {
    const problems = run(goodFiles.filter((f) => !['examples/demo.json', 'models/coco.classmap.json', 'LICENSE', 'dist/cli/x.js'].includes(f)));
    assert.ok(problems.includes('LICENSE is not in the package'));
    assert.ok(problems.includes('bin x (dist/cli/x.js) is not in the package'));
    assert.ok(problems.some((p) => p.startsWith('no examples/*.json in the package')));
    assert.ok(problems.includes('flows/demo.json is not in the package as examples/demo.json'));
    assert.ok(problems.includes('models/coco.classmap.json is not in the package'));
  });

  test('size bounds catch an empty build and a bloated one', () => {
    assert.ok(run(goodFiles, { size: 10_000 }).some((p) => p.includes('is under')));
    assert.ok(run(goodFiles, { size: 64 * 1024 * 1024 }).some((p) => p.includes('unpacked size') && p.includes('is over')));
  });

  test('editorTypes reads the type, category, inputs and outputs of every literal registerType', () => {
    const html = `<script type="text/javascript">
      RED.nodes.registerType('ferret-camera', { category: 'config', defaults: {} });
      RED.nodes.registerType("rtsp-hls-stream", { category: 'FerretWatch', inputs: 1 });
    </script>`;
    assert.deepEqual(checker.editorTypes(html), [
      { type: 'ferret-camera', category: 'config', inputs: undefined, outputs: undefined },
      { type: 'rtsp-hls-stream', category: 'FerretWatch', inputs: 1, outputs: undefined },
    ]);
  });
});
