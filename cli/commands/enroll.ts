// `ferretwatch enroll --name Luna a.jpg b.jpg …`: a named ferret from example pictures. The ferret
// is found in each picture with the detection model when one is installed (else the whole picture
// is used), embedded with the default embedder, and written to the identities file in the Node-RED
// user directory. A running Node-RED merges it at its next save, a restarted one loads it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from '../args';

export const usage =
  'enroll --name <name> <image>… [--user-dir ./.ferretwatch] [--embedder hsv|reid] [--reid-model m.onnx] [--model det.onnx | --no-model] [--json]';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['name', 'user-dir', 'embedder', 'reid-model', 'model'], flags: ['no-model', 'json'] });
  const { validateName } = await import('../../runtime/track/names');
  const name = validateName(args.options.name ?? '');
  if (args.positionals.length === 0) throw new Error(`give at least one picture of ${name} (usage: ferretwatch ${usage})`);
  for (const f of args.positionals) if (!fs.existsSync(f)) throw new Error(`${f} does not exist`);
  const kind = (args.options.embedder ?? undefined) as string | undefined;
  if (kind !== undefined && kind !== 'hsv' && kind !== 'reid') throw new Error('--embedder must be hsv or reid');
  if (args.options['no-model'] && args.options.model) throw new Error('--model and --no-model exclude each other');
  const userDir = path.resolve(String(args.options['user-dir'] ?? process.env.FERRETWATCH_USER_DIR ?? '.ferretwatch'));

  const { createEnrollTools, embeddingsFromImages } = await import('../../runtime/track/enroll');
  const { identitiesFile, readIdentitiesFile, writeIdentitiesFile } = await import('../../runtime/track/identity-store');
  const { IdentityRegistry } = await import('../../runtime/track/identities');

  // Read the file first: a broken file is reported before minutes of work, and never overwritten.
  const file = identitiesFile(userDir);
  const before = readIdentitiesFile(file);
  const reg = before ? IdentityRegistry.fromJSON(before) : new IdentityRegistry();

  const tools = await createEnrollTools({
    kind: kind as 'hsv' | 'reid' | undefined,
    reidModel: args.options['reid-model'] as string | undefined,
    detectionModel: args.options['no-model'] ? null : (args.options.model as string | undefined),
  });
  let out;
  try {
    out = await embeddingsFromImages(args.positionals, tools);
  } finally {
    await tools.release();
  }
  const dims = tools.embedder.dims;
  const other = reg.list().filter((i) => i.enrolled && i.dims !== null && i.dims !== dims);
  if (other.length) {
    console.error(`ferretwatch: note: ${other.map((i) => i.name ?? i.ferretId).join(', ')} were enrolled with another embedder (${other[0].dims}-long embeddings, this one ${dims})`);
  }
  // Someone (Node-RED) may have written the file meanwhile: take its latest content as the base.
  const latest = readIdentitiesFile(file);
  const base = latest ? IdentityRegistry.fromJSON(latest) : reg;
  const a = base.enroll(name, out.embeddings);
  writeIdentitiesFile(file, base.toJSON());

  const found = out.results.filter((r) => r.source === 'yolo').length;
  if (args.options.json) {
    console.log(JSON.stringify({ ferretId: a.ferretId, name: a.name, file, embedder: tools.embedder.kind, dims, model: tools.finder.modelPath ?? null, images: out.results.map((r, i) => ({ file: args.positionals[i], source: r.source, score: Math.round(r.score * 100) / 100, box: r.box.map(Math.round) })) }, null, 2));
    return 0;
  }
  const how = tools.finder.modelPath ? `ferret found by ${path.basename(tools.finder.modelPath)} in ${found} of ${out.results.length}, the whole picture in the rest` : 'whole pictures (no detection model installed)';
  console.log(`${a.ferretId}  ${name}: ${out.results.length} picture${out.results.length === 1 ? '' : 's'} (${how}), ${tools.embedder.kind} embeddings, saved to ${file}`);
  console.log('A running Node-RED picks this up at its next save of identities; a restarted one loads it.');
  return 0;
}
