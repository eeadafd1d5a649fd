// Builds a tiny behavior sequence model in code (onnx-proto): the real onnxruntime path end to
// end without shipping a trained model. The graph follows the contract in
// runtime/behavior/sequence-model.ts:
//
//   features [1, T, F] ─Transpose→ [T, 1, F] ─LSTM(H=2)→ Y [T, 1, 1, 2] ─Slice(last step)→
//   [1, 1, 1, 2] ─Reshape→ [1, 2] ─Gemm→ logits [1, 3]
//
// The weights make the output predictable: the forget gate is shut and the input/output gates
// open, so the last hidden state depends only on the newest row, h = tanh(tanh(W·x + b)), with
//   h0 = tanh(tanh(2·(speed − 1.5)))  > 0 when the newest speed_bl_s is above 1.5 bl/s
//   h1 = tanh(tanh(4·(speed − 0.25))) > 0 when it is above 0.25 bl/s
// and the logits resting = −4·h1, exploring = 4·h1 − 4·h0, playing = 8·h0. So the model says
// resting below ~0.2 bl/s, exploring up to ~1.5 bl/s and playing above, whatever the rules say.
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { FEATURE_NAMES } from '../../runtime/behavior/features';

export const LSTM_LABELS = ['resting', 'exploring', 'playing'] as const;

export interface TinyLstmOptions {
  /** Window length; a string makes it a symbolic (dynamic) dimension. Default 10. */
  T?: number | string;
  /** Row width; default FEATURE_NAMES.length (change it to build a model that breaks the contract). */
  F?: number;
  /** metadata_props "labels"; null leaves it out (labels then come from a sidecar). */
  labels?: readonly string[] | null;
  /** Name of the input (the contract says "features"). */
  inputName?: string;
  /** Speed (bl/s) above which the model says playing. Default 1.5. */
  playAboveBlS?: number;
}

const F32 = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dataType: F32, dims, floatData: values };
}

function intTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dataType: I64, dims, int64Data: values };
}

function valueInfo(name: string, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: F32, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

/** The serialized model. */
export function buildTinyLstm(opts: TinyLstmOptions = {}): Uint8Array {
  const T = opts.T ?? 10;
  const F = opts.F ?? FEATURE_NAMES.length;
  const H = 2;
  const speed = FEATURE_NAMES.indexOf('speed_bl_s');
  const playAbove = opts.playAboveBlS ?? 1.5;

  // ONNX LSTM gate order: input, output, forget, cell. W [1, 4H, F], R [1, 4H, H], B [1, 8H] (Wb then Rb).
  const W = new Array<number>(4 * H * F).fill(0);
  const R = new Array<number>(4 * H * H).fill(0);
  const B = new Array<number>(8 * H).fill(0);
  const gate = { i: 0, o: 1, f: 2, c: 3 };
  for (let h = 0; h < H; h++) {
    B[gate.i * H + h] = 20; // input gate open
    B[gate.o * H + h] = 20; // output gate open
    B[gate.f * H + h] = -20; // forget gate shut: the newest row alone decides
  }
  // Cell candidate g = tanh(W·x + b): h0 from speed − playAbove, h1 from speed − 0.25.
  W[(gate.c * H + 0) * F + speed] = 2;
  B[gate.c * H + 0] = -2 * playAbove;
  W[(gate.c * H + 1) * F + speed] = 4;
  B[gate.c * H + 1] = -4 * 0.25;

  // Gemm: logits = h · Wgᵀ + bg, Wg [C, H].
  const Wg = [
    0, -4, // resting
    -4, 4, // exploring
    8, 0, // playing
  ];
  const bg = [0, 0, 0];

  const inputName = opts.inputName ?? 'features';
  const graph: onnx.IGraphProto = {
    name: 'tiny_behavior_lstm',
    input: [valueInfo(inputName, [1, T, F])],
    output: [valueInfo('logits', [1, LSTM_LABELS.length])],
    initializer: [
      floatTensor('W', [1, 4 * H, F], W),
      floatTensor('R', [1, 4 * H, H], R),
      floatTensor('B', [1, 8 * H], B),
      intTensor('last_start', [1], [-1]),
      intTensor('last_end', [1], [2 ** 31 - 1]),
      intTensor('last_axis', [1], [0]),
      intTensor('hshape', [2], [1, H]),
      floatTensor('Wg', [LSTM_LABELS.length, H], Wg),
      floatTensor('bg', [LSTM_LABELS.length], bg),
    ],
    node: [
      { opType: 'Transpose', input: [inputName], output: ['x_tbf'], attribute: [intsAttr('perm', [1, 0, 2])] },
      { opType: 'LSTM', input: ['x_tbf', 'W', 'R', 'B'], output: ['Y', 'Y_h'], attribute: [intAttr('hidden_size', H)] },
      { opType: 'Slice', input: ['Y', 'last_start', 'last_end', 'last_axis'], output: ['y_last'] },
      { opType: 'Reshape', input: ['y_last', 'hshape'], output: ['h_last'] },
      { opType: 'Gemm', input: ['h_last', 'Wg', 'bg'], output: ['logits'], attribute: [intAttr('transB', 1), floatAttr('alpha', 1)] },
    ],
  };
  const model: onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'ferretwatch-test',
    graph,
    metadataProps: opts.labels === null ? [] : [{ key: 'labels', value: JSON.stringify(opts.labels ?? LSTM_LABELS) }],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Writes the model to `file` and returns the path. */
export function writeTinyLstm(file: string, opts: TinyLstmOptions = {}): string {
  fs.writeFileSync(file, buildTinyLstm(opts));
  return file;
}

/** What the model says for a newest-row speed (mirrors the weights above, for assertions). */
export function tinyLstmExpected(speedBlS: number, playAboveBlS = 1.5): (typeof LSTM_LABELS)[number] {
  const h0 = Math.tanh(Math.tanh(2 * (speedBlS - playAboveBlS)));
  const h1 = Math.tanh(Math.tanh(4 * (speedBlS - 0.25)));
  const logits = [-4 * h1, 4 * h1 - 4 * h0, 8 * h0];
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return LSTM_LABELS[best];
}
