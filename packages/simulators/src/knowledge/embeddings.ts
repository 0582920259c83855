import { loadWordVectors, SentenceEncoder } from '@switchboard/word-vectors';
import { hash32, textFeatures } from './text-features.ts';

/** Default output sizes of the OpenAI embedding models the simulator answers for. */
export const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

let encoder: SentenceEncoder | undefined;

/**
 * A deterministic unit vector for `text` from a trained model: the frequency-weighted average of its
 * GloVe-style word vectors (`@switchboard/word-vectors`, 100 dimensions), zero-padded to `dimensions`
 * or, below 100, cut and renormalised as the API shortens its own embeddings. Paraphrases land close
 * because the model learned which words mean alike. A text with no word the model knows gets its
 * hashed features instead (the API never answers a zero vector).
 */
export function simulatedEmbedding(text: string, dimensions: number): number[] {
  encoder ??= new SentenceEncoder(loadWordVectors());
  const semantic = encoder.encode(text);
  if (semantic.some((x) => x !== 0)) {
    const v = new Array<number>(dimensions).fill(0);
    for (let i = 0; i < Math.min(dimensions, semantic.length); i++) v[i] = semantic[i]!;
    return unit(v);
  }
  return hashedEmbedding(text, dimensions);
}

/**
 * Feature hashing of `text` into `dimensions` buckets with a hashed sign and sublinear weights: texts
 * sharing words or spelling fragments land close; unrelated texts are near orthogonal.
 */
export function hashedEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const [name, weight] of textFeatures(text)) {
    const h = hash32(name);
    const sign = hash32(`s:${name}`) & 1 ? 1 : -1;
    v[h % dimensions]! += sign * Math.sqrt(weight);
  }
  if (!v.some((x) => x !== 0)) {
    // An empty or stopword-only text still gets a valid (fixed) unit vector.
    v[0] = 1;
    return v;
  }
  return unit(v);
}

function unit(v: number[]): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}

/** Little-endian float32 bytes in base64, the API's `encoding_format: "base64"`. */
export function embeddingToBase64(v: readonly number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => {
    buf.writeFloatLE(x, i * 4);
  });
  return buf.toString('base64');
}

/** Cosine similarity of two vectors of equal length. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
