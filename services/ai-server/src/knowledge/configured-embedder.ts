import { ConfigError } from '@switchboard/service-kit';
import type { AiServerConfig } from '../config.ts';
import { createOpenAiEmbedder, EMBEDDING_DIMENSIONS, type Embedder } from './embedder.ts';
import {
  createWordVectorEmbedder,
  WORD_VECTOR_LANGUAGES,
  WORD_VECTOR_MODEL_ID,
  WORD_VECTOR_RELEVANCE_FLOOR,
} from './word-vector-embedder.ts';

type EmbeddingConfig = Pick<
  AiServerConfig,
  'EMBEDDINGS' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'EMBEDDING_MODEL'
>;

/**
 * The embedder the configuration asks for: OpenAI-compatible when a key is given (or asked for),
 * otherwise the offline word vectors; none for lexical-only search.
 */
export function configuredEmbedder(config: EmbeddingConfig): Embedder | undefined {
  const provider =
    config.EMBEDDINGS === 'auto' ? (config.OPENAI_API_KEY ? 'openai' : 'local') : config.EMBEDDINGS;
  if (provider === 'none') return undefined;
  if (provider === 'local') return createWordVectorEmbedder();
  if (!config.OPENAI_API_KEY) throw new ConfigError(['OPENAI_API_KEY: is required when EMBEDDINGS=openai']);
  return createOpenAiEmbedder({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.EMBEDDING_MODEL,
  });
}

/**
 * The models a retrieval lane may ask for besides the default: the offline word vectors (loaded on
 * first use) when the default is another provider, and the configured `/embeddings` provider when
 * a key is given and the default is the word vectors.
 */
export function laneEmbedders(config: EmbeddingConfig, primary: Embedder | undefined): Embedder[] {
  const out: Embedder[] = [];
  const wordVectorsId = `${WORD_VECTOR_MODEL_ID}@${EMBEDDING_DIMENSIONS}`;
  if (primary?.id !== wordVectorsId) out.push(lazyWordVectors(wordVectorsId));
  if (config.OPENAI_API_KEY && primary?.id === wordVectorsId)
    out.push(
      createOpenAiEmbedder({
        apiKey: config.OPENAI_API_KEY,
        baseURL: config.OPENAI_BASE_URL,
        model: config.EMBEDDING_MODEL,
      }),
    );
  return out;
}

function lazyWordVectors(id: string): Embedder {
  let loaded: Embedder | undefined;
  const load = () => {
    loaded ??= createWordVectorEmbedder();
    return loaded;
  };
  return {
    id,
    dimensions: EMBEDDING_DIMENSIONS,
    relevanceFloor: WORD_VECTOR_RELEVANCE_FLOOR,
    languages: WORD_VECTOR_LANGUAGES,
    embed: (texts) => load().embed(texts),
  };
}
