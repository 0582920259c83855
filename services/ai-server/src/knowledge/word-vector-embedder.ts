/**
 * The offline default embedder: sentence vectors from the trained GloVe-style word vectors of
 * `@switchboard/word-vectors` (100 dimensions, zero-padded to the `vector(256)` column; cosine is
 * unchanged by the padding). No network, no key. Batches are embedded in slices of a few
 * milliseconds with the event loop free between them, so a large ingest never stalls the service.
 */
import { loadWordVectors, SentenceEncoder } from '@switchboard/word-vectors';
import { EMBEDDING_DIMENSIONS, type Embedder } from './embedder.ts';

/** Recorded with each article: a change of model or of the averaging re-embeds it. */
export const WORD_VECTOR_MODEL_ID = 'glove-100d-sif-v1';
/**
 * The best chunk's cosine similarity under which a search says noAnswer: the floor that best separates
 * the answerable from the unanswerable questions of the Acme labelled set (balanced accuracy 0.79,
 * AUC 0.81; 67 % of unanswerable questions flagged, 9.5 % of answerable ones). Recalibrate per brand
 * with `eval:retrieval` and `KNOWLEDGE_RELEVANCE_FLOOR`.
 */
export const WORD_VECTOR_RELEVANCE_FLOOR = 0.44;

/** The offline word vectors know English only. */
export const WORD_VECTOR_LANGUAGES: readonly string[] = ['en'];
/** Longest run of embedding work between two yields to the event loop. */
const SLICE_MS = 8;

export interface WordVectorEmbedderOptions {
  /** The converted word-vector file; default the one the install step writes. */
  file?: string;
  dimensions?: number;
}

/** Loads the word vectors (once per process) and embeds with them. Throws when the file is missing. */
export function createWordVectorEmbedder(opts: WordVectorEmbedderOptions = {}): Embedder {
  const encoder = new SentenceEncoder(loadWordVectors(opts.file));
  const dimensions = opts.dimensions ?? EMBEDDING_DIMENSIONS;
  if (dimensions < encoder.dimensions)
    throw new RangeError(`the word vectors have ${encoder.dimensions} dimensions; ${dimensions} is too few`);
  return {
    id: `${WORD_VECTOR_MODEL_ID}@${dimensions}`,
    dimensions,
    relevanceFloor: WORD_VECTOR_RELEVANCE_FLOOR,
    // Trained on English text only: another language's words are unknown to it or mean other things.
    languages: WORD_VECTOR_LANGUAGES,
    async embed(texts) {
      const out: number[][] = [];
      let sliceStarted = performance.now();
      for (const text of texts) {
        const v = new Array<number>(dimensions).fill(0);
        const e = encoder.encode(text);
        for (let i = 0; i < e.length; i++) v[i] = e[i]!;
        out.push(v);
        if (performance.now() - sliceStarted > SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStarted = performance.now();
        }
      }
      return out;
    },
  };
}
