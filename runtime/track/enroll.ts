// Enrolment: example pictures of a ferret → embeddings of the ferret in each (found with the
// detection model when one is installed, else the whole picture) → an enrolled, named identity.
// Shared by `ferretwatch enroll` and POST /ferretwatch/api/ferrets.
import type { Box } from '../contracts';
import { createEmbedder, DEFAULT_EMBEDDER_KIND, resolveReidModelPath, type Embedder, type EmbedderKind } from './embedder';
import { createFerretFinder, type FerretFinder } from './ferret-finder';
import { decodeImage } from './image-decode';

export interface EnrollImageResult {
  /** Position in the input list. */
  index: number;
  /** Where the ferret was taken from: a detection, or the whole picture. */
  source: 'yolo' | 'whole';
  score: number;
  box: Box;
  width: number;
  height: number;
}

export interface EnrollTools {
  embedder: Embedder;
  finder: FerretFinder;
  release(): Promise<void>;
}

/**
 * The embedder kind that matches what the cameras send: 512-long embeddings are OSNet's, 128-long
 * the colour histogram's; with nothing known, the default.
 */
export function embedderKindForDims(dims: number): EmbedderKind {
  if (dims === 128) return 'hsv';
  if (dims > 0 && resolveReidModelPath()) return 'reid';
  return DEFAULT_EMBEDDER_KIND;
}

export async function createEnrollTools(opts: { kind?: EmbedderKind; reidModel?: string; detectionModel?: string | null } = {}): Promise<EnrollTools> {
  const embedder = await createEmbedder({ kind: opts.kind ?? DEFAULT_EMBEDDER_KIND, modelPath: opts.reidModel });
  let finder: FerretFinder;
  try {
    finder = await createFerretFinder({ modelPath: opts.detectionModel });
  } catch (err) {
    embedder.release();
    throw err;
  }
  return {
    embedder,
    finder,
    async release() {
      embedder.release();
      await finder.release();
    },
  };
}

/**
 * One embedding per picture (a path or the encoded bytes). A picture that cannot be decoded is an
 * error naming its position: enrolling from a partial set would be a silent surprise.
 */
export async function embeddingsFromImages(images: ReadonlyArray<string | Uint8Array>, tools: Pick<EnrollTools, 'embedder' | 'finder'>): Promise<{ embeddings: Float32Array[]; results: EnrollImageResult[] }> {
  const embeddings: Float32Array[] = [];
  const results: EnrollImageResult[] = [];
  for (let i = 0; i < images.length; i++) {
    let img;
    try {
      img = await decodeImage(images[i], { maxSide: 1280 });
    } catch (err) {
      throw new Error(`image ${i + 1}: ${(err as Error).message}`);
    }
    const found = await tools.finder.find(img);
    const [e] = await tools.embedder.embed(img.rgb, img.width, img.height, [found.box]);
    embeddings.push(e);
    results.push({ index: i, source: found.source, score: found.score, box: found.box, width: img.width, height: img.height });
  }
  return { embeddings, results };
}
