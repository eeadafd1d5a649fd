// Appearance embeddings for the tracker come from runtime/track/embedder.ts (another module,
// possibly absent in a given build). It is loaded lazily, so detection works without it.
import type { Box } from '../contracts';

export type EmbedderKind = 'none' | 'hsv' | 'reid';

export interface Embedder {
  /** One L2-normalised vector per box; boxes are in the pixels of the rgb24 frame given. */
  embed(rgb: Uint8Array, width: number, height: number, boxes: Box[]): Promise<Float32Array[]>;
  release(): Promise<void> | void;
}

interface EmbedderModule {
  createEmbedder(o: { kind: 'hsv' | 'reid'; modelPath?: string; threads?: number }): Promise<Embedder>;
}

export function parseEmbedderKind(v: unknown): EmbedderKind {
  return v === 'hsv' || v === 'reid' ? v : 'none';
}

/** undefined for "none"; throws a plain reason when the embedder module or its model is missing. */
export async function loadEmbedder(kind: EmbedderKind, o: { modelPath?: string; threads?: number } = {}): Promise<Embedder | undefined> {
  if (kind === 'none') return undefined;
  let mod: EmbedderModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../track/embedder') as EmbedderModule;
  } catch (err) {
    throw new Error(`appearance embedder "${kind}" is not available in this build (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof mod.createEmbedder !== 'function') throw new Error('runtime/track/embedder has no createEmbedder()');
  return mod.createEmbedder({ kind, modelPath: o.modelPath, threads: o.threads });
}
