// Reads the top-level fields of an ONNX file (ModelProto) without onnxruntime: onnxruntime-node 1.30
// exposes no model metadata. Only small fields are read; the graph (field 7, nearly the whole
// file) is skipped by offset, never copied. Also resolves class names for Ultralytics models.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OnnxModelInfo {
  irVersion: number;
  producerName?: string;
  producerVersion?: string;
  /** Version of the default ("" / ai.onnx) operator set. */
  opset?: number;
  /** metadata_props (Ultralytics puts names, imgsz, stride, task there). */
  metadata: Record<string, string>;
  fileSize: number;
}

/** A file that is not (or no longer) a readable ONNX model; the message is meant for users. */
export class OnnxFileError extends Error {
  constructor(
    message: string,
    readonly reason: 'missing' | 'not-onnx' | 'truncated' | 'unreadable',
  ) {
    super(message);
    this.name = 'OnnxFileError';
  }
}

interface ByteSource {
  size: number;
  read(pos: number, len: number): Promise<Uint8Array>;
}

const WANTED_STRINGS = new Set([2, 3, 8, 14]); // producer_name, producer_version, opset_import, metadata_props

/** What a non-ONNX file most likely is, from its first bytes. */
export function sniffFileKind(head: Uint8Array): string | undefined {
  const s = Buffer.from(head.subarray(0, 64)).toString('latin1');
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'a JPEG image';
  if (s.startsWith('\x89PNG')) return 'a PNG image';
  if (s.startsWith('GIF8')) return 'a GIF image';
  if (s.startsWith('PK\x03\x04')) return 'a ZIP archive (a PyTorch .pt checkpoint is one: export it to ONNX first)';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'a Python pickle (export the model to ONNX first)';
  if (s.startsWith('version https://git-lfs')) return 'a Git LFS pointer, not the model itself (run git lfs pull)';
  if (s.slice(4, 8) === 'TFL3') return 'a TensorFlow Lite model';
  if (/^\s*</.test(s)) return 'an HTML/XML text file (a failed download?)';
  if (/^\s*[{[]/.test(s)) return 'a JSON text file';
  return undefined;
}

class ProtoError extends Error {
  constructor(
    message: string,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

/** Varint at buf[off]; values above 2^53 lose precision, which no sane length or field reaches. */
function varint(buf: Uint8Array, off: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (off + i >= buf.length) throw new ProtoError('varint runs past the end', true);
    const b = buf[off + i];
    value += (b & 0x7f) * mul;
    if (b < 0x80) return { value, next: off + i + 1 };
    mul *= 128;
  }
  throw new ProtoError('varint longer than 10 bytes', false);
}

/** Fields of a small, fully read message: calls `onField` with number, wire type and value. */
function eachField(
  buf: Uint8Array,
  onField: (field: number, wire: number, value: number | Uint8Array) => void,
): void {
  let off = 0;
  while (off < buf.length) {
    const tag = varint(buf, off);
    off = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = varint(buf, off);
      off = v.next;
      onField(field, wire, v.value);
    } else if (wire === 2) {
      const len = varint(buf, off);
      off = len.next;
      if (off + len.value > buf.length) throw new ProtoError('field runs past the end of its message', true);
      onField(field, wire, buf.subarray(off, off + len.value));
      off += len.value;
    } else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else throw new ProtoError(`invalid wire type ${wire}`, false);
  }
  if (off > buf.length) throw new ProtoError('message runs past its end', true);
}

const utf8 = new TextDecoder();

async function parseModelProto(src: ByteSource): Promise<Omit<OnnxModelInfo, 'fileSize'>> {
  let pos = 0;
  let irVersion: number | undefined;
  let sawGraph = false;
  const info: Omit<OnnxModelInfo, 'fileSize' | 'irVersion'> = { metadata: {} };
  while (pos < src.size) {
    // A tag plus a length are at most 20 bytes.
    const head = await src.read(pos, Math.min(20, src.size - pos));
    const tag = varint(head, 0);
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) throw new ProtoError('field number 0', false);
    let off = tag.next;
    if (wire === 0) {
      const v = varint(head, off);
      if (field === 1) irVersion = v.value;
      pos += v.next;
      continue;
    }
    if (wire === 1 || wire === 5) {
      pos += off + (wire === 1 ? 8 : 4);
      continue;
    }
    if (wire !== 2) throw new ProtoError(`invalid wire type ${wire} for field ${field}`, false);
    const len = varint(head, off);
    off = len.next;
    const start = pos + off;
    const end = start + len.value;
    if (end > src.size) throw new ProtoError(`field ${field} needs ${end - src.size} bytes more than the file has`, true);
    if (field === 7) sawGraph = true;
    if (WANTED_STRINGS.has(field)) {
      const body = await src.read(start, len.value);
      if (field === 2) info.producerName = utf8.decode(body);
      else if (field === 3) info.producerVersion = utf8.decode(body);
      else if (field === 8) {
        let domain = '';
        let version: number | undefined;
        eachField(body, (f, w, v) => {
          if (f === 1 && w === 2) domain = utf8.decode(v as Uint8Array);
          else if (f === 2 && w === 0) version = v as number;
        });
        if ((domain === '' || domain === 'ai.onnx') && version !== undefined) info.opset = version;
      } else {
        let key: string | undefined;
        let value = '';
        eachField(body, (f, w, v) => {
          if (f === 1 && w === 2) key = utf8.decode(v as Uint8Array);
          else if (f === 2 && w === 2) value = utf8.decode(v as Uint8Array);
        });
        if (key !== undefined) info.metadata[key] = value;
      }
    }
    pos = end;
  }
  if (irVersion === undefined || !sawGraph) {
    throw new ProtoError(irVersion === undefined ? 'no ir_version field' : 'no graph field', false);
  }
  return { irVersion, ...info };
}

function explain(name: string, head: Uint8Array, err: unknown): OnnxFileError {
  if (err instanceof ProtoError) {
    const kind = sniffFileKind(head);
    if (kind) return new OnnxFileError(`${name} is not an ONNX model: it looks like ${kind}`, 'not-onnx');
    if (err.truncated) {
      return new OnnxFileError(`${name} is truncated or corrupt (${err.message}); download or export it again`, 'truncated');
    }
    return new OnnxFileError(`${name} is not an ONNX model (${err.message})`, 'not-onnx');
  }
  return new OnnxFileError(`${name} could not be read: ${(err as Error).message}`, 'unreadable');
}

/** Parse an ONNX model held in memory. */
export async function parseOnnxInfo(buf: Uint8Array, name = 'model'): Promise<OnnxModelInfo> {
  const src: ByteSource = { size: buf.length, read: async (p, l) => buf.subarray(p, p + l) };
  if (buf.length === 0) throw new OnnxFileError(`${name} is empty (0 bytes)`, 'truncated');
  try {
    return { ...(await parseModelProto(src)), fileSize: buf.length };
  } catch (err) {
    throw explain(name, buf.subarray(0, 64), err);
  }
}

/** Read the top-level fields of an ONNX file. Errors name the file and say what is wrong. */
export async function readOnnxInfo(file: string): Promise<OnnxModelInfo> {
  const name = path.basename(file);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OnnxFileError(`model file ${name} not found (${file})`, 'missing');
    if (code === 'EISDIR') throw new OnnxFileError(`model path ${name} is a directory, not an .onnx file (${file})`, 'not-onnx');
    throw new OnnxFileError(`model file ${name} cannot be opened: ${(err as Error).message}`, 'unreadable');
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new OnnxFileError(`model path ${name} is a directory, not an .onnx file (${file})`, 'not-onnx');
    if (st.size === 0) throw new OnnxFileError(`model file ${name} is empty (0 bytes)`, 'truncated');
    const src: ByteSource = {
      size: st.size,
      read: async (p, l) => {
        const b = Buffer.allocUnsafe(l);
        const { bytesRead } = await fh.read(b, 0, l, p);
        return b.subarray(0, bytesRead);
      },
    };
    const head = await src.read(0, Math.min(64, st.size));
    try {
      return { ...(await parseModelProto(src)), fileSize: st.size };
    } catch (err) {
      throw explain(`model file ${name}`, head, err);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Parse Ultralytics' `names` metadata, a Python dict literal like
 * `{0: 'person', 1: "it's", 77: 'teddy bear'}`. A JSON array or object is accepted too.
 * Missing indices become `class_<i>`.
 */
export function parseUltralyticsNames(str: string): string[] {
  let i = 0;
  const s = str;
  const fail = (what: string): never => {
    throw new Error(`cannot parse class names at character ${i}: ${what} (in ${JSON.stringify(s.slice(0, 80))}…)`);
  };
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const readString = (): string => {
    const q = s[i];
    if (q !== "'" && q !== '"') fail('expected a quoted name');
    i++;
    let out = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const c = s[i + 1];
        const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
        if (c === 'x' || c === 'u') {
          const len = c === 'x' ? 2 : 4;
          const hex = s.slice(i + 2, i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 2 + len;
          continue;
        }
        if (c === undefined) fail('unterminated escape');
        out += esc[c] ?? c;
        i += 2;
        continue;
      }
      out += s[i++];
    }
    if (i >= s.length) fail('unterminated string');
    i++;
    return out;
  };
  const byIndex: string[] = [];
  ws();
  if (s[i] === '[') {
    i++;
    ws();
    while (s[i] !== ']') {
      byIndex.push(readString());
      ws();
      if (s[i] === ',') {
        i++;
        ws();
      } else if (s[i] !== ']') fail("expected ',' or ']'");
    }
    return byIndex;
  }
  if (s[i] !== '{') fail("expected '{' or '['");
  i++;
  ws();
  let max = -1;
  while (s[i] !== '}') {
    if (i >= s.length) fail("missing '}'");
    let key: number;
    if (s[i] === "'" || s[i] === '"') key = Number(readString());
    else {
      const m = /^\d+/.exec(s.slice(i));
      if (!m) fail('expected a class index');
      key = Number((m as RegExpExecArray)[0]);
      i += (m as RegExpExecArray)[0].length;
    }
    if (!Number.isInteger(key) || key < 0) fail('class index is not a non-negative integer');
    ws();
    if (s[i] !== ':') fail("expected ':'");
    i++;
    ws();
    byIndex[key] = readString();
    if (key > max) max = key;
    ws();
    if (s[i] === ',') {
      i++;
      ws();
    } else if (s[i] !== '}') fail("expected ',' or '}'");
  }
  const out: string[] = [];
  for (let k = 0; k <= max; k++) out.push(byIndex[k] ?? `class_${k}`);
  return out;
}

export interface ClassNames {
  names: string[];
  /** 'metadata', the labels file path, or 'generic'. */
  source: string;
}

/** Labels files looked for next to a model, in order. */
export function labelsFileCandidates(modelPath: string): string[] {
  const dir = path.dirname(modelPath);
  const base = path.basename(modelPath);
  const stem = base.replace(/\.onnx$/i, '');
  return [
    path.join(dir, `${stem}.labels.txt`),
    path.join(dir, `${base}.labels.txt`),
    path.join(dir, `${stem}.names`),
    path.join(dir, 'labels.txt'),
  ];
}

/**
 * Class names for a model: metadata `names`, else a labels file next to it (one name per line),
 * else class_<i>. When the model's class count is known, the list is cut or padded to it.
 */
export function resolveClassNames(modelPath: string, metadata: Record<string, string>, numClasses?: number): ClassNames {
  let names: string[] | undefined;
  let source = 'generic';
  if (metadata.names) {
    try {
      names = parseUltralyticsNames(metadata.names);
      source = 'metadata';
    } catch {
      names = undefined; // fall through to a labels file
    }
  }
  if (!names) {
    for (const f of labelsFileCandidates(modelPath)) {
      if (!fs.existsSync(f)) continue;
      names = fs
        .readFileSync(f, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
      source = f;
      break;
    }
  }
  names = names ?? [];
  if (numClasses !== undefined) {
    names = names.slice(0, numClasses);
    for (let k = names.length; k < numClasses; k++) names.push(`class_${k}`);
  }
  return { names, source };
}

/** Ultralytics `imgsz` metadata ("[640, 640]" or "640") as [height, width]. */
export function parseImgsz(value: string | undefined): [number, number] | undefined {
  if (!value) return undefined;
  const nums = (value.match(/\d+/g) ?? []).map(Number).filter((n) => n > 0);
  if (nums.length === 1) return [nums[0], nums[0]];
  if (nums.length >= 2) return [nums[0], nums[1]];
  return undefined;
}
