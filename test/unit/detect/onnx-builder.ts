// A tiny ONNX writer for tests: enough protobuf to build Reshape/Mul/Identity graphs so the detector
// can be exercised with exactly known outputs (and known-bad shapes) without shipping model files.

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function tag(field: number, wire: number): number[] {
  return varint(field * 8 + wire);
}

function fInt(field: number, n: number): number[] {
  return [...tag(field, 0), ...varint(n)];
}

function fBytes(field: number, bytes: ArrayLike<number>): number[] {
  return [...tag(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
}

function fStr(field: number, s: string): number[] {
  return fBytes(field, Buffer.from(s, 'utf8'));
}

export type Dim = number | string;

function valueInfo(name: string, dims: Dim[]): number[] {
  const shape = dims.flatMap((d) => fBytes(1, typeof d === 'number' ? fInt(1, d) : fStr(2, d)));
  const tensorType = [...fInt(1, 1 /* FLOAT */), ...fBytes(2, shape)];
  return [...fStr(1, name), ...fBytes(2, fBytes(1, tensorType))];
}

function int64Tensor(name: string, values: number[]): number[] {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
  return [...fInt(1, values.length), ...fInt(2, 7 /* INT64 */), ...fStr(8, name), ...fBytes(9, raw)];
}

function floatTensor(name: string, dims: number[], values: number[]): number[] {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return [...dims.flatMap((d) => fInt(1, d)), ...fInt(2, 1 /* FLOAT */), ...fStr(8, name), ...fBytes(9, raw)];
}

function node(op: string, inputs: string[], outputs: string[]): number[] {
  return [...inputs.flatMap((i) => fStr(1, i)), ...outputs.flatMap((o) => fStr(2, o)), ...fStr(3, `${op}_${outputs[0]}`), ...fStr(4, op)];
}

export interface TinyModel {
  inputDims: Dim[];
  outputDims: Dim[];
  /** Reshape the input to this (int64 shape) before the optional per-column scale. */
  reshapeTo?: number[];
  /** Multiply by this row vector (broadcast over the last axis). */
  scale?: number[];
  metadata?: Record<string, string>;
}

/** Serialise a model: images → [Reshape] → [Mul] → output0. */
export function buildTinyOnnx(m: TinyModel): Buffer {
  const nodes: number[][] = [];
  const inits: number[][] = [];
  let cur = 'images';
  if (m.reshapeTo) {
    inits.push(int64Tensor('shape', m.reshapeTo));
    nodes.push(node('Reshape', [cur, 'shape'], ['reshaped']));
    cur = 'reshaped';
  }
  if (m.scale) {
    inits.push(floatTensor('scale', [m.scale.length], m.scale));
    nodes.push(node('Mul', [cur, 'scale'], ['output0']));
  } else {
    nodes.push(node('Identity', [cur], ['output0']));
  }
  const graph = [
    ...nodes.flatMap((n) => fBytes(1, n)),
    ...fStr(2, 'tiny'),
    ...inits.flatMap((t) => fBytes(5, t)),
    ...fBytes(11, valueInfo('images', m.inputDims)),
    ...fBytes(12, valueInfo('output0', m.outputDims)),
  ];
  const model = [
    ...fInt(1, 8),
    ...fStr(2, 'ferretwatch-test'),
    ...fStr(3, '1'),
    ...fBytes(7, graph),
    ...fBytes(8, [...fStr(1, ''), ...fInt(2, 13)]),
    ...Object.entries(m.metadata ?? {}).flatMap(([k, v]) => fBytes(14, [...fStr(1, k), ...fStr(2, v)])),
  ];
  return Buffer.from(model);
}
