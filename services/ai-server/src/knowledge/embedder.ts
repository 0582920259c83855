import OpenAI from 'openai';

/** Turns texts into unit-length vectors of a fixed size. */
export interface Embedder {
  /** Identifies model and size; stored with an article so a change of either re-embeds it. */
  readonly id: string;
  readonly dimensions: number;
  /**
   * The cosine similarity below which a question's best chunk is taken as "nothing relevant",
   * calibrated on a labelled evaluation for this model; undefined when none has been.
   */
  readonly relevanceFloor?: number;
  /**
   * The languages (ISO 639 primary subtags) the model places in one space; undefined: any (a
   * multilingual `/embeddings` model). Questions in other languages are searched lexically.
   */
  readonly languages?: readonly string[];
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** The `vector(N)` size of KnowledgeChunk.embedding; the embeddings API is asked for this many dimensions. */
export const EMBEDDING_DIMENSIONS = 256;

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** `OPENAI_BASE_URL`, e.g. `https://api.openai.com/v1` or a simulator's `/v1`. */
  baseURL?: string;
  model: string;
  dimensions?: number;
  /** Inputs per request (the API takes up to 2048). */
  batchSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

/** Embeddings through the OpenAI API (`client.embeddings.create`), batched. */
export function createOpenAiEmbedder(opts: OpenAiEmbedderOptions): Embedder {
  const dimensions = opts.dimensions ?? EMBEDDING_DIMENSIONS;
  const batchSize = opts.batchSize ?? 128;
  const client = new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    timeout: opts.timeoutMs ?? 20_000,
    maxRetries: opts.maxRetries ?? 2,
  });
  return {
    id: `${opts.model}@${dimensions}`,
    dimensions,
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const input = texts.slice(i, i + batchSize);
        const res = await client.embeddings.create({
          model: opts.model,
          input: input as string[],
          dimensions,
          // No encoding_format: the SDK then asks for base64 (a quarter of the JSON) and decodes it.
        });
        const byIndex = [...res.data].sort((a, b) => a.index - b.index);
        if (byIndex.length !== input.length)
          throw new Error(`embeddings API returned ${byIndex.length} of ${input.length}`);
        for (const d of byIndex) {
          if (d.embedding.length !== dimensions)
            throw new Error(
              `embeddings API returned ${d.embedding.length} dimensions, expected ${dimensions}`,
            );
          out.push(normalise(Array.from(d.embedding)));
        }
      }
      return out;
    },
  };
}

/** Scales to unit length (cosine distance then equals the dot product ordering). */
export function normalise(v: readonly number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const n = Math.sqrt(sum);
  return n > 0 ? v.map((x) => x / n) : [...v];
}

/** True when every component is 0 (an embedding of a text with nothing the model knows). */
export function isZeroVector(v: readonly number[]): boolean {
  return !v.some((x) => x !== 0);
}

/** pgvector's text form: `[0.1,0.2,...]`. */
export function toVectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : 0)).join(',')}]`;
}
