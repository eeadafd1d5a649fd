import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listModels, resolveModelPath } from '../../../runtime/detect/model-path';
import { tempDir } from './ffmpeg-fixtures';

const root = tempDir('mp');
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('node setting → FERRETWATCH_MODEL → first models/*.onnx → none (motion)', () => {
  const models = path.join(root, 'models');
  assert.equal(resolveModelPath(undefined, models, {}), undefined);
  fs.mkdirSync(models);
  assert.deepEqual(listModels(models), []);
  fs.writeFileSync(path.join(models, 'b.onnx'), '');
  fs.writeFileSync(path.join(models, 'a.ONNX'), '');
  fs.writeFileSync(path.join(models, 'notes.txt'), '');
  assert.deepEqual(listModels(models).map((f) => path.basename(f)), ['a.ONNX', 'b.onnx']);
  assert.equal(resolveModelPath(undefined, models, {}), path.join(models, 'a.ONNX'));
  assert.equal(resolveModelPath('  ', models, { FERRETWATCH_MODEL: '/abs/env.onnx' }), '/abs/env.onnx');
  assert.equal(resolveModelPath('/abs/node.onnx', models, { FERRETWATCH_MODEL: '/abs/env.onnx' }), '/abs/node.onnx');
  // Relative and not found from the working directory: taken relative to the package root.
  assert.equal(resolveModelPath('models/b.onnx', models, {}), path.join(root, 'models', 'b.onnx'));
});
