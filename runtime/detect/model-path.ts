// Where the detection model comes from: the node's setting, else FERRETWATCH_MODEL, else the first
// .onnx file in a models directory. No model at all means the motion detector is used.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** .onnx files directly in `dir`, sorted by name; [] when the directory does not exist. */
export function listModels(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    // ReID embedders (osnet, *reid*) live in the same folder but are not detectors.
    .filter((f) => f.toLowerCase().endsWith('.onnx') && !/reid|osnet/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The model to load, or undefined for "use motion detection". A configured path that is relative
 * is taken relative to `modelsDir`'s parent (the package root) when it does not exist as given.
 */
export function resolveModelPath(
  configured: string | undefined,
  modelsDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const pick = configured?.trim() || env.FERRETWATCH_MODEL?.trim();
  if (pick) {
    if (path.isAbsolute(pick) || fs.existsSync(pick)) return path.resolve(pick);
    return path.resolve(path.dirname(modelsDir), pick);
  }
  return listModels(modelsDir)[0];
}
